"""Reminders (issue 14.5) over a real server and a real SMTP server, on a clock the test moves:
a claim with no answer after 15 business days (not 14; weekends skipped) gets one reminder
with a ready "where is my claim" email; none once an answer is recorded; a guarantee request
with no reply after 48 hours gets a reminder to call, with the numbers; the member can turn
them off; two senders at once send each reminder once; `flask reminders send`."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from tests.support.clock import Clock
from tests.support.followups import (PUBLIC_URL, mailto_in, reminders_to, run_reminders, signed_in_claim,
                                     signed_in_guarantee, text_of)
from tests.support.mail import SENDER
from tests.support.operator import cli_env
from tests.support.pages import heading, parse
from tests.support.servers import flask_cli
from workflows.administrators.cigna import CIGNA

ANA, BEA = "ana.member@example.org", "bea.member@example.org"


def test_a_silent_claim_gets_one_reminder_after_15_business_days(site, smtp_server, clock):
    _member, reference = signed_in_claim(site, smtp_server, ANA)  # Friday 27 November, 09:00
    clock.advance(days=20, hours=14, minutes=59)  # Thursday 17 December, 23:59: 14 business days
    assert run_reminders(site.app).get("sent", 0) == 0 and reminders_to(smtp_server, ANA) == []
    clock.advance(hours=9, minutes=1)  # Friday 18 December, 09:00: the 15th business day
    assert run_reminders(site.app)["sent"] == 1
    (reminder,) = reminders_to(smtp_server, ANA)
    assert reminder["From"] == SENDER and reminder["Subject"] == f"Reminder: no answer yet to {reference}"
    text = text_of(reminder)
    assert f"{reference} was sent on 27 November 2026" in text
    assert "Totals: EUR 650.00, CHF 80.00." in text
    assert "No answer from Cigna is recorded after 15 business days." in text
    assert f"{PUBLIC_URL}/my-claims\n" in text and f"{PUBLIC_URL}/my-claims/reminders" in text

    # The ready email, as the member's mail program opens it from the link, and as copied.
    to, subject, body = mailto_in(text)
    assert to == CIGNA.claims_email and subject == f"Where is my claim? {reference}"
    assert f"I sent a claim for reimbursement on 27 November 2026, reference {reference}" in body
    assert "Totals claimed: EUR 650.00, CHF 80.00." in body
    assert "BE71" not in body and "Broken molar" not in body  # no bank or medical detail
    assert f"Subject: Where is my claim? {reference}" in text and body.replace("\r\n", "\n") in text

    clock.advance(days=30)  # once only
    run_reminders(site.app)
    assert len(reminders_to(smtp_server, ANA)) == 1


def test_a_claim_sent_on_a_saturday_counts_from_the_monday(site, smtp_server, clock):
    clock.advance(days=1)  # Saturday 28 November, 09:00
    signed_in_claim(site, smtp_server, ANA)
    clock.advance(days=19, hours=23, minutes=59)  # Friday 18 December, 08:59
    run_reminders(site.app)
    assert reminders_to(smtp_server, ANA) == []
    clock.advance(minutes=1)  # 09:00: the 15th business day, as for a claim sent the Friday before
    run_reminders(site.app)
    assert len(reminders_to(smtp_server, ANA)) == 1


@pytest.mark.parametrize("status, reminded", [("information-requested", False), ("paid", False),
                                              ("sent", True)])
def test_no_reminder_once_an_answer_is_recorded(site, smtp_server, clock, status, reminded):
    """Recorded on the record's own page; "sent" is no answer yet."""
    member, reference = signed_in_claim(site, smtp_server, ANA)
    saved = member.post(f"/my-claims/{reference}", {
        "claim_number": "C-778", "status": status, "amount_paid": "390.00" if status == "paid" else "",
        "currency": "CHF", "date-day": "28", "date-month": "11", "date-year": "2026", "note": ""})
    assert "Their answer is recorded." in parse(saved).get_text()
    clock.advance(days=40)
    counts = run_reminders(site.app)
    assert counts.get("sent", 0) == int(reminded) and counts.get("answered", 0) == int(not reminded)
    assert len(reminders_to(smtp_server, ANA)) == int(reminded)


