"""A member's own data (issue 14.7), over a real server: the export zip holds what was
entered and the kept PDFs; "Delete everything" asks first, then leaves no row of the member
in any table (outbox and sessions included) and signs them out on every device; the kept
packets' purge runs from the command and the background loop; no answer reaches the log."""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from tests.support.accounts import sign_in
from tests.support.drive import fill
from tests.support.pages import heading, parse
from tests.support.pdf import flat, pdf_text
from tests.support.registry import JOURNEYS
from tests.support.samples import MEMBER, send
from workflows.store.database import token_key
from workflows.store.members import email_key
from workflows.store.models import Base

ANA = "ana.data@example.org"
BEN = "ben.data@example.org"
CLAIM = next(j for j in JOURNEYS if j.slug == "claim")
GUARANTEE = next(j for j in JOURNEYS if j.slug == "guarantee")
ANSWER = {"claim_number": "CL-55", "status": "partly-paid", "amount_paid": "500", "currency": "EUR",
          "date-day": "20", "date-month": "11", "date-year": "2026", "note": "Crown paid in part"}


def reference_of(member, slug: str) -> str:
    return parse(member.get(f"/{slug}/done")).select_one(".panel .ref").get_text(strip=True)


def every_row(app) -> dict[str, list[tuple]]:
    with app.extensions["store"].engine.connect() as db:
        return {t.name: [tuple(r) for r in db.execute(select(t))] for t in Base.metadata.sorted_tables}


