"""Wizard tampering over real HTTP: steps out of order or renamed, forged cookies, replayed
and concurrent final POSTs, smuggled recipients, stale form tokens."""
from __future__ import annotations

import datetime as dt
import secrets
import threading
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import text

from tests.support.pages import csrf_of, heading, parse, path_of, summary
from tests.support.samples import EXPENSES, MEMBER, TREATMENT, fill_claim
from workflows.administrators.cigna import CIGNA

EVIL = "mallory@evil.example"


def count(app, table: str) -> int:
    with app.extensions["store"].engine.connect() as db:
        return db.execute(text(f"select count(*) from {table}")).scalar()


def outcome(response) -> str:
    found = parse(response).select_one(".outcome")
    return found.get_text(" ", strip=True) if found else ""


# --- steps out of order, other steps' fields, unknown steps ---------------------------------------

@pytest.mark.parametrize("path, done_first, expected", [
    ("/claim/payment", [], "/claim/member"),
    ("/claim/receipts", ["member"], "/claim/patient"),
    ("/claim/check", ["member"], "/claim/patient"),
    ("/claim/expenses/new", ["member"], "/claim/patient"),
    ("/guarantee/medical", [], "/guarantee/writer"),
    ("/guarantee/attachments", [], "/guarantee/writer"),
])
def test_a_step_opened_out_of_order_redirects_to_the_first_unfinished(member, path, done_first, expected):
    if "member" in done_first:
        member.post("/claim/member", MEMBER)
    response = member.get(path, follow=False)
    assert response.status_code == 302
    assert response.headers["Location"] == expected
    page = member.get(path)
    assert path_of(page) == expected and page.status_code == 200


def test_a_post_to_a_step_out_of_order_saves_nothing(site, member):
    token = member.token("/claim/member")
    response = member.post("/claim/bank", {"holder": "Mallory", "country": "BE"}, token=token)
    assert path_of(response) == "/claim/member"
    assert parse(response).find(id="full_name")["value"] == ""
    member.post("/claim/member", MEMBER)
    member.post("/claim/patient", {"who": "member"})
    member.post("/claim/treatment", TREATMENT)
    for line in EXPENSES:
        member.post("/claim/expenses/new", line)
    member.post("/claim/expenses", {})
    member.post("/claim/payment", {"payee": "member", "currency": "EUR", "method": "bank"})
    bank = member.get("/claim/bank")
    assert parse(bank).find(id="holder")["value"] == ""  # Mallory was never stored