def test_a_guarantee_request_without_reply_gets_a_reminder_to_call_after_48_hours(site, smtp_server, clock):
    _member, reference = signed_in_guarantee(site, smtp_server, ANA)
    clock.advance(hours=47, minutes=59)
    run_reminders(site.app)
    assert reminders_to(smtp_server, ANA) == []
    clock.advance(minutes=1)
    run_reminders(site.app)
    (reminder,) = reminders_to(smtp_server, ANA)
    assert reminder["Subject"] == f"Reminder: call Cigna about {reference}"
    text = text_of(reminder)
    assert f"{reference} was sent on 27 November 2026. No reply is recorded after 48 hours." in text
    for phone in CIGNA.phones:  # every number, from the profile, in its order
        assert phone.number in text
    assert text.index(CIGNA.phones[0].number) < text.index(CIGNA.phones[1].number)
    assert "mailto:" not in text and f"{PUBLIC_URL}/my-claims/reminders" in text


def test_a_member_can_turn_reminders_off_on_the_page_the_mail_links_to(site, smtp_server, clock):
    member, reference = signed_in_claim(site, smtp_server, ANA)
    stranger = site.member()
    assert heading(stranger.get("/my-claims/reminders")) == "Sign in"  # signing in required
    page = member.get("/my-claims/reminders")
    assert heading(page) == "Reminders" and parse(page).find("input", {"value": "on"}).has_attr("checked")
    saved = member.post("/my-claims/reminders", {"reminders": "off"})
    assert "Reminders are off." in parse(saved).get_text()
    assert parse(member.get("/my-claims/reminders")).find("input", {"value": "off"}).has_attr("checked")
    refused = member.post("/my-claims/reminders", {})
    assert refused.status_code == 200 and "Select whether to get reminders" in parse(refused).get_text()
    clock.advance(days=30)
    counts = run_reminders(site.app)
    assert counts.get("sent", 0) == 0 and counts["off"] == 1 and reminders_to(smtp_server, ANA) == []


def test_reminders_speak_the_language_the_member_chose(site, smtp_server, clock):
    member, reference = signed_in_claim(site, smtp_server, ANA)
    member.get("/language/fr?next=/my-claims/reminders")
    member.post("/my-claims/reminders", {"reminders": "on"})
    clock.advance(days=30)
    run_reminders(site.app)
    (reminder,) = reminders_to(smtp_server, ANA)
    assert reminder["Subject"] == f"Rappel : pas encore de réponse à {reference}"
    assert "27 novembre 2026" in text_of(reminder)
    _to, subject, body = mailto_in(text_of(reminder))  # the email to Cigna stays English
    assert subject == f"Where is my claim? {reference}" and "27 November 2026" in body


def test_two_senders_at_once_send_each_reminder_once(serve, make_app, mail_settings, smtp_server, clock):
    site = serve(make_app(**mail_settings))
    other = make_app(**mail_settings)  # a second app on the same database: another process's view
    addresses = [f"member{i}@example.org" for i in range(3)]
    for address in addresses:
        signed_in_claim(site, smtp_server, address)
    clock.advance(days=30)
    start = threading.Barrier(4)
    counts = []

    def run(app):
        start.wait()
        counts.append(run_reminders(app).get("sent", 0))
    threads = [threading.Thread(target=run, args=(app,)) for app in (site.app, other, site.app, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 3
    assert [len(reminders_to(smtp_server, a)) for a in addresses] == [1, 1, 1]


def test_flask_reminders_send_in_two_processes_at_once(serve, make_app, database_url, tmp_path, smtp_server):
    """Claims made in January (the app's clock), sent by two `flask reminders send` processes
    started together, on the real clock: each reminder goes once."""
    clock = Clock(dt.datetime(2026, 1, 5, 9, 0))
    keys = "MqtE9l0n3sXjvGxqgkzJ0m3b3cWjFhYh2Pq2tqT0p5E="
    site = serve(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER=SENDER,
                          MAIL_TIMEOUT=5, CLOCK=clock, PUBLIC_URL=PUBLIC_URL, DRAFT_ENCRYPTION_KEYS=keys))
    for address in (ANA, BEA):
        signed_in_claim(site, smtp_server, address)
    env = cli_env(database_url, tmp_path, keys, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                  PUBLIC_URL=PUBLIC_URL)
    results = [None, None]

    def run(i):
        results[i] = flask_cli(["reminders", "send"], env)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    said = sorted(int(r.stdout.split()[0]) for r in results)
    assert sum(said) == 2, [r.stdout for r in results]
    assert len(reminders_to(smtp_server, ANA)) == 1 and len(reminders_to(smtp_server, BEA)) == 1
    again = flask_cli(["reminders", "send"], env)
    assert again.stdout.startswith("0 reminder(s) sent") and len(smtp_server.messages) == 4 + 2
