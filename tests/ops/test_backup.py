"""Backups as deploy/README.md takes them (issue 16.5): the database of a running app holding
a member's draft is backed up with the documented command (pg_dump -Fc on the PostgreSQL run,
sqlite3 .backup on the SQLite run), restored into a fresh database (pg_restore, sqlite3
.restore), and the member's draft resumes on an app over the restored database, with the same
keys. The backup holds none of the answers in clear, and with other keys nothing reads."""
from __future__ import annotations

import contextlib
import glob
import secrets
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import make_url, text

from app import create_app
from tests.support.apps import TEST_DATABASE_URL, close, settings
from tests.support.pages import parse
from tests.support.samples import MEMBER, fill_claim
from tests.support.servers import live


def run(*argv: str) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done


class Sqlite:
    """The SQLite run: the app's file, backed up with sqlite3's .backup while the app runs."""

    def __init__(self, folder: Path):
        for name in ("live", "backups", "restored"):
            (folder / name).mkdir()
        self.file, self.copy = folder / "live" / "drafts.sqlite3", folder / "backups" / "drafts.sqlite3"
        self.restored_file = folder / "restored" / "drafts.sqlite3"
        self.original, self.restored = f"sqlite:///{self.file}", f"sqlite:///{self.restored_file}"

    def backup(self) -> bytes:
        run("sqlite3", str(self.file), f".backup '{self.copy}'")
        return self.copy.read_bytes()

    def restore(self) -> None:
        run("sqlite3", str(self.restored_file), f".restore '{self.copy}'")


class Postgres:
    """The PostgreSQL run: two fresh databases in the run's cluster; pg_dump -Fc of the first
    while the app runs, pg_restore into the second, with the cluster's own version of each."""

    def __init__(self, admin, folder: Path):
        self.admin, self.dump = admin, folder / "mip_forms.dump"
        url = make_url(TEST_DATABASE_URL)
        self.names = [f"backup_{secrets.token_hex(4)}", f"restored_{secrets.token_hex(4)}"]
        self.original, self.restored = (url.set(database=n).render_as_string(False) for n in self.names)
        self.connection = ["-h", url.query["host"], "-U", url.username]
        [self.bin] = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))[-1:]

    def __enter__(self):
        with self.admin.connect() as db:
            for name in self.names:
                db.execute(text(f'CREATE DATABASE "{name}"'))
        return self

    def __exit__(self, *exc):
        with self.admin.connect() as db:
            for name in self.names:
                db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def backup(self) -> bytes:
        run(f"{self.bin}/pg_dump", "-Fc", *self.connection, "-d", self.names[0], "-f", str(self.dump))
        return run(f"{self.bin}/pg_restore", "-f", "-", str(self.dump)).stdout  # the dump as SQL

    def restore(self) -> None:
        run(f"{self.bin}/pg_restore", "--no-owner", *self.connection, "-d", self.names[1], str(self.dump))


@pytest.fixture
def databases(request, tmp_path):
    if TEST_DATABASE_URL:
        with Postgres(request.getfixturevalue("postgres_admin"), tmp_path) as found:
            yield found
    else:
        yield Sqlite(tmp_path)


@contextlib.contextmanager
def serving(url: str, folder: Path, keys: str):
    app = create_app(settings(url, folder, DRAFT_ENCRYPTION_KEYS=keys))
    try:
        with live(app) as server:
            yield server
    finally:
        close(app)


def resumed(server, draft: str):
    """What a member with the `draft` cookie sees of their answers on `server`."""
    member = server.member()
    member.http.cookies.set("draft", draft)
    return (parse(member.get("/claim/member")).find(id="full_name").get("value", ""),
            "receipt.jpg" in member.get("/claim/receipts").text)


def test_a_draft_survives_a_backup_and_a_restore(databases, tmp_path):
    keys = Fernet.generate_key().decode()
    with serving(databases.original, tmp_path / "live", keys) as server:
        member = server.member()
        fill_claim(member, finish=False)  # every page answered, a receipt uploaded
        assert resumed(server, member.draft) == (MEMBER["full_name"], True)
        backup = databases.backup()  # while the app runs
    assert MEMBER["full_name"].encode() not in backup and MEMBER["email"].encode() not in backup
    databases.restore()
    with serving(databases.restored, tmp_path / "restored", keys) as server:
        assert resumed(server, member.draft) == (MEMBER["full_name"], True)
    with serving(databases.restored, tmp_path / "other-keys", Fernet.generate_key().decode()) as server:
        assert resumed(server, member.draft) == ("", False)