def test_the_export_holds_what_was_entered_and_the_kept_pdfs(site, smtp_server):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    fill(member, CLAIM.wizard, CLAIM.pages())
    claim = reference_of(member, "claim")
    member.post(f"/my-claims/{claim}", ANSWER)
    fill(member, GUARANTEE.wizard, GUARANTEE.pages())
    guarantee = reference_of(member, "guarantee")
    member.post("/claim/new", {}, token_from="/claim/done")
    member.post("/claim/member", {**MEMBER, "full_name": "Zoë Half-Done"})  # begun, not finished
    reply = member.get("/my-claims/export")
    assert reply.headers["Content-Type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(reply.content))
    assert sorted(z.namelist()) == sorted(["my-data.json", f"packets/claim-{claim}.pdf",
                                           f"packets/guarantee-request-{guarantee}.pdf"])
    data = json.loads(z.read("my-data.json"))
    assert data["member"]["email"] == ANA
    by_reference = {r["reference"]: r for r in data["records"]}
    assert by_reference[claim]["patient"] == "Zoë Ørsted"
    assert by_reference[claim]["totals"] == {"EUR": "650.00", "CHF": "80.00"}
    assert by_reference[claim]["answer"] == {"claim_number": "CL-55", "status": "partly-paid",
                                             "amount_paid": "500.00", "currency": "EUR",
                                             "date": "2026-11-20", "note": "Crown paid in part"}
    assert by_reference[guarantee]["patient"] == "Leo Ruiz"
    assert data["drafts"]["claim"]["member"]["full_name"] == "Zoë Half-Done"
    assert claim in flat(pdf_text(z.read(f"packets/claim-{claim}.pdf")))


def test_delete_everything_asks_then_leaves_no_row_of_the_member(site, smtp_server):
    app = site.app
    secret, limits = app.config["SECRET_KEY"], app.extensions["store"].limits
    ben = site.member()
    sign_in(ben, smtp_server, BEN)
    fill(ben, CLAIM.wizard, CLAIM.pages())
    before = every_row(app)

    ana = site.member()
    sign_in(ana, smtp_server, ANA)
    laptop = site.member()
    sign_in(laptop, smtp_server, ANA)  # a second device
    fill(ana, CLAIM.wizard, CLAIM.pages())
    claim = reference_of(ana, "claim")
    send(ana)
    ana.post(f"/my-claims/{claim}", ANSWER)
    fill(ana, GUARANTEE.wizard, GUARANTEE.pages())
    guarantee = reference_of(ana, "guarantee")
    store = app.extensions["store"]
    member_id = store.members.session(ana.draft).member_id
    draft_key = token_key(store.members.draft_token(member_id))
    marks = {member_id, email_key(secret, ANA), draft_key, claim, guarantee, ANA,
             token_key(ana.draft), token_key(laptop.draft)}

    asked = ana.get("/my-claims/delete")
    assert heading(asked) == "Delete everything"
    assert "2 finished items in My claims" in asked.text
    assert every_row(app) != before  # nothing deleted by asking
    done = ana.post("/my-claims/delete", {})
    assert heading(done) == "Everything has been deleted"

    after = every_row(app)
    for table, rows in after.items():
        for row in rows:
            assert not any(str(value) in marks for value in row), (table, row)
    member_tables = ("members", "member_sessions", "sign_in_links", "records", "reminders", "drafts",
                     "draft_rotations", "uploads", "submissions", "packets", "outbox")
    for table in member_tables:  # Ben's rows only, as they were (his sent outbox row included)
        assert sorted(map(repr, after[table])) == sorted(map(repr, before[table])), table
    # Counts kept per client address (both used 127.0.0.1) may stay; none kept per member.
    per_client = {limits.hashed(secret, v) for v in ("sign-in-client:127.0.0.1", "address:127.0.0.1",
                                                      "upload:files:127.0.0.1", "upload:bytes:127.0.0.1")}
    for table in ("send_counts", "budgets"):
        new = {row[0] for row in after[table]} - {row[0] for row in before[table]}
        assert new <= per_client, table
    # Signed out on both devices; Ben still signed in, his claim still there.
    for device in (ana, laptop):
        assert heading(device.get("/my-claims")) == "Sign in"
    assert heading(ben.get("/my-claims")) == "My claims"
    assert len(store.records.for_member(store.members.session(ben.draft).member_id)) == 1


def test_the_background_loop_drops_kept_packets_past_their_time(site, smtp_server, clock):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    fill(member, CLAIM.wizard, CLAIM.pages())
    app, store = site.app, site.app.extensions["store"]
    postman = app.extensions["postman"]
    assert store.purge_records in postman.jobs  # run after each delivery round
    clock.advance(days=18 * 31)
    for job in postman.jobs:
        job()
    with store.engine.connect() as db:
        assert db.exec_driver_sql("SELECT count(*), count(packet) FROM records").one() == (1, 0)


def test_delete_everything_removes_the_members_files_in_the_outbox_folder(serve, make_app, tmp_path):
    from tests.support.accounts import ask_link, link_in_folder, use_link
    site = serve(make_app())  # no mail server: sign-in links and claims are written as .eml files
    folder = tmp_path / "outbox"
    other = site.member()
    ask_link(other, BEN)  # another member's link, still waiting in the folder
    theirs = {p.name for p in folder.glob("*.eml")}
    member = site.member()
    ask_link(member, ANA)
    use_link(member, link_in_folder(folder))
    fill(member, CLAIM.wizard, CLAIM.pages())
    send(member)
    claim = reference_of(member, "claim")
    assert any(p.name.startswith(claim) for p in folder.glob("*.eml"))
    member.post("/my-claims/delete", {}, token_from="/my-claims/delete")
    assert {p.name for p in folder.glob("*.eml")} == theirs


def test_keys_rotate_re_encrypts_records_and_their_packets(serve, make_app, smtp_server):
    from cryptography.fernet import Fernet
    from tests.support.mail import SENDER
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_DEFAULT_SENDER": SENDER}
    site = serve(make_app(DRAFT_ENCRYPTION_KEYS=key_a, **mail))
    member = site.member()
    sign_in(member, smtp_server, ANA)
    fill(member, CLAIM.wizard, CLAIM.pages())
    claim = reference_of(member, "claim")
    member.post(f"/my-claims/{claim}", ANSWER)
    counts = make_app(DRAFT_ENCRYPTION_KEYS=f"{key_b},{key_a}").extensions["store"].rekey()
    assert (counts["records"].rotated, counts["record packets"].rotated) == (1, 1)
    newest_only = serve(make_app(DRAFT_ENCRYPTION_KEYS=key_b, **mail))
    again = newest_only.member()
    sign_in(again, smtp_server, ANA)
    assert "CL-55" in again.get(f"/my-claims/{claim}").text
    assert claim in flat(pdf_text(again.get(f"/my-claims/{claim}/packet.pdf").content))
