"""Broken infrastructure: the mail server down, silent, refusing or lying about its identity;
the app killed mid-journey; the database locked or gone; expired data. Each time the member
is told the truth on the page and nothing is lost or sent twice."""
from __future__ import annotations

import concurrent.futures
import email
import email.policy
import io
import re
import shutil
import sqlite3
import ssl
import threading
import time

import pytest
from cryptography.fernet import Fernet

from tests.support.apps import app_rows, sqlite_rows
from tests.support.clock import Clock
from tests.support.files import jpeg_bytes
from tests.support.http import LiveClient
from tests.support.mail import SENDER, CountingInbox, closed_port, self_signed_certificate, silent_server, smtp
from tests.support.pages import assert_security_headers, outcome, parse
from tests.support.pdf import pdf_text
from tests.support.samples import EXPENSES, MEMBER, TREATMENT, fill_claim, send
from tests.support.servers import AppProcess, flask_cli, wait_for
from tests.support.web import Browserless
from workflows.administrators.cigna import CIGNA


def reference_of(web) -> str:
    return parse(web.get("/claim/done")).select_one(".ref").get_text(strip=True)


def assert_eml_offered(web, response):
    """The confirmation page links the .eml, and the link gives a draft with the packet."""
    link = parse(response).find("a", string="Download the email with the claim packet attached (.eml)")
    assert link is not None
    download = web.get(link["href"])
    assert download.status_code == 200 and download.mimetype == "message/rfc822"
    msg = email.message_from_bytes(download.data, policy=email.policy.default)
    assert msg["X-Unsent"] == "1" and msg["To"] == CIGNA.claims_email
    (packet,) = msg.iter_attachments()
    assert "Zoë Ørsted" in pdf_text(packet.get_content())


def outbox_row(app, web):
    return app.extensions["store"].outbox.row(reference_of(web), "send")


# --- the mail server ---------------------------------------------------------------------------------

def test_smtp_down_the_member_is_told_it_is_queued_and_gets_the_eml(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_TIMEOUT=2,
                   MAIL_DEFAULT_SENDER=SENDER)
    web = Browserless(app.test_client())
    fill_claim(web)
    response = send(web)
    assert response.status_code == 200
    assert outcome(response) == ("Not sent yet. The mail server could not be reached. It is queued "
                                 "and will be tried again automatically. To be sure, you can also "
                                 "send the email below yourself.")
    assert "Sent." not in response.get_data(as_text=True)
    assert_eml_offered(web, response)
    row = outbox_row(app, web)
    assert (row.status, row.attempts) == ("queued", 1)
    # Sending again does not queue a second copy.
    again = send(web)
    assert "already queued to be sent: it was not queued again" in again.get_data(as_text=True)
    assert outbox_row(app, web).id == row.id


def test_a_server_that_accepts_and_never_answers_is_given_up_on_within_10_seconds(make_app):
    assert make_app().config["MAIL_TIMEOUT"] == 10  # the default timeout is 10 s
    with silent_server() as port:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=3)
        web = Browserless(app.test_client())
        fill_claim(web)
        web.get("/claim/done/packet.pdf")  # the packet is rendered: the wait below is the mail server's
        token_page = web.get("/claim/done")
        started = time.monotonic()
        response = web.client.post("/claim/done/send", data={"csrf_token": parse(token_page).find(
            "input", {"name": "csrf_token"})["value"]}, follow_redirects=True)
        elapsed = time.monotonic() - started
    assert elapsed < 10
    assert outcome(response).startswith("Not sent yet. The mail server did not answer in time. It is queued")
    assert_eml_offered(web, response)
    assert outbox_row(app, web).status == "queued"


def test_a_temporary_failure_is_retried_with_growing_backoff_then_given_up(make_app):
    clock = Clock()
    with smtp(CountingInbox(reply="451 4.3.0 Mailbox busy, try again later")) as server:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, CLOCK=clock)
        web = Browserless(app.test_client())
        fill_claim(web)
        response = send(web)
        assert outcome(response).startswith("Not sent yet. The mail server asked us to try again later (451). "
                                            "It is queued and will be tried again automatically.")
        assert_eml_offered(web, response)
        runner = app.test_cli_runner()
        waits = []
        row = outbox_row(app, web)
        while row.status == "queued":
            waits.append(row.next_attempt_at - clock.now)
            assert "0 message(s)" in runner.invoke(args=["outbox", "deliver"]).output  # not due yet
            clock.now = row.next_attempt_at
            assert "1 message(s)" in runner.invoke(args=["outbox", "deliver"]).output
            row = outbox_row(app, web)
        # Each wait doubles; after eight tries the message is given up on.
        assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 16, 32, 64]
        assert (row.status, row.attempts, server.offered) == ("failed", 8, 8)
        clock.advance(hours=8)
        assert "0 message(s)" in runner.invoke(args=["outbox", "deliver"]).output
        assert server.offered == 8 and server.messages == []
    page = web.get("/claim/done")
    assert outcome(page).startswith("Sending failed: the mail server kept asking us to try again later, "
                                    "so we stopped trying (451). Nothing was sent.")
    assert parse(page).find("button", string=re.compile("Try sending it again"))
    assert_eml_offered(web, page)


