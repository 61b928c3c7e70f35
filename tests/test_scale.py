"""Scale-out: two app processes on one database, and two tabs of one member at once.

Run on SQLite and, under `./dev test`, again on PostgreSQL (TEST_DATABASE_URL): the
database is the only thing the processes and requests share."""
from __future__ import annotations

import datetime as dt
import io
import os
import threading

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, create_engine, insert

from tests.support.files import jpeg_bytes
from tests.support.http import HttpMember
from tests.support.pages import csrf_of, parse
from tests.support.samples import EXPENSES, MEMBER, TREATMENT, fill_claim
from tests.support.servers import gunicorn_processes
from workflows.store import merge, token_key as _key, utcnow


def text_of(reply) -> str:
    return parse(reply).get_text(" ", strip=True)


@pytest.fixture
def app_processes(database_url, tmp_path):
    """Two gunicorn processes serving app:app with the same keys and the same database, as
    behind a load balancer: base URLs A and B."""
    env = {**os.environ, "SECRET_KEY": "two-processes", "DATABASE_URL": database_url,
           "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "MAIL_SERVER": "",
           "OUTBOX_DIR": str(tmp_path / "outbox"), "OUTBOX_POLL_SECONDS": "0"}
    with gunicorn_processes(env, tmp_path) as urls:
        yield urls


def test_a_member_whose_requests_alternate_between_two_processes_sees_one_draft(app_processes):
    a, b = app_processes
    member = HttpMember(a, b)
    # Step 1 opened and saved through A; the next page comes from B.
    saved = member.post("/claim/member", MEMBER, via=a)
    assert [r.server for r in member.replies] == [a, a, b]
    assert saved.path == "/claim/patient" and saved.status_code == 200
    assert parse(member.get("/claim/member", via=b)).find("input", {"name": "full_name"})["value"] \
        == MEMBER["full_name"]

    fill_claim(member, finish=False)  # every step again, each page and post on the other process
    assert {r.server for r in member.replies[4:]} == {a, b}
    review = text_of(member.get("/claim/check", via=b))
    for answer in (MEMBER["full_name"], MEMBER["reference"], MEMBER["email"], TREATMENT["reason"],
                   EXPENSES[0]["provider"], EXPENSES[1]["provider"], "receipt.jpg"):
        assert answer in review

    token = csrf_of(member.get("/claim/check", via=a))
    finish = member.request("POST", "/claim/check", f"csrf_token={token}&confirm=y&signature=Zo%C3%AB"
                            .encode(), {"Content-Type": "application/x-www-form-urlencoded"}, via=b)
    assert (finish.status_code, finish.headers["Location"]) == (303, "/claim/done")
    done = member.get("/claim/done", via=a)
    reference = parse(done).find(class_="ref").get_text(strip=True)
    assert reference.startswith("CLM-")
    packet = member.get("/claim/done/packet.pdf", via=b)
    assert packet.status_code == 200 and packet.data.startswith(b"%PDF")
    assert member.get("/claim/done/packet.pdf", via=a).data == packet.data  # kept once, shared


def race(*requests):
    """Run the requests at the same moment, one thread each; their replies in order."""
    start, replies = threading.Barrier(len(requests)), [None] * len(requests)

    def run(i, request):
        start.wait()
        replies[i] = request()
    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return replies


def upload(member, name, token, via=None):
    """The receipts page's upload, posted without reading the page first (it was read)."""
    data = {"csrf_token": token, "action": "upload", "kind": "invoice",
            "file": (io.BytesIO(jpeg_bytes()), name)}
    return lambda: member.post_form("/claim/receipts", data, via=via)


def save_reason(member, reason, token, via=None):
    data = {**TREATMENT, "reason": reason, "csrf_token": token}
    return lambda: member.post_form("/claim/treatment?change=1", data, via=via)


def tabs(*servers, cookie):
    """Two tabs of one member: two browsers sharing the draft cookie."""
    return [HttpMember(server, cookie=cookie) for server in servers]


@pytest.fixture
def member_at_check(live_server):
    member = HttpMember(live_server.url)
    fill_claim(member, finish=False)
    return member


def test_an_upload_in_one_tab_and_a_step_saved_in_another_at_once_both_stay(member_at_check, live_server):
    token = csrf_of(member_at_check.get("/claim/treatment"))
    for i in range(4):  # a few rounds: each must keep both
        first, second = tabs(live_server.url, live_server.url, cookie=member_at_check.cookie)
        uploaded, saved = race(upload(first, f"receipt-{i}.jpg", token),
                               save_reason(second, f"Round {i}: broken molar", token))
        assert uploaded.status_code == 303 and saved.status_code == 303
        assert f"receipt-{i}.jpg" in text_of(member_at_check.get("/claim/receipts"))
        page = parse(member_at_check.get("/claim/treatment"))
        assert page.find("textarea", {"name": "reason"}).get_text() == f"Round {i}: broken molar"
    member_at_check.post("/claim/receipts", {"action": "continue"})
    review = text_of(member_at_check.get("/claim/check"))
    assert "Round 3: broken molar" in review
    for name in ["receipt.jpg"] + [f"receipt-{i}.jpg" for i in range(4)]:
        assert name in review


