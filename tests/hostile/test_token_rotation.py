"""Draft token rotation: a token planted in a member's browser stops working the moment the
member finishes a journey.

Whoever can set a cookie for the site (a sibling subdomain, a shared computer, a link that
sets it) can give a victim a `draft` token of their own choosing and then read along. When a
journey is finished the draft gets a new token: the same content, the old token dead at once
on every app process. The member keeps everything under the new cookie; two tabs and double
clicks still work. Over real servers (werkzeug in a thread, two gunicorn processes), with
real SMTP (aiosmtpd)."""
from __future__ import annotations

import http.client
import os
import socket
import time
from urllib.parse import urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from tests.support.files import jpeg_bytes
from tests.support.samples import GOP_PATIENT, MEMBER, WRITER, fill_claim
from tests.support.servers import gunicorn_processes
from tests.support.http import RequestsMember as Member
from tests.support.pages import csrf_of, heading, parse, path_of
from tests.support.pdf import pdf_text
from workflows.administrators.cigna import CIGNA

DOCUMENTS = ("/claim/done/packet.pdf", "/claim/done/fax.pdf?paper=A4", "/claim/done/post.pdf",
             "/claim/done/message.eml")
RECEIPT = "receipt-of-the-victim.jpg"


def count(app, table: str) -> int:
    with app.extensions["store"].engine.connect() as db:
        return db.execute(text(f"select count(*) from {table}")).scalar()


def planted(url: str) -> tuple[Member, Member, str]:
    """The attacker opens the site for a token of their own, and plants it in the victim's
    browser: (attacker, victim, token). The attacker also keeps the form token of that draft."""
    attacker = Member(url)
    attacker.csrf = csrf_of(attacker.get("/claim/member"))
    token = attacker.draft
    assert token
    victim = Member(url)
    victim.http.cookies.set("draft", token, domain="127.0.0.1", path="/")
    return attacker, victim, token


def holding(url: str, token: str) -> Member:
    """A browser that sends exactly this draft token."""
    browser = Member(url)
    browser.http.cookies.set("draft", token, domain="127.0.0.1", path="/")
    return browser


def finish_claim(victim):
    return fill_claim(victim, receipts=((RECEIPT, jpeg_bytes((300, 400))),))


def review_form(member, **extra) -> dict:
    """The review page's form as a browser sends it: its hidden fields and the declaration."""
    page = parse(member.get("/claim/check"))
    form = page.find("form", id="answers")
    fields = {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}
    return {**fields, "confirm": "y", "signature": MEMBER["full_name"], **extra}


def reference_on(response) -> str:
    found = parse(response).select_one(".ref")
    return found.get_text(strip=True) if found else ""


def assert_reads_nothing(attacker, reference: str, what: str) -> None:
    for path in ("/claim/done", *DOCUMENTS):
        response = attacker.get(path)
        assert response.status_code == 404, (what, path, response.status_code)
        assert reference not in response.text
    for path in ("/claim/member", "/claim/receipts", "/guarantee/writer"):
        response = attacker.get(path)
        for secret in (MEMBER["full_name"], MEMBER["email"], MEMBER["reference"], RECEIPT, WRITER["name"]):
            assert secret not in response.text, (what, path, secret)
    assert path_of(attacker.get("/claim/check")) == "/claim/member"


