"""The operator's side of a test: members who leave everything the store keeps (a draft being
typed, an upload, a finished claim with its kept packet and a queued mail), checks that it is
all still there for them, the `flask` CLI's environment for a test's database, and a database
rebuilt as the release before migrations left it."""
from __future__ import annotations

import re
from dataclasses import dataclass

from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, create_engine, insert, inspect, select, text

from tests.support.mail import SENDER, closed_port
from tests.support.pages import outcome, parse
from tests.support.samples import MEMBER, fill_claim, send
from tests.support.web import Browserless
from workflows.administrators.cigna import CIGNA
from workflows.store import schema
from workflows.store.models import Base

TYPED_NAME = "Ana Typed-Halfway"  # what the member still typing has answered


def cli_env(database_url: str, folder, keys: str, **extra) -> dict:
    """The environment of a `flask --app app ...` process on the test's database, as an
    operator's shell or cron would have it (tests.support.servers.flask_cli runs it)."""
    return {"DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "DRAFT_ENCRYPTION_KEYS": keys,
            "OUTBOX_DIR": folder / "outbox", "MAIL_SERVER": "", "OUTBOX_POLL_SECONDS": 0,
            "MAIL_DEFAULT_SENDER": SENDER, **extra}


@dataclass
class Members:
    """What two members left in the store, and how to find it again: their draft cookies."""
    typing_cookie: str  # half-way through a claim: one page answered
    finished_cookie: str  # finished a claim (with a receipt), downloaded it, asked to send it
    reference: str
    packet: bytes


def leave_everything(app) -> Members:
    """Through the app's pages: a draft being typed, and a finished claim whose receipt upload,
    kept packet and queued mail (its mail server down) are all in the store. `app` must have
    MAIL_SERVER set to a server that is down (mail_down())."""
    typing = Browserless(app.test_client())
    typing.post("/claim/member", {**MEMBER, "full_name": TYPED_NAME})
    finished = Browserless(app.test_client())
    fill_claim(finished)
    packet = finished.get("/claim/done/packet.pdf").data
    assert outcome(send(finished)).startswith("Not sent yet.")
    reference = parse(finished.get("/claim/done")).select_one(".ref").get_text(strip=True)
    return Members(_cookie(typing), _cookie(finished), reference, packet)


def mail_down() -> dict:
    """Settings for an app whose mail server cannot be reached: "send" queues the mail, due
    again a moment later (long before any command runs)."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": closed_port(), "MAIL_TIMEOUT": 2,
            "MAIL_DEFAULT_SENDER": SENDER, "OUTBOX_RETRY_SECONDS": 0.1}


def _cookie(web: Browserless) -> str:
    return web.client.get_cookie("draft").value


def member(app, cookie: str) -> Browserless:
    """A member's browser, coming back with their draft cookie, to `app`."""
    client = app.test_client()
    client.set_cookie("draft", cookie)
    return Browserless(client)


def assert_members_find_everything(app, members: Members) -> None:
    """The draft being typed resumes with its answer; the finished claim's page and its
    packet (the very bytes kept) are there."""
    page = parse(member(app, members.typing_cookie).get("/claim/member"))
    assert page.find("input", {"name": "full_name"})["value"] == TYPED_NAME
    finished = member(app, members.finished_cookie)
    assert parse(finished.get("/claim/done")).select_one(".ref").get_text(strip=True) == members.reference
    assert finished.get("/claim/done/packet.pdf").data == members.packet


def assert_the_claim_arrived(inbox, members: Members) -> None:
    """The queued mail reached the mail server, once, with the packet attached."""
    (received,) = [m["message"] for m in inbox.messages]
    assert received["To"] == CIGNA.claims_email
    assert received["Subject"].startswith(f"Claim reimbursement – {MEMBER['reference']}")
    (attachment,) = received.iter_attachments()
    assert attachment.get_content() == members.packet


def only_counts(output: str) -> None:
    """Command output names no answer, address or file: at most references."""
    for secret in (MEMBER["full_name"], TYPED_NAME, MEMBER["email"], CIGNA.claims_email, "receipt.jpg"):
        assert secret not in output


# --- the release before migrations -----------------------------------------------------------------

def as_previous_release(database_url: str) -> None:
    """Rebuild the database, rows and all, as the release before migrations made it: its
    tables as the baseline revision makes them (what that release's create_all made: a test
    compared them), its rows (the columns it had), no alembic_version."""
    baseline = schema.script().get_revision(schema.BASELINE).module
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            rows = {t.name: [dict(r._mapping) for r in db.execute(select(t))]
                    for t in Base.metadata.sorted_tables if t.name in baseline.TABLES}
        with engine.begin() as db:
            Base.metadata.drop_all(db)
            db.execute(text("DROP TABLE alembic_version"))
            with Operations.context(MigrationContext.configure(db)):
                baseline.upgrade()
            for name in baseline.TABLES:  # in an order that inserts referred-to rows first
                table = Table(name, MetaData(), autoload_with=db)
                if rows[name]:
                    db.execute(insert(table), [{c.name: row[c.name] for c in table.columns}
                                               for row in rows[name]])
        with engine.connect() as db:
            assert not inspect(db).has_table("alembic_version")
    finally:
        engine.dispose()


def revision_of(output: str) -> str:
    """The revision `flask db current` printed."""
    found = re.search(r"^(\w+) \(head\)$", output, re.M)
    return found.group(1) if found else ""


def schema_differences(database_url: str) -> list:
    """How the database's tables differ from the models (Alembic's autogenerate comparison):
    empty when the migrations make exactly what the models describe."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            context = MigrationContext.configure(db, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
