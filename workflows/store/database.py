"""The database and the keys: one engine, encryption at rest, the clock every table reads."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import weakref
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import create_engine, event, make_url, text

from .models import Base


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Keys(MultiFernet):
    """The keys, newest first: MultiFernet encrypts with the newest and decrypts with any;
    `newest` tells what is already under it (store.rekey)."""

    def __init__(self, fernets: list[Fernet]):
        super().__init__(fernets)
        self.newest = fernets[0]


def load_keys(config: dict, instance_path: str) -> Keys:
    """Keys from DRAFT_ENCRYPTION_KEYS (comma-separated, newest first, so keys can rotate),
    else one generated once into the instance folder."""
    configured = config.get("DRAFT_ENCRYPTION_KEYS")
    if configured:
        keys = [k.strip() for k in configured.split(",") if k.strip()]
    else:
        path = Path(instance_path) / "draft-encryption.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(Fernet.generate_key())
            path.chmod(0o600)
        keys = [path.read_text().strip()]
    return Keys([Fernet(k) for k in keys])


class Database:
    """The engine, the keys and the clock the store's tables share. The tables themselves are
    made and changed by the migrations (schema.py), never here."""

    metadata = Base.metadata  # what Flask-Migrate compares the database with

    def __init__(self, url: str, fernet: MultiFernet, clock=utcnow):
        private_sqlite_files(url)
        # hide_parameters: a database error message (and so a log line) never carries values.
        self.engine = create_engine(url, pool_pre_ping=url.startswith("postgresql"),
                                    hide_parameters=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        # `gunicorn --preload` forks its workers from a process that has used this engine: a
        # worker must not use the pooled connection it inherits (two processes on one
        # PostgreSQL socket, or one SQLite handle). Each child starts with an empty pool.
        engine = weakref.ref(self.engine)
        os.register_at_fork(after_in_child=lambda: engine() and engine().dispose(close=False))
        self.fernet = fernet
        self.clock = clock

    def ping(self) -> None:
        """One round trip to the database (readiness); raises SQLAlchemyError if it fails."""
        with self.engine.connect() as db:
            db.execute(text("SELECT 1"))

    # encryption ---------------------------------------------------------------------------
    def seal(self, value) -> bytes:
        raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
        return self.fernet.encrypt(raw)

    def open(self, blob: bytes, raw=False):
        data = self.fernet.decrypt(blob)
        return data if raw else json.loads(data)


def private_sqlite_files(url: str) -> None:
    """A SQLite database holds every draft (encrypted, but its size, times and count are
    there to read): the file is created 0600 before SQLite opens it, and a file, WAL or
    shared-memory index left looser by an earlier version is made 0600. SQLite gives the -wal,
    -shm and -journal files it creates the database file's own mode, whatever the umask."""
    parsed = make_url(url)
    database = parsed.database
    if (parsed.get_backend_name() != "sqlite" or not database or database == ":memory:"
            or database.startswith("file:") or parsed.query.get("uri")):
        return
    path = Path(database)
    # Only a missing file is opened here. Closing any descriptor of a database file drops
    # every POSIX lock this process holds on it, so opening an existing one beside a live
    # connection (a second app in one process) could let another process write under it
    # and corrupt the database (sqlite.org/howtocorrupt.html, 2.2).
    if not path.exists():
        try:
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError:
            return  # no such folder, say: SQLite will say so in its own words
    for name in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        try:
            if stat.S_IMODE(name.stat().st_mode) != 0o600:
                name.chmod(0o600)
        except FileNotFoundError:
            pass


def _sqlite_pragmas(conn, _record):
    cur = conn.cursor()
    # WAL lets readers run beside a writer; NORMAL sync is durable across app crashes.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
