"""Files at rest: what the app leaves on the server's disk is the service account's alone.

With no mail server, "send" writes each message (IBAN, diagnosis, in plain text) as an .eml
file into OUTBOX_DIR: mode 0600 in a folder made 0700, an older looser folder included, and
the member's confirmation page names no server path. A SQLite database, its WAL and its
shared-memory index are 0600. The app runs as its own `flask run` process with umask 000, the
loosest an operator could leave, so every mode seen is one the app chose."""
from __future__ import annotations

import email
import email.policy
import os
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from tests.support.samples import MEMBER, fill_claim
from tests.support.http import RequestsMember as Member
from tests.support.pages import parse, path_of
from tests.support.servers import ROOT, AppProcess, wait_for_port
from workflows.administrators.cigna import CIGNA


class LooseUmaskApp(AppProcess):
    """`flask run` as AppProcess starts it, but with umask 000: files it does not make
    private itself come out world-readable (and writable)."""

    def start(self) -> "LooseUmaskApp":
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MAIL_", "OUTBOX_", "DRAFT_", "SEND_LIMIT_"))
               and k not in ("DATABASE_URL", "SECRET_KEY", "TRUSTED_PROXIES")}
        env.update(self.env)
        env["PYTHONUNBUFFERED"] = "1"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1",
                 "--port", str(self.port)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=lambda: os.umask(0))
        wait_for_port(self.port, process=self.process)
        return self


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def outcome_text(response) -> str:
    return " ".join(parse(response).select_one(".outcome").get_text().split())


def app_env(database_url: str, outbox: Path) -> dict:
    return {"DATABASE_URL": database_url, "SECRET_KEY": "files-at-rest",
            "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "OUTBOX_DIR": outbox,
            "OUTBOX_POLL_SECONDS": 0}


def send(member):
    return member.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")


def test_outbox_messages_are_private_and_the_page_names_no_path(database_url, tmp_path):
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o755)
    outbox.chmod(0o755)  # as an earlier version (or an operator) left it
    earlier = outbox / "CLM-0000-0000-send.eml"
    earlier.write_bytes(b"To: claims@example.org\r\n\r\nwritten by an earlier version\r\n")
    earlier.chmod(0o644)
    app = LooseUmaskApp(app_env(database_url, outbox), tmp_path / "app.log").start()
    try:
        # Tightened as soon as the app starts, before anything is sent.
        assert (mode(outbox), mode(earlier)) == ("0o700", "0o600")

        member = Member(app.url)
        fill_claim(member)
        done = send(member)
        assert path_of(done) == "/claim/done"
        assert outcome_text(done) == (
            "Not sent: no mail server is set up. The email was saved for this service's "
            "administrator to send. Nothing was sent to Cigna. Download the email below and send "
            "it yourself.")
        reference = parse(done).select_one(".ref").get_text(strip=True)
        written = outbox / f"{reference}-send.eml"
        page = done.text
        for leak in (str(outbox), str(tmp_path), str(ROOT), written.name, "outbox"):
            assert leak not in page, leak
        assert parse(done).select_one(".outcome code") is None
        # The page reads the same later (it is built from the stored outcome).
        assert outcome_text(member.get("/claim/done")) == outcome_text(done)

        # On disk: only the two messages, each 0600, in a 0700 folder.
        assert sorted(p.name for p in outbox.iterdir()) == sorted([earlier.name, written.name])
        assert (mode(outbox), mode(written)) == ("0o700", "0o600")
        message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
        assert message["To"] == CIGNA.claims_email and MEMBER["full_name"] in message["Subject"]

        # What an operator reads in the outbox table: the file's name, never a path.
        engine = create_engine(database_url)
        try:
            with engine.connect() as db:
                rows = db.execute(text("select status, last_error from outbox")).all()
        finally:
            engine.dispose()
        assert [tuple(r) for r in rows] == [("written", written.name)]

        # A French-speaking member reads it in French, and no path either.
        french = Member(app.url)
        french.http.cookies.set("lang", "fr", domain="127.0.0.1", path="/")
        fill_claim(french)
        said = outcome_text(send(french))
        assert said == (
            "Non envoyé : aucun serveur de messagerie n'est configuré. L'e-mail a été enregistré "
            "pour que l'administrateur de ce service l'envoie. " + said.split("l'envoie. ", 1)[1])
        assert str(outbox) not in said and ".eml" not in said
        assert {mode(p) for p in outbox.iterdir()} == {"0o600"}
        assert mode(outbox) == "0o700"
    finally:
        app.stop()


def test_a_folder_loosened_while_the_app_runs_is_tightened_on_the_next_send(database_url, tmp_path):
    outbox = tmp_path / "nested" / "outbox"  # made by the app, parents and all
    app = LooseUmaskApp(app_env(database_url, outbox), tmp_path / "app.log").start()
    try:
        member = Member(app.url)
        fill_claim(member)
        send(member)
        assert mode(outbox) == "0o700"
        outbox.chmod(0o777)  # an operator's mistake
        other = Member(app.url)
        fill_claim(other)
        send(other)
        assert mode(outbox) == "0o700"
        files = list(outbox.iterdir())
        assert len(files) == 2 and {mode(p) for p in files} == {"0o600"}
    finally:
        app.stop()


def test_a_link_planted_in_the_outbox_is_replaced_not_followed(database_url, tmp_path):
    """Whoever could write into the folder earlier plants a link under the next message's
    name, to make the app write the message somewhere readable (or over a file of its own)."""
    outbox, target = tmp_path / "outbox", tmp_path / "elsewhere.txt"
    target.write_text("not the app's")
    app = LooseUmaskApp(app_env(database_url, outbox), tmp_path / "app.log").start()
    try:
        member = Member(app.url)
        fill_claim(member)
        reference = parse(member.get("/claim/done")).select_one(".ref").get_text(strip=True)
        planted = outbox / f"{reference}-send.eml"
        outbox.mkdir(exist_ok=True)
        planted.symlink_to(target)
        send(member)
        assert target.read_text() == "not the app's"
        assert not planted.is_symlink() and mode(planted) == "0o600"
        assert b"Claim reimbursement" in planted.read_bytes()
    finally:
        app.stop()


def sqlite_files(path: Path) -> dict[str, str]:
    return {p.name: mode(p) for p in path.parent.iterdir() if p.name.startswith(path.name)}


def test_the_sqlite_database_its_wal_and_shm_are_0600(tmp_path):
    """Always on SQLite (these are SQLite's files), whichever database the run is on."""
    database = tmp_path / "data" / "drafts.sqlite3"
    database.parent.mkdir()
    env = app_env(f"sqlite:///{database}", tmp_path / "outbox")
    app = LooseUmaskApp(env, tmp_path / "app.log").start()
    try:
        member = Member(app.url)
        fill_claim(member, finish=False)
        files = sqlite_files(database)
        assert set(files) == {"drafts.sqlite3", "drafts.sqlite3-wal", "drafts.sqlite3-shm"}, files
        assert set(files.values()) == {"0o600"}, files
    finally:
        app.stop()

    # Files an earlier version left readable by everyone are made private on the next start,
    # and the drafts in them still open.
    for path in database.parent.iterdir():
        path.chmod(0o644)
    app = LooseUmaskApp(env, tmp_path / "app-again.log").start()
    member.url = app.url  # the same browser, the app back on another port
    try:
        page = parse(member.get("/claim/member"))
        assert page.find(id="full_name")["value"] == MEMBER["full_name"]
        files = sqlite_files(database)
        assert "drafts.sqlite3" in files and set(files.values()) == {"0o600"}, files
    finally:
        app.stop()