def test_a_planted_token_reads_nothing_once_the_victim_finishes(site, smtp_server):
    attacker, victim, token = planted(site.url)
    victim.post("/claim/member", MEMBER)
    # The plant works up to the finish (what rotation cannot undo): the attacker reads along.
    assert parse(attacker.get("/claim/member")).find(id="full_name")["value"] == MEMBER["full_name"]

    done = finish_claim(victim)
    assert path_of(done) == "/claim/done"
    reference = reference_on(done)
    rotated = victim.draft
    assert rotated and rotated != token and len(rotated) == 43

    assert_reads_nothing(attacker, reference, "after the finish")
    # Nor can the attacker act with it: the old token and its form token are refused, and
    # nothing is sent or deleted.
    for path, data in (("/claim/done/send", {"copy": "yes"}), ("/delete", {})):
        refused = holding(site.url, token).http.post(site.url + path, timeout=60,
                                                      data={**data, "csrf_token": attacker.csrf})
        assert refused.status_code == 400, path
        assert heading(refused) == "Your answers have expired"
    # Finishing again is sent on to the confirmation page, which the old token cannot open.
    again = holding(site.url, token).http.post(
        site.url + "/claim/check", timeout=60,
        data={"confirm": "y", "signature": MEMBER["full_name"], "csrf_token": attacker.csrf})
    assert again.status_code == 404 and path_of(again) == "/claim/done"
    assert not [r for r in (*again.history, again) if "draft=" in r.headers.get("Set-Cookie", "")]
    assert smtp_server.messages == []

    # The victim keeps everything under the new cookie.
    page = victim.get("/claim/done")
    assert reference_on(page) == reference
    packet = victim.get("/claim/done/packet.pdf")
    assert packet.status_code == 200 and MEMBER["full_name"] in pdf_text(packet.content)
    for path in DOCUMENTS:
        assert victim.get(path).status_code == 200, path
    sent = victim.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
    assert parse(sent).select_one(".outcome").get_text(" ", strip=True).startswith("Sent.")
    (received,) = smtp_server.messages
    assert received["rcpt_tos"] == [CIGNA.claims_email, MEMBER["email"]]
    assert reference in received["message"].get_body(("plain",)).get_content()
    assert victim.draft == rotated  # pages after the finish keep the same (new) token

    # What the victim does next in the same draft stays out of the attacker's reach.
    victim.post("/guarantee/writer", WRITER)
    victim.post("/guarantee/patient", GOP_PATIENT)
    assert parse(victim.get("/guarantee/writer")).find(id="name")["value"] == WRITER["name"]
    assert_reads_nothing(attacker, reference, "after the next journey began")
    assert count(site.app, "submissions") == 1


def test_every_finish_rotates_and_the_send_limit_still_counts_the_draft(serve, make_app, smtp_server):
    """A second claim in the same draft ("start another") rotates again; the per-draft send
    limit counts both claims, as before rotation (it is kept under the draft's lineage)."""
    site = serve(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_TIMEOUT=10,
                          SEND_LIMIT_PER_DRAFT=1, SEND_LIMIT_WINDOW_SECONDS=100 * 365 * 24 * 3600.0))
    attacker, victim, token = planted(site.url)
    first = reference_on(finish_claim(victim))
    after_first = victim.draft
    assert path_of(victim.post("/claim/done/send", {}, token_from="/claim/done")) == "/claim/done"
    again = victim.post("/claim/new", {}, token_from="/claim/done")
    assert path_of(again) == "/claim/member"
    assert parse(again).find(id="full_name")["value"] == MEMBER["full_name"]  # kept for the next
    second = reference_on(fill_claim(victim, receipts=(("second.jpg", jpeg_bytes((300, 400))),)))
    assert second and second != first
    assert victim.draft not in (token, after_first)
    refused = victim.post("/claim/done/send", {}, token_from="/claim/done")
    assert refused.status_code == 429 and heading(refused) == "Too many emails sent"
    assert len(smtp_server.messages) == 1
    # Neither earlier token opens anything.
    for old in (token, after_first):
        stale = holding(site.url, old)
        assert stale.get("/claim/done").status_code == 404
        assert first not in stale.get("/claim/done").text and second not in stale.get("/claim/done").text


# --- requests that read the draft before the rotation and end after it -------------------------