def test_a_post_with_another_steps_fields_is_refused_and_stores_none_of_them(member):
    response = member.post("/claim/member", dict(TREATMENT, who="member"))
    assert response.status_code == 200 and path_of(response) == "/claim/member"
    # (Both steps have a "country": that one is this step's own field.)
    assert summary(response) == [
        "Enter your full name", "Enter your personal reference number", "Enter your date of birth",
        "Enter your email address", "Enter your phone number", "Enter your postal address"]
    # The step's own fields are taken, the smuggled ones ignored.
    member.post("/claim/member", MEMBER)
    response = member.post("/claim/patient", dict(MEMBER, who="member", full_name="Mallory", reason="Smuggled"))
    assert path_of(response) == "/claim/treatment"
    assert parse(response).find(id="reason").get_text() == ""
    assert parse(member.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"


@pytest.mark.parametrize("path", [
    "/claim/nope", "/claim/start", "/claim/new", "/claim/..%2f..%2fetc%2fpasswd", "/claim/%00",
    "/claim/" + "a" * 4000, "/claim/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/claim/member%0d%0aSet-Cookie:%20x=1",
    "/claim/%E2%80%AEmember", "/claim/expenses/99999", "/claim/expenses/-1", "/claim/expenses/1e3",
    "/nope/member", "/claim/done/x.pdf", "/claim/done/packet.pdf", "/cover/done/message.eml",
])
def test_a_tampered_or_unknown_step_gets_the_404_page(member, path):
    member.post("/claim/member", MEMBER)
    response = member.get(path)
    assert response.status_code == 404
    assert heading(response) == "Page not found"
    assert "Set-Cookie: x" not in response.headers.get("Set-Cookie", "")
    assert "<script>alert" not in response.text


def test_a_post_to_an_unknown_step_is_refused_not_an_error(member):
    member.post("/claim/member", MEMBER)
    token = member.token("/claim/patient")
    response = member.post("/claim/nope", {"who": "member"}, token=token)
    assert response.status_code == 404 and heading(response) == "Page not found"


# --- forged and expired draft cookies --------------------------------------------------------------

@pytest.mark.parametrize("forged", [
    # the right shape, never issued (named: a random test id differs between xdist workers)
    pytest.param(secrets.token_urlsafe(32), id="never-issued"),
    "A" * 43,
    "x" * 5000,
    "' OR 1=1 --",
    "..%2F..%2Finstance%2Fdrafts.sqlite3",
    "%E2%80%AE%00",
])
def test_a_forged_draft_cookie_starts_afresh_with_a_new_token(site, forged):
    victim = site.member()
    victim.post("/claim/member", MEMBER)
    attacker = site.member()
    attacker.http.cookies.set("draft", forged, domain="127.0.0.1", path="/")
    response = attacker.get("/claim/member")
    assert response.status_code == 200
    assert parse(response).find(id="full_name")["value"] == ""
    issued = response.cookies.get("draft")
    assert issued and issued != forged  # never adopts a token the browser chose
    assert len(issued) == 43
    # The fresh draft works, and holds nothing of the other member's.
    response = attacker.post("/claim/member", dict(MEMBER, full_name="Ana Ruiz"))
    assert path_of(response) == "/claim/patient"
    assert parse(victim.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"


def test_a_cookie_one_character_off_another_members_opens_nothing_of_theirs(site):
    victim = site.member()
    fill_claim(victim)
    token = victim.draft
    near = token[:-1] + ("A" if token[-1] != "A" else "B")
    attacker = site.member()
    attacker.http.cookies.set("draft", near, domain="127.0.0.1", path="/")
    assert attacker.get("/claim/done").status_code == 404
    assert attacker.get("/claim/done/packet.pdf").status_code == 404
    assert attacker.get("/claim/check", follow=False).headers["Location"] == "/claim/member"
    assert "Ørsted" not in attacker.get("/claim/member").text


def test_an_expired_draft_cookie_starts_afresh(serve, make_app):
    now = [dt.datetime(2026, 11, 27, 9, 0)]
    site = serve(make_app(CLOCK=lambda: now[0]))
    member = site.member()
    member.post("/claim/member", MEMBER)
    member.post("/claim/patient", {"who": "member"})
    old = member.draft
    now[0] += dt.timedelta(hours=24, minutes=1)
    response = member.get("/claim/treatment")
    assert path_of(response) == "/claim/member"
    assert parse(response).find(id="full_name")["value"] == ""
    assert member.draft != old  # a new draft, not the expired one brought back
    assert member.get("/claim/done").status_code == 404


# --- the final POST: replayed, double-clicked, from two tabs ----------------------------------------

def test_a_replayed_send_sends_one_email_and_says_already_sent(member, smtp_server):
    fill_claim(member)
    token = member.token("/claim/done")
    first = member.post("/claim/done/send", {"copy": "yes"}, token=token)
    assert outcome(first).startswith("Sent.")
    again = member.post("/claim/done/send", {"copy": "yes"}, token=token)
    assert path_of(again) == "/claim/done"
    assert "This claim was already sent: it was not sent again" in again.text
    assert outcome(again).startswith("Sent.")
    assert len(smtp_server.messages) == 1


def test_a_double_clicked_send_sends_one_email(member, smtp_server):
    fill_claim(member)
    token = member.token("/claim/done")
    results = []

    def click():
        results.append(member.post("/claim/done/send", {"copy": "yes"}, token=token))
    clicks = [threading.Thread(target=click) for _ in range(2)]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()
    assert [(r.status_code, path_of(r)) for r in results] == [(200, "/claim/done")] * 2
    assert len(smtp_server.messages) == 1
    # The second click is told it was not sent again. (Both pages are the same draft's, so the
    # notice shows on whichever page is loaded next: on one of the two, or on both.)
    said = [r.text for r in results]
    assert any("it was not sent again" in s or "it was not queued again" in s for s in said)
    page = member.get("/claim/done")
    assert outcome(page).startswith("Sent.")


def test_a_send_from_two_tabs_sends_one_email(member, smtp_server):
    fill_claim(member)
    tab_one, tab_two = member.get("/claim/done"), member.get("/claim/done")
    member.post("/claim/done/send", {"copy": "yes"}, token=csrf_of(tab_one))
    second = member.post("/claim/done/send", {}, token=csrf_of(tab_two))
    assert "This claim was already sent: it was not sent again" in second.text
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["rcpt_tos"] == [CIGNA.claims_email, "zoe@example.org"]


def test_a_double_clicked_finish_makes_one_claim_with_one_reference(site, smtp_server):
    member = site.member()
    fill_claim(member, finish=False)
    token = member.token("/claim/check")
    results = []

    def click():
        results.append(member.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"}, token=token))
    clicks = [threading.Thread(target=click) for _ in range(3)]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()
    references = {parse(r).select_one(".ref").get_text() for r in results}
    assert [path_of(r) for r in results] == ["/claim/done"] * 3
    assert len(references) == 1
    assert count(site.app, "submissions") == 1
    member.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
    (reference,) = references
    assert reference in smtp_server.messages[0]["message"].get_body(("plain",)).get_content()


@pytest.mark.parametrize("smuggled", [
    {"to": EVIL}, {"cc": EVIL}, {"bcc": EVIL},
    {"reply_to": EVIL, "from": EVIL, "subject": "Pay Mallory", "recipients": EVIL},
])
def test_recipients_smuggled_into_posts_are_ignored(member, smtp_server, smuggled):
    member.post("/claim/member", dict(MEMBER, **smuggled))
    fill_claim(member)
    member.post("/claim/done/send", {"copy": "yes", **smuggled}, token_from="/claim/done")
    (received,) = smtp_server.messages
    assert received["rcpt_tos"] == [CIGNA.claims_email, "zoe@example.org"]
    msg = received["message"]
    assert (msg["To"], msg["Cc"], msg["Reply-To"], msg["Bcc"]) == (
        CIGNA.claims_email, "zoe@example.org", "zoe@example.org", None)
    assert msg["Subject"] == "Claim reimbursement – MIP-0042317 – Zoë Ørsted"
    assert EVIL not in msg.as_string() and "Pay Mallory" not in msg.as_string()


# --- stale and expired form tokens ---------------------------------------------------------------------

def aged(token: str, secret: str, seconds: int) -> str:
    """The same CSRF token as a page loaded `seconds` ago would carry (Flask-WTF signs the
    draft's raw token with a timestamp)."""
    serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
    raw = serializer.loads(token)

    class Earlier(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - seconds
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token", signer=Earlier).dumps(raw)


def test_a_page_left_open_for_hours_still_saves(member):
    """Tokens live as long as the draft (24 hours after the last change), not one hour."""
    member.post("/claim/member", MEMBER)
    token = aged(member.token("/claim/patient"), "test-secret", 5 * 3600)
    response = member.post("/claim/patient", {"who": "member"}, token=token)
    assert path_of(response) == "/claim/treatment"


def test_an_expired_form_token_gets_a_friendly_page_and_answers_are_kept(serve, make_app):
    site = serve(make_app(WTF_CSRF_TIME_LIMIT=3600))
    member = site.member()
    member.post("/claim/member", MEMBER)
    token = aged(member.token("/claim/patient"), "test-secret", 2 * 3600)
    response = member.post("/claim/patient", {"who": "family"}, token=token)
    assert response.status_code == 400
    assert heading(response) == "Please try again"
    assert ("This page was open for too long or was sent twice, so nothing was saved from it. "
            "Your earlier answers are kept.") in response.text
    assert parse(response).find("a", string="Go back to the page")["href"] == "/claim/patient"
    assert parse(member.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"
    page = member.get("/claim/patient")
    assert parse(page).find("input", {"name": "who", "checked": True}) is None  # "family" not saved
    assert path_of(member.post("/claim/patient", {"who": "member"})) == "/claim/treatment"


def test_a_form_sent_after_the_draft_expired_says_so_truthfully(serve, make_app):
    now = [dt.datetime(2026, 11, 27, 9, 0)]
    site = serve(make_app(CLOCK=lambda: now[0]))
    member = site.member()
    member.post("/claim/member", MEMBER)
    token = member.token("/claim/patient")
    now[0] += dt.timedelta(hours=25)
    response = member.post("/claim/patient", {"who": "member"}, token=token)
    assert response.status_code == 400
    assert heading(response) == "Your answers have expired"
    assert ("For your privacy, answers are deleted 24 hours after the last change. "
            "Nothing was saved from this page.") in response.text
    assert "answers are kept" not in parse(response).main.get_text()
    assert parse(response).find("a", string="Start again")["href"] == "/claim/"


def test_a_form_sent_without_the_cookie_asks_for_cookies(site):
    member = site.member()
    token = member.token("/claim/member")
    member.http.cookies.clear()  # a browser that refuses cookies
    response = member.post("/claim/member", MEMBER, token=token)
    assert response.status_code == 400
    assert heading(response) == "Please allow cookies"
    assert "Nothing was saved from this page." in response.text
    assert "answers are kept" not in parse(response).main.get_text()
    assert parse(response).find("a", string="Start again")["href"] == "/claim/"