def test_a_permanent_failure_is_told_at_once_and_never_retried(make_app):
    clock = Clock()
    with smtp(CountingInbox(reply="550 5.7.1 Message refused by policy")) as server:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, CLOCK=clock)
        web = Browserless(app.test_client())
        fill_claim(web)
        response = send(web)
        assert outcome(response).startswith("Sending failed: the mail server refused the message (550). "
                                            "Nothing was sent. Download the email below and send it yourself")
        assert_eml_offered(web, response)
        clock.advance(hours=8)
        assert "0 message(s)" in app.test_cli_runner().invoke(args=["outbox", "deliver"]).output
        assert server.offered == 1 and server.messages == []
        row = outbox_row(app, web)
        assert (row.status, row.attempts) == ("failed", 1)


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("mode", ["STARTTLS", "implicit TLS"])
def test_tls_to_a_self_signed_certificate_is_refused_and_nothing_sent(make_app, tmp_path, monkeypatch, mode):
    cert, key = self_signed_certificate(tmp_path)
    context = tls_context(cert, key)
    server_tls = ({"tls_context": context, "require_starttls": True} if mode == "STARTTLS"
                  else {"ssl_context": context})
    app_tls = {"MAIL_USE_TLS": True} if mode == "STARTTLS" else {"MAIL_USE_SSL": True}
    with smtp(CountingInbox(), **server_tls) as server:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, **app_tls)
        web = Browserless(app.test_client())
        fill_claim(web)
        response = send(web)
        assert outcome(response).startswith("Sending failed: the mail server's certificate could not be "
                                            "verified, so nothing was sent. Nothing was sent.")
        assert server.offered == 0 and server.messages == []
        assert_eml_offered(web, response)
        # The same server, once its certificate is trusted, gets the message: what refused it
        # above was the certificate check, not a broken TLS set-up.
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        response = web.post("/claim/done/send", {}, token_from="/claim/done")
        assert outcome(response).startswith("Sent.")
        assert len(server.messages) == 1


def test_tls_required_but_the_server_offers_no_starttls_is_refused(make_app):
    with smtp(CountingInbox()) as server:  # plain SMTP, no STARTTLS offered
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=True, MAIL_TIMEOUT=5)
        web = Browserless(app.test_client())
        fill_claim(web)
        response = send(web)
    assert outcome(response).startswith("Sending failed: the mail server does not offer an encrypted "
                                        "connection, so nothing was sent.")
    assert server.offered == 0


def test_a_server_that_takes_the_message_but_never_answers_quit_gets_it_once(make_app):
    """Once the server said 250 to the message, a QUIT that hangs must not make it look
    unsent: a retry would deliver it twice."""
    class HangsOnQuit(CountingInbox):
        async def handle_QUIT(self, server, session, envelope):
            import asyncio
            await asyncio.sleep(30)
            return "221 Bye"

    clock = Clock()
    with smtp(HangsOnQuit()) as server:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, CLOCK=clock)
        web = Browserless(app.test_client())
        fill_claim(web)
        response = send(web)
        assert outcome(response).startswith("Sent.")
        clock.advance(hours=5)
        app.test_cli_runner().invoke(args=["outbox", "deliver"])
        assert len(server.messages) == 1 and server.offered == 1