def test_two_uploads_at_once_in_two_tabs_are_both_kept(member_at_check, live_server):
    token = csrf_of(member_at_check.get("/claim/receipts"))
    first, second = tabs(live_server.url, live_server.url, cookie=member_at_check.cookie)
    replies = race(upload(first, "left-tab.jpg", token), upload(second, "right-tab.jpg", token))
    assert [r.status_code for r in replies] == [303, 303]
    page = text_of(member_at_check.get("/claim/receipts"))
    assert "receipt.jpg" in page and "left-tab.jpg" in page and "right-tab.jpg" in page


def test_two_expenses_added_at_once_in_two_tabs_are_both_kept(member_at_check, live_server):
    token = csrf_of(member_at_check.get("/claim/expenses/new"))

    def add(member, provider):
        data = {**EXPENSES[0], "provider": provider, "csrf_token": token}
        return lambda: member.post_form("/claim/expenses/new", data)
    for i in range(3):  # a few rounds: each must keep both lines
        first, second = tabs(live_server.url, live_server.url, cookie=member_at_check.cookie)
        replies = race(add(first, f"Left tab {i}"), add(second, f"Right tab {i}"))
        assert [r.status_code for r in replies] == [303, 303]
    page = text_of(member_at_check.get("/claim/expenses"))
    for i in range(3):
        assert f"Left tab {i}" in page and f"Right tab {i}" in page
    assert "you have added 8 expenses" in page  # the two from fill_claim, and six more


def test_two_tabs_on_two_processes_at_once_both_stay(app_processes):
    a, b = app_processes
    member = HttpMember(a, b)
    fill_claim(member, finish=False)
    token = csrf_of(member.get("/claim/receipts", via=a))
    first, second = tabs(a, b, cookie=member.cookie)
    uploaded, saved = race(upload(first, "from-a.jpg", token),
                           save_reason(second, "Saved through B", token))
    assert uploaded.status_code == 303 and saved.status_code == 303
    member.post("/claim/receipts", {"action": "continue"})
    review = text_of(member.get("/claim/check", via=b))
    assert "from-a.jpg" in review and "Saved through B" in review


def test_a_draft_saved_before_drafts_had_versions_still_opens(make_app, database_url):
    """Databases made before the version column get it when the app starts."""
    key = Fernet.generate_key().decode()
    old = MetaData()
    drafts = Table("drafts", old, Column("key", String(64), primary_key=True),
                   Column("data", LargeBinary), Column("updated_at", DateTime),
                   Column("expires_at", DateTime, index=True))
    engine = create_engine(database_url)
    old.create_all(engine)
    token, now = "an-old-token", utcnow()
    with engine.begin() as db:
        db.execute(insert(drafts).values(
            key=_key(token), updated_at=now, expires_at=now + dt.timedelta(days=365),
            data=Fernet(key).encrypt(b'{"journeys":{"claim":{"answers":{"member":{"full_name":"Old"}}}}}')))
    engine.dispose()
    client = make_app(DRAFT_ENCRYPTION_KEYS=key).test_client()
    client.set_cookie("draft", token)
    page = parse(client.get("/claim/member"))
    assert page.find("input", {"name": "full_name"})["value"] == "Old"


# --- the merge itself -------------------------------------------------------------------------

def files(*ids):
    return [{"id": i, "name": f"{i}.jpg"} for i in ids]


@pytest.mark.parametrize("base, mine, theirs, merged", [
    # different steps answered in two tabs: both kept
    ({"a": 1}, {"a": 1, "b": 2}, {"a": 1, "c": 3}, {"a": 1, "c": 3, "b": 2}),
    # the same answer changed in both: this request, the later write, wins
    ({"a": {"x": 1}}, {"a": {"x": 2}}, {"a": {"x": 3}}, {"a": {"x": 2}}),
    # an answer dropped here (a step no longer relevant) while another tab saved elsewhere
    ({"bank": 1, "p": 1}, {"p": 2}, {"bank": 1, "p": 1, "r": 5}, {"p": 2, "r": 5}),
    # files uploaded in two tabs: all kept
    ({"f": files("1")}, {"f": files("1", "2")}, {"f": files("1", "3")}, {"f": files("1", "3", "2")}),
    # a file removed here, another added there
    ({"f": files("1", "2")}, {"f": files("2")}, {"f": files("1", "2", "3")}, {"f": files("2", "3")}),
    # other lists are values: the later write wins
    ({"l": [1]}, {"l": [1, 2]}, {"l": [1, 3]}, {"l": [1, 2]}),
])
def test_merge_keeps_the_changes_of_both_requests(base, mine, theirs, merged):
    assert merge(base, mine, theirs) == merged