class SlowPost:
    """A POST whose body arrives late: the server reads the draft (and the cookie) when the
    headers arrive, and the rest of the form only when it is sent. What a second tab, or a
    second click, does when its request is still on the way while another one finishes."""

    def __init__(self, url: str, path: str, cookie: str, fields: dict):
        parts = urlsplit(url)
        body = urlencode(fields).encode()
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        self.sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: draft={cookie}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n".encode() + body[:1])
        self.rest = body[1:]
        time.sleep(1.0)  # the server has read the draft by now and waits for the body

    def finish(self) -> http.client.HTTPResponse:
        self.sock.sendall(self.rest)
        response = http.client.HTTPResponse(self.sock)
        response.begin()
        response.body = response.read()
        self.sock.close()
        return response


def draft_cookies(response: http.client.HTTPResponse) -> list[str]:
    return [h.split(";")[0].partition("=")[2] for h in response.headers.get_all("Set-Cookie") or []
            if h.startswith("draft=")]


def test_a_second_tab_saving_while_the_first_finishes_keeps_its_answers(site):
    member = Member(site.url)
    fill_claim(member, finish=False)
    member.post("/guarantee/writer", WRITER)
    old = member.draft
    form = {**GOP_PATIENT, "csrf_token": csrf_of(member.get("/guarantee/patient"))}
    other_tab = SlowPost(site.url, "/guarantee/patient", old, form)  # reads the draft now
    reference = reference_on(member.post("/claim/check", {"confirm": "y", "signature": MEMBER["full_name"]}))
    assert reference and member.draft != old
    response = other_tab.finish()
    assert (response.status, response.getheader("Location")) == (303, "/guarantee/admission")
    # That response neither hands out the new token nor puts the dead one back over it.
    assert draft_cookies(response) == []
    # Both tabs' work is in the draft the browser now holds.
    assert reference_on(member.get("/claim/done")) == reference
    page = parse(member.get("/guarantee/patient"))
    assert page.find(id="patient_name")["value"] == GOP_PATIENT["patient_name"]
    assert path_of(member.get("/guarantee/admission")) == "/guarantee/admission"