def test_queued_while_smtp_was_down_is_delivered_exactly_once_by_flask_outbox_deliver(make_app, tmp_path):
    port = closed_port()
    keys = Fernet.generate_key().decode()
    database = f"sqlite:///{tmp_path / 'drafts.sqlite3'}"
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2, DATABASE_URL=database,
                   DRAFT_ENCRYPTION_KEYS=keys, OUTBOX_RETRY_SECONDS=1, MAIL_DEFAULT_SENDER=SENDER)
    web = Browserless(app.test_client())
    fill_claim(web)
    assert outcome(send(web)).startswith("Not sent yet. The mail server could not be reached.")
    env = {"DATABASE_URL": database, "DRAFT_ENCRYPTION_KEYS": keys, "SECRET_KEY": "test-secret",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 5,
           "MAIL_DEFAULT_SENDER": SENDER, "OUTBOX_POLL_SECONDS": 0, "OUTBOX_DIR": tmp_path / "outbox"}
    time.sleep(1.2)  # the retry time passes
    with smtp(CountingInbox(), port=port) as server:  # the mail server is back
        # Two cron runs at the same moment, then a third: one message reaches the server.
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            runs = list(pool.map(lambda _: flask_cli(["outbox", "deliver"], env), range(2)))
        runs.append(flask_cli(["outbox", "deliver"], env))
        for run in runs:
            assert run.returncode == 0, run.stderr
        attempted = [int(re.search(r"(\d+) message\(s\) attempted", r.stdout).group(1)) for r in runs]
        assert sum(attempted) == 1 and attempted[2] == 0
        assert len(server.messages) == 1
        received = server.messages[0]["message"]
        assert received["To"] == CIGNA.claims_email
        assert received["Subject"] == "Claim reimbursement – MIP-0042317 – Zoë Ørsted"
    assert outcome(web.get("/claim/done")).startswith("Sent.")


def test_queued_while_smtp_was_down_is_delivered_exactly_once_by_the_running_app(tmp_path):
    port = closed_port()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'drafts.sqlite3'}", "SECRET_KEY": "process-secret",
           "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "OUTBOX_DIR": tmp_path / "outbox",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 2, "MAIL_DEFAULT_SENDER": SENDER,
           "OUTBOX_POLL_SECONDS": 0.2, "OUTBOX_RETRY_SECONDS": 1}
    process = AppProcess(env, tmp_path / "app.log").start()
    try:
        web = Browserless(LiveClient(process.url))
        fill_claim(web)
        response = send(web)
        assert outcome(response).startswith("Not sent yet. The mail server could not be reached. It is queued")
        with smtp(CountingInbox(), port=port) as server:  # the mail server comes back
            assert wait_for(lambda: server.messages, timeout=30)
            time.sleep(2)  # ten more polls of the outbox: nothing more is sent
            assert len(server.messages) == 1 and server.offered == 1
            assert server.messages[0]["message"]["Subject"] == "Claim reimbursement – MIP-0042317 – Zoë Ørsted"
        assert outcome(web.get("/claim/done")).startswith("Sent.")
    finally:
        process.stop()


# --- the app process killed ----------------------------------------------------------------------------

def test_the_app_killed_mid_journey_keeps_the_draft_and_the_journey_goes_on(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'drafts.sqlite3'}", "SECRET_KEY": "process-secret",
           "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "OUTBOX_DIR": tmp_path / "outbox",
           "OUTBOX_POLL_SECONDS": 0}
    process = AppProcess(env, tmp_path / "app.log").start()
    client = LiveClient(process.url)
    web = Browserless(client)
    try:
        web.post("/claim/member", MEMBER)
        web.post("/claim/patient", {"who": "member"})
        web.post("/claim/treatment", TREATMENT)
        for line in EXPENSES:
            web.post("/claim/expenses/new", line)
        web.post("/claim/expenses", {})
        web.post("/claim/payment", {"payee": "member", "currency": "EUR", "method": "bank"})
        web.post("/claim/bank", {"holder": "Zoë Ørsted", "country": "BE"})
        web.post("/claim/bank-iban", {"iban": "BE71 0961 2345 6769", "bic": "GEBABEBB"})
        uploaded = web.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                                "file": (io.BytesIO(jpeg_bytes()), "receipt.jpg")},
                            content_type="multipart/form-data")
        assert "receipt.jpg uploaded" in uploaded.get_data(as_text=True)
        cookie = dict(client.cookies)
        process.kill()  # SIGKILL in the middle of the journey
        assert process.process.returncode == -9
        process.start()  # same database, keys and secret; same URL
        assert client.cookies == cookie
        # Every answer is there, and the uploaded receipt too.
        member = parse(web.get("/claim/member"))
        assert member.find(id="full_name")["value"] == "Zoë Ørsted"
        receipts = web.get("/claim/receipts").get_data(as_text=True)
        assert "receipt.jpg" in receipts
        web.post("/claim/receipts", {"action": "continue"})
        review = web.get("/claim/check")
        assert review.request.path == "/claim/check"
        text = " ".join(parse(review).get_text().split())
        for value in ("Zoë Ørsted", "Broken molar, crown needed", "Dr Anne Martin", "BE71 0961 2345 6769",
                      "receipt.jpg"):
            assert value in text
        done = web.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
        assert done.request.path == "/claim/done"
        packet = pdf_text(web.get("/claim/done/packet.pdf").data)
        assert "Zoë Ørsted" in packet and "EUR 650.00" in packet and "CHF 80.00" in packet
    finally:
        process.stop()
    for value in ("Zoë", "Ørsted", "molar", "BE71", "6769", "zoe@example.org"):  # nor in its output
        assert value not in process.output()


