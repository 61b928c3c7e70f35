"""Exactly once under faults (issue 11.4): a mail server slow to confirm DATA, a database
that fails just after the mail server took the message, and an app killed while sending.
No message goes twice, and nothing untrue is said: what may have been sent is told so and
sent again only when the member says so."""
from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import time

from cryptography.fernet import Fernet

from tests.support.clock import Clock
from tests.support.http import LiveClient
from tests.support.mail import SENDER, CountingInbox, smtp
from tests.support.pages import parse
from tests.support.samples import fill_claim
from tests.support.servers import AppProcess, flask_cli, wait_for
from tests.support.web import Browserless


def outcome(response) -> str:
    found = parse(response).select_one(".outcome")
    return " ".join(found.get_text().split()) if found else ""


def send(web, **fields):
    return web.post("/claim/done/send", fields, token_from="/claim/done")


class SlowToConfirm(CountingInbox):
    """Takes the whole message, then answers after `delay` seconds (RFC 5321 allows ten
    minutes; the app waits MAIL_TIMEOUT)."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.delay)
        return reply


def test_a_server_slow_to_confirm_is_told_as_maybe_sent_and_never_retried_blindly(make_app):
    clock = Clock()
    with smtp(SlowToConfirm(delay=4)) as server:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=2, CLOCK=clock,
                       MAIL_DEFAULT_SENDER=SENDER)
        web = Browserless(app.test_client())
        fill_claim(web)
        page = send(web)
        told = outcome(page)
        assert told.startswith("It may have been sent. The whole message went to the mail server, "
                               "which did not confirm it in time, so it may have been sent.")
        assert "Not sent" not in told and "Nothing was sent" not in told
        assert wait_for(lambda: len(server.messages) == 1, timeout=10)
        # Neither the background retries nor a second click send it again.
        clock.now += dt.timedelta(hours=6)
        assert "0 message(s)" in app.test_cli_runner().invoke(args=["outbox", "deliver"]).output
        again = send(web)
        assert "may have been sent already: it was not sent again" in again.get_data(as_text=True)
        time.sleep(0.5)
        assert server.offered == 1
        # The member checked with the administrator: ticking the box sends it once more.
        server.delay = 0
        resent = send(web, again="yes")
        assert outcome(resent).startswith("Sent.")
        assert server.offered == 2


def test_a_database_locked_just_after_the_server_took_the_message_is_waited_for(make_app, database_url):
    """The outcome is written once the lock goes: one message, "Sent."."""
    clock = Clock()

    class LocksTheDatabase(CountingInbox):
        async def handle_DATA(self, server, session, envelope):
            reply = await super().handle_DATA(server, session, envelope)
            hold_lock(database_url, seconds=2)
            return reply

    with smtp(LocksTheDatabase()) as server:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, CLOCK=clock,
                       MAIL_DEFAULT_SENDER=SENDER)
        web = Browserless(app.test_client())
        fill_claim(web)
        assert outcome(send(web)).startswith("Sent.")
        clock.now += dt.timedelta(hours=6)
        app.test_cli_runner().invoke(args=["outbox", "deliver"])
        assert server.offered == 1 and len(server.messages) == 1


def test_a_database_out_of_reach_after_the_send_is_told_and_not_sent_again(make_app, tmp_path):
    """SQLite locked for longer than every try to note the outcome: the page says it was
    sent but not noted down; later it reads "may have been sent", and nothing resends it."""
    clock = Clock()
    path = tmp_path / "locked" / "drafts.sqlite3"
    path.parent.mkdir()
    url = f"sqlite:///{path}"

    class LocksTheDatabase(CountingInbox):
        async def handle_DATA(self, server, session, envelope):
            reply = await super().handle_DATA(server, session, envelope)
            self.lock = hold_lock(url, seconds=16)  # longer than two tries of 5 s each
            return reply

    with smtp(LocksTheDatabase()) as server:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, CLOCK=clock,
                       MAIL_DEFAULT_SENDER=SENDER, DATABASE_URL=url)
        app.extensions["postman"].record_waits = (0.1, None)  # two tries, 5 s busy wait each
        web = Browserless(app.test_client())
        fill_claim(web)
        page = send(web)
        text = " ".join(parse(page).get_text().split())
        assert page.status_code == 200 and parse(page).h1.get_text() == "Sent, but not noted down"
        assert "It will not be sent again by itself" in text and "nothing was sent" not in text.lower()
        server.lock.join()  # the lock goes
        clock.now += dt.timedelta(hours=1)  # the attempt's hold on the message has passed
        assert outcome(web.get("/claim/done")).startswith(
            "It may have been sent. Sending was interrupted before its outcome was noted")
        assert "0 message(s)" in app.test_cli_runner().invoke(args=["outbox", "deliver"]).output
        assert server.offered == 1


def test_an_app_killed_while_sending_does_not_send_twice(tmp_path):
    killed = threading.Event()
    keys = Fernet.generate_key().decode()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'drafts.sqlite3'}", "SECRET_KEY": "kill-secret",
           "DRAFT_ENCRYPTION_KEYS": keys, "OUTBOX_DIR": tmp_path / "outbox",
           "MAIL_SERVER": "127.0.0.1", "MAIL_TIMEOUT": 5, "MAIL_DEFAULT_SENDER": SENDER,
           "OUTBOX_POLL_SECONDS": 0.2, "OUTBOX_RETRY_SECONDS": 1, "OUTBOX_LEASE_SECONDS": 2}

    class KillsTheApp(CountingInbox):
        async def handle_DATA(self, server, session, envelope):
            reply = await super().handle_DATA(server, session, envelope)
            process.kill()  # the worker dies before it hears the answer
            killed.set()
            return reply

    with smtp(KillsTheApp()) as server:
        env["MAIL_PORT"] = server.port
        process = AppProcess(env, tmp_path / "app.log").start()
        web = Browserless(LiveClient(process.url))
        fill_claim(web)
        token = parse(web.get("/claim/done")).find("input", {"name": "csrf_token"})["value"]
        try:
            web.client.post("/claim/done/send", data={"csrf_token": token})
        except OSError:
            pass  # the connection died with the app
        assert killed.wait(10)
        process = AppProcess(env, tmp_path / "app2.log").start()  # restarted, with its retries
        try:
            time.sleep(3)  # past the hold on the message, and many polls of the outbox
            run = flask_cli(["outbox", "deliver"], env)
            assert "0 message(s)" in run.stdout, run.stderr
            assert server.offered == 1 and len(server.messages) == 1
        finally:
            process.stop()


def hold_lock(database_url: str, seconds: float) -> threading.Timer:
    """Another client takes the write lock (SQLite) or the outbox table (PostgreSQL) now and
    lets go after `seconds`, in a thread of its own."""
    if database_url.startswith("sqlite"):
        locker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None,
                                 check_same_thread=False)
        locker.execute("BEGIN EXCLUSIVE")
        release = locker.rollback
    else:
        from sqlalchemy import create_engine, text
        engine = create_engine(database_url)
        connection = engine.connect()
        connection.execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))

        def release():
            connection.rollback()
            connection.close()
            engine.dispose()
    timer = threading.Timer(seconds, release)
    timer.start()
    return timer