def test_an_upload_sent_while_another_tab_finishes_is_kept(site):
    member = Member(site.url)
    fill_claim(member, finish=False)
    old = member.draft
    token = csrf_of(member.get("/claim/receipts"))
    # The multipart upload's request reads the draft first, and its file arrives after the finish.
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nupload\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ninvoice\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"late.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + jpeg_bytes((300, 400)) + f"\r\n--{boundary}--\r\n".encode()
    parts = urlsplit(site.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
    sock.sendall(f"POST /claim/receipts HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: draft={old}\r\n"
                 f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body[:10])
    time.sleep(1.0)
    # (The other tab finishes the claim, with the files it had; the late file joins the draft.)
    member.post("/claim/check", {"confirm": "y", "signature": MEMBER["full_name"]})
    assert member.draft != old
    sock.sendall(body[10:])
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.read()
    sock.close()
    assert response.status == 303 and draft_cookies(response) == []
    stored = count(site.app, "uploads")
    assert stored == 2  # the claim's receipt and the late file, both under the new token
    with site.app.extensions["store"].engine.connect() as db:
        keys = set(db.scalars(text("select draft_key from uploads")))
    assert len(keys) == 1


def test_a_second_click_on_finish_still_on_its_way_gets_the_same_new_token(site):
    member = Member(site.url)
    fill_claim(member, finish=False)
    old = member.draft
    form = review_form(member)
    second_click = SlowPost(site.url, "/claim/check", old, form)  # read the draft, body on its way
    first = member.post("/claim/check", form)
    new = member.draft
    assert path_of(first) == "/claim/done" and new != old
    response = second_click.finish()
    assert (response.status, response.getheader("Location")) == (303, "/claim/done")
    assert draft_cookies(response) == [new]  # the browser keeps whichever response it shows
    assert count(site.app, "submissions") == 1
    assert reference_on(holding(site.url, new).get("/claim/done")) == reference_on(first)


def test_the_same_form_sent_again_after_the_finish_finds_the_journey(site):
    """A double click whose first answer the browser dropped (it cancels the first request
    when the second click comes): the second request carries the old token, but the same form."""
    member = Member(site.url)
    fill_claim(member, finish=False)
    old = member.draft
    form = review_form(member)
    first = member.post("/claim/check", form)
    assert path_of(first) == "/claim/done"
    browser = holding(site.url, old)  # never saw the first answer
    again = browser.http.post(site.url + "/claim/check", data=form, allow_redirects=False, timeout=60)
    assert (again.status_code, again.headers["Location"]) == (303, "/claim/done")
    assert browser.draft == member.draft != old
    assert reference_on(browser.get("/claim/done")) == reference_on(first)
    assert count(site.app, "submissions") == 1


def test_a_planted_token_with_any_other_form_gets_nothing_after_the_finish(site):
    """The attacker's own review page (its own proof), or a form with no proof at all, sent
    with the planted token once the victim finished: no token, nothing to read."""
    attacker, victim, token = planted(site.url)
    fill_claim(victim, finish=False)
    attackers_form = review_form(holding(site.url, token))  # read while the token still worked
    victim.post("/claim/check", review_form(victim))
    for form in (attackers_form, {**attackers_form, "finish_proof": ""},
                 {k: v for k, v in attackers_form.items() if k != "finish_proof"},
                 {**attackers_form, "finish_proof": "x" * 32}):
        browser = holding(site.url, token)
        replay = browser.http.post(site.url + "/claim/check", data=form, allow_redirects=False,
                                   timeout=60)
        # Sent on to the confirmation page (a double click of the member's own lands there)
        # without a token: with the old one, that page is not found.
        assert (replay.status_code, replay.headers["Location"]) == (303, "/claim/done")
        assert "Set-Cookie" not in replay.headers
        assert browser.get("/claim/done").status_code == 404


def test_a_finish_still_on_its_way_without_the_pages_proof_gets_no_token(site):
    """The attacker's finishing POST read the draft before the victim finished and arrives
    after (a slow body): it learns nothing of the new token, and changes nothing of the claim."""
    attacker, victim, token = planted(site.url)
    fill_claim(victim, finish=False)
    attackers_form = review_form(holding(site.url, token))
    straddling = SlowPost(site.url, "/claim/check", token, attackers_form)
    reference = reference_on(victim.post("/claim/check", review_form(victim)))
    response = straddling.finish()
    assert response.status == 303 and draft_cookies(response) == []
    assert holding(site.url, token).get("/claim/done").status_code == 404
    assert reference_on(victim.get("/claim/done")) == reference
    assert count(site.app, "submissions") == 1


# --- two app processes on one database -----------------------------------------------------------

@pytest.fixture
def two_processes(database_url, tmp_path):
    env = {**{k: v for k, v in os.environ.items()
              if not k.startswith(("MAIL_", "OUTBOX_", "DRAFT_", "SEND_LIMIT_"))
              and k not in ("DATABASE_URL", "SECRET_KEY", "TRUSTED_PROXIES")},
           "SECRET_KEY": "rotation", "DATABASE_URL": database_url, "MAIL_SERVER": "",
           "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "OUTBOX_DIR": str(tmp_path / "outbox"),
           "OUTBOX_POLL_SECONDS": "0"}
    with gunicorn_processes(env, tmp_path, threads=4) as urls:
        yield urls


def test_the_old_token_is_dead_at_once_on_every_app_process(two_processes):
    a, b = two_processes
    attacker, victim, token = planted(a)
    attacker.url = b  # the attacker reads through the other process
    victim.post("/claim/member", MEMBER)
    assert parse(attacker.get("/claim/member")).find(id="full_name")["value"] == MEMBER["full_name"]
    reference = reference_on(finish_claim(victim))  # through A
    assert reference
    assert_reads_nothing(attacker, reference, "through B, at once")
    victim.url = b  # and the victim carries on through B
    assert reference_on(victim.get("/claim/done")) == reference
    assert victim.get("/claim/done/packet.pdf").content.startswith(b"%PDF")
    stale = holding(a, token)
    assert stale.get("/claim/done").status_code == 404