# --- the database locked or gone ---------------------------------------------------------------------

@pytest.fixture
def db_app(make_app, tmp_path):
    """An app as in production (not in testing mode: no exception reaches the test)."""
    (tmp_path / "db").mkdir()
    path = tmp_path / "db" / "drafts.sqlite3"
    app = make_app(TESTING=False, DATABASE_URL=f"sqlite:///{path}")
    app.db_path = path
    return app


def lock_database(path):
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")
    return locker


def treatment_form(web):
    page = web.get("/claim/treatment")
    return dict(TREATMENT, csrf_token=parse(page).find("input", {"name": "csrf_token"})["value"])


def assert_friendly(response, status=503):
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "sqlite" not in text.lower() and "OperationalError" not in text
    assert response.headers["Retry-After"] == "30"
    assert_security_headers(response, "503", no_store=True)
    return " ".join(parse(response).get_text().split())


def test_a_database_locked_briefly_makes_the_post_wait_and_it_is_saved(db_app):
    web = Browserless(db_app.test_client())
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", {"who": "member"})
    form = treatment_form(web)
    locker = lock_database(db_app.db_path)
    threading.Timer(1.0, locker.rollback).start()  # released within the busy timeout
    response = web.client.post("/claim/treatment", data=form)
    locker.close()
    assert response.status_code == 303 and response.location.endswith("/claim/expenses")
    assert parse(web.get("/claim/treatment")).find(id="reason").get_text() == TREATMENT["reason"]


def test_a_database_locked_too_long_gives_a_503_page_and_the_answers_stay(db_app):
    web = Browserless(db_app.test_client())
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", {"who": "member"})
    form = treatment_form(web)
    locker = lock_database(db_app.db_path)
    try:
        # Reading still works while another connection holds the write lock.
        page = web.get("/claim/patient")
        assert page.status_code == 200
        response = web.client.post("/claim/treatment", data=form)
    finally:
        locker.rollback()
        locker.close()
    text = assert_friendly(response)
    assert "Not saved: please try again in a minute" in text
    assert "what you sent from this page was not saved and nothing was sent. Your earlier answers are kept." in text
    assert parse(response).find("a", string="Go back to the page")["href"] == "/claim/treatment"
    assert "Location" not in response.headers
    # Released: the earlier answers are there, this page's were not saved, and sending it again works.
    assert parse(web.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"
    assert parse(web.get("/claim/treatment")).find(id="reason").get_text() == ""
    again = web.client.post("/claim/treatment", data=treatment_form(web))
    assert again.status_code == 303 and again.location.endswith("/claim/expenses")


def test_a_database_locked_at_the_final_step_saves_nothing_half_way(db_app):
    web = Browserless(db_app.test_client())
    fill_claim(web, finish=False)
    page = web.get("/claim/check")
    form = {"confirm": "y", "signature": "Zoë Ørsted",
            "csrf_token": parse(page).find("input", {"name": "csrf_token"})["value"]}
    locker = lock_database(db_app.db_path)
    try:
        response = web.client.post("/claim/check", data=form)
    finally:
        locker.rollback()
        locker.close()
    assert "Not saved: please try again in a minute" in assert_friendly(response)
    assert sqlite_rows(db_app.db_path, "SELECT count(*) FROM submissions") == [(0,)]
    finished = web.client.post("/claim/check", data=form, follow_redirects=True)
    assert finished.request.path == "/claim/done"
    assert sqlite_rows(db_app.db_path, "SELECT count(*) FROM submissions") == [(1,)]


def test_a_database_that_is_gone_gives_a_503_page_and_nothing_is_lost(db_app, tmp_path):
    web = Browserless(db_app.test_client())
    web.post("/claim/member", MEMBER)
    form = {"who": "member"}
    form["csrf_token"] = parse(web.get("/claim/patient")).find("input", {"name": "csrf_token"})["value"]
    # The database's folder goes away (an unmounted volume). Open connections would keep the
    # old file open, so they are dropped, as in a freshly started worker.
    shutil.move(tmp_path / "db", tmp_path / "db-away")
    db_app.extensions["store"].engine.dispose()
    try:
        page = web.client.get("/claim/patient")
        text = assert_friendly(page)
        assert "Sorry, the service is not available right now" in text and "Your answers are kept." in text
        response = web.client.post("/claim/patient", data=form)
        assert "Not saved: please try again in a minute" in assert_friendly(response)
        assert parse(response).find("a", string="Go back to the page")["href"] == "/claim/patient"
        newcomer = db_app.test_client().get("/claim/member")  # no draft yet: cannot create one
        assert_friendly(newcomer)
        assert web.client.get("/static/css/app.css").status_code == 200  # needs no database
    finally:
        shutil.move(tmp_path / "db-away", tmp_path / "db")
    assert parse(web.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"
    again = web.client.post("/claim/patient", data=form)
    assert again.status_code == 303 and again.location.endswith("/claim/treatment")


# --- retention -----------------------------------------------------------------------------------------

def count(app, table):
    return app_rows(app, f"SELECT count(*) FROM {table}")[0][0]


def test_purge_deletes_expired_drafts_with_everything_they_left_and_keeps_live_ones(make_app, tmp_path):
    clock = Clock()
    outbox = tmp_path / "outbox"
    app = make_app(CLOCK=clock)  # no mail server: "send" writes an .eml into the outbox folder
    old = Browserless(app.test_client())
    fill_claim(old)
    old.get("/claim/done/packet.pdf")  # the kept packet
    assert outcome(send(old)).startswith("Not sent: no mail server is set up.")
    old_reference = reference_of(old)
    assert [p.name for p in outbox.iterdir()] == [f"{old_reference}-send.eml"]
    leftover = outbox / "CLM-ZZZZ-9999-send.eml"  # from a purge interrupted before its files
    leftover.write_bytes(b"Subject: left behind\r\n\r\n")

    clock.advance(hours=20)
    recent = Browserless(app.test_client())
    fill_claim(recent, finish=False)
    assert [count(app, t) for t in ("drafts", "uploads", "submissions", "packets", "outbox")] == [2, 2, 1, 1, 1]

    clock.advance(hours=5)  # the old draft was last changed 25 hours ago, the recent one 5
    result = app.test_cli_runner().invoke(args=["drafts", "purge"])
    assert result.output.strip() == ("1 expired draft(s) deleted, 2 outbox file(s) removed, "
                                     "0 kept packet(s) past their time deleted")
    assert [count(app, t) for t in ("drafts", "uploads", "submissions", "packets", "outbox")] == [1, 1, 0, 0, 0]
    assert list(outbox.iterdir()) == []
    assert old.get("/claim/done").status_code == 404
    assert old.client.get("/claim/done/packet.pdf").status_code == 404
    review = " ".join(parse(recent.get("/claim/check")).get_text().split())
    assert "Zoë Ørsted" in review and "receipt.jpg" in review

    clock.advance(hours=25)  # now the recent one has expired too
    assert app.test_cli_runner().invoke(args=["drafts", "purge"]).output.startswith("1 expired draft(s) deleted")
    assert [count(app, t) for t in ("drafts", "uploads", "submissions", "packets", "outbox")] == [0, 0, 0, 0, 0]


def test_purge_keeps_an_expired_draft_until_its_queued_mail_is_sent(make_app, tmp_path):
    clock = Clock()
    port = closed_port()
    app = make_app(CLOCK=clock, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    web = Browserless(app.test_client())
    fill_claim(web)
    assert outcome(send(web)).startswith("Not sent yet.")
    runner = app.test_cli_runner()
    clock.advance(hours=25)
    assert runner.invoke(args=["drafts", "purge"]).output.startswith("0 expired draft(s) deleted")
    assert count(app, "outbox") == 1 and count(app, "drafts") == 1
    with smtp(CountingInbox(), port=port) as server:
        assert "1 message(s)" in runner.invoke(args=["outbox", "deliver"]).output
        assert len(server.messages) == 1
    assert runner.invoke(args=["drafts", "purge"]).output.startswith("1 expired draft(s) deleted")
    assert [count(app, t) for t in ("drafts", "submissions", "outbox")] == [0, 0, 0]


def test_delete_my_answers_also_removes_the_written_outbox_file(web, app, tmp_path):
    fill_claim(web)
    send(web)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    response = web.post("/delete", {}, token_from="/delete")
    assert response.request.path == "/deleted"
    assert list((tmp_path / "outbox").glob("*.eml")) == []
    assert count(app, "drafts") == 0
