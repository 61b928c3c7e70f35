"""Server-side drafts: answers, uploads and submissions, encrypted at rest, with expiry.

The browser holds one cookie with an opaque random token. The database stores only
the token's SHA-256, so a copy of the database cannot be turned into a live cookie,
and every value is Fernet-encrypted. Flask's `session` is backed by the draft
(a SessionInterface), so Flask-WTF's CSRF token lives server-side too.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import weakref
from pathlib import Path
from typing import NamedTuple

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, request as current_request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import (DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint,
                        create_engine, delete, event, exists, insert, inspect, select, text, update)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from werkzeug.datastructures import CallbackDict


class Base(DeclarativeBase):
    pass


class Draft(Base):
    __tablename__ = "drafts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(cookie token)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    # Bumped by every write: a request saves only over the version it read (see update()).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="0")


class Upload(Base):
    __tablename__ = "uploads"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    draft_key: Mapped[str] = mapped_column(ForeignKey("drafts.key", ondelete="CASCADE"), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Submission(Base):
    """A finished journey: a frozen copy of the answers under its public reference."""

    __tablename__ = "submissions"
    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    draft_key: Mapped[str] = mapped_column(ForeignKey("drafts.key", ondelete="CASCADE"), index=True)
    journey: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Packet(Base):
    """A finished journey's PDF, rendered once: its answers are frozen, so every download,
    .eml and email afterwards carries the very same bytes."""

    __tablename__ = "packets"
    reference: Mapped[str] = mapped_column(
        ForeignKey("submissions.reference", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Outbox(Base):
    """One row per message to send. The unique (reference, purpose) pair is what turns a
    replayed or double-clicked "send" into a single email."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("reference", "purpose"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(
        ForeignKey("submissions.reference", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    message: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted envelope + MIME bytes
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class SendCount(Base):
    """Sends counted per fixed time window, for the rate limits. `key` is a keyed hash
    (HMAC with the app's secret) of a draft or a client address, never the value itself;
    rows are deleted once their window has passed."""

    __tablename__ = "send_counts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_keys(config: dict, instance_path: str) -> MultiFernet:
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
    return MultiFernet([Fernet(k) for k in keys])


class Loaded(NamedTuple):
    data: dict
    updated_at: dt.datetime
    version: int
    raw: bytes  # the decrypted JSON as read: what this request's changes are measured against


class DraftStore:
    def __init__(self, url: str, fernet: MultiFernet, lifetime: dt.timedelta, clock=utcnow):
        # hide_parameters: a database error message (and so a log line) never carries values.
        self.engine = create_engine(url, pool_pre_ping=url.startswith("postgresql"),
                                    hide_parameters=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        with self.engine.begin() as db:
            if self.engine.dialect.name == "postgresql":
                # Several app processes may start at once on one database: one creates the
                # tables, the others wait and then find them (DDL is transactional here).
                db.execute(text("SELECT pg_advisory_xact_lock(4711)"))
            Base.metadata.create_all(db)
            # Databases made before drafts had a version get the column (every row at 0).
            if "version" not in {c["name"] for c in inspect(db).get_columns("drafts")}:
                db.execute(text("ALTER TABLE drafts ADD COLUMN version INTEGER NOT NULL DEFAULT 0"))
        # `gunicorn --preload` forks its workers from a process that has used this engine: a
        # worker must not use the pooled connection it inherits (two processes on one
        # PostgreSQL socket, or one SQLite handle). Each child starts with an empty pool.
        engine = weakref.ref(self.engine)
        os.register_at_fork(after_in_child=lambda: engine() and engine().dispose(close=False))
        self.fernet = fernet
        self.lifetime = lifetime
        self.clock = clock

    # encryption ---------------------------------------------------------------------------
    def seal(self, value) -> bytes:
        raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
        return self.fernet.encrypt(raw)

    def open(self, blob: bytes, raw=False):
        data = self.fernet.decrypt(blob)
        return data if raw else json.loads(data)

    # drafts -------------------------------------------------------------------------------
    def new_token(self) -> str:
        return secrets.token_urlsafe(32)

    # Drafts are read and written on every wizard request: plain SQL statements, no ORM
    # identity map, one statement per write in the usual case.
    def load(self, token: str) -> Loaded | None:
        """A live draft, or None if unknown, expired or unreadable."""
        with self.engine.connect() as db:
            row = db.execute(select(Draft.data, Draft.updated_at, Draft.version).where(
                Draft.key == _key(token), Draft.expires_at > self.clock())).first()
        if row is None:
            return None
        try:
            raw = self.open(row.data, raw=True)
        except InvalidToken:
            return None
        return Loaded(json.loads(raw), row.updated_at, row.version, raw)

    def _values(self, data: dict) -> dict:
        now = self.clock()
        return {"data": self.seal(data), "updated_at": now, "expires_at": now + self.lifetime}

    def save(self, token: str, data: dict, create: bool = True) -> int | None:
        """Write a draft over whatever it holds (a new draft's first write); return the
        version written. With create=False only an existing draft is updated (else None):
        a request that began before "Delete my answers" must not bring the deleted draft back."""
        values = self._values(data)
        with self.engine.begin() as db:
            version = db.execute(update(Draft).where(Draft.key == _key(token))
                                 .values(version=Draft.version + 1, **values)
                                 .returning(Draft.version)).scalar()
            if version is None and create:
                db.execute(insert(Draft).values(key=_key(token), version=1, **values))
                version = 1
            return version

    def update(self, token: str, data: dict, seen: int, base: bytes) -> int | None:
        """Write a request's draft over the version it read (`seen`, whose JSON was `base`);
        return the version written, or None if the draft was deleted meanwhile.

        Two requests of one member can run at once (an upload in one tab, a step saved in
        another), and a draft is one encrypted blob: a plain write would drop the changes
        of whichever request finished first. So the write is optimistic: it succeeds only if
        the row still holds the version this request read. If another request wrote first,
        this one reads the fresh draft, re-applies its own changes (what differs between
        `base` and `data`) to it with merge(), and tries again. The usual case costs
        nothing more than the one UPDATE; no lock is held while a request runs, and it
        works the same on SQLite and PostgreSQL."""
        for _ in range(50):
            with self.engine.begin() as db:
                if db.execute(update(Draft).where(Draft.key == _key(token), Draft.version == seen)
                              .values(version=seen + 1, **self._values(data))).rowcount:
                    return seen + 1
                row = db.execute(select(Draft.data, Draft.version)
                                 .where(Draft.key == _key(token))).first()
            if row is None:
                return None  # deleted (or purged) while this request ran: stays deleted
            theirs = self.open(row.data, raw=True)
            data = merge(json.loads(base), data, json.loads(theirs))
            base, seen = theirs, row.version
        raise RuntimeError("draft kept changing under this request")

    def touch(self, token: str) -> None:
        now = self.clock()
        with Session(self.engine) as db, db.begin():
            db.execute(update(Draft).where(Draft.key == _key(token))
                       .values(updated_at=now, expires_at=now + self.lifetime))

    def delete(self, token: str) -> list[str]:
        """Delete my answers: the draft, its uploads, submissions and unsent mail.
        Returns the references of the deleted submissions (their files go too)."""
        key = _key(token)
        with Session(self.engine) as db, db.begin():
            refs = select(Submission.reference).where(Submission.draft_key == key)
            deleted = list(db.scalars(refs))
            db.execute(delete(Outbox).where(Outbox.reference.in_(refs)))
            db.execute(delete(Packet).where(Packet.reference.in_(refs)))
            db.execute(delete(Submission).where(Submission.draft_key == key))
            db.execute(delete(Upload).where(Upload.draft_key == key))
            db.execute(delete(Draft).where(Draft.key == key))
        return deleted

    def purge_expired(self) -> int:
        """Delete expired drafts with everything that hangs off them. A draft whose mail is
        still queued is kept until that mail is sent or given up on (a few hours at most):
        purging must not lose a message the member was told would be retried."""
        now = self.clock()
        queued = (select(Outbox.id).join(Submission, Submission.reference == Outbox.reference)
                  .where(Submission.draft_key == Draft.key, Outbox.status == "queued"))
        with Session(self.engine) as db, db.begin():
            keys = list(db.scalars(select(Draft.key).where(Draft.expires_at <= now, ~exists(queued))))
            db.execute(delete(SendCount).where(SendCount.expires_at <= now))
            for start in range(0, len(keys), 500):  # bounded IN lists
                chunk = keys[start:start + 500]
                refs = select(Submission.reference).where(Submission.draft_key.in_(chunk))
                db.execute(delete(Outbox).where(Outbox.reference.in_(refs)))
                db.execute(delete(Packet).where(Packet.reference.in_(refs)))
                db.execute(delete(Submission).where(Submission.draft_key.in_(chunk)))
                db.execute(delete(Upload).where(Upload.draft_key.in_(chunk)))
                db.execute(delete(Draft).where(Draft.key.in_(chunk)))
        return len(keys)

    def existing_references(self, references: list[str]) -> set[str]:
        """Which of these submission references still exist."""
        with self.engine.connect() as db:
            return set(db.scalars(select(Submission.reference)
                                  .where(Submission.reference.in_(references))))

    # uploads ------------------------------------------------------------------------------
    def add_upload(self, token: str, content: bytes) -> str:
        upload_id = secrets.token_hex(16)
        with Session(self.engine) as db, db.begin():
            db.add(Upload(id=upload_id, draft_key=_key(token), data=self.seal(content),
                          created_at=self.clock()))
        return upload_id

    def get_upload(self, token: str, upload_id: str) -> bytes | None:
        with Session(self.engine) as db:
            row = db.get(Upload, upload_id)
            if row is None or row.draft_key != _key(token):
                return None
            return self.open(row.data, raw=True)

    def remove_upload(self, token: str, upload_id: str) -> None:
        with Session(self.engine) as db, db.begin():
            db.execute(delete(Upload).where(Upload.id == upload_id, Upload.draft_key == _key(token)))

    # submissions --------------------------------------------------------------------------
    def add_submission(self, token: str, journey: str, reference: str, answers: dict) -> bool:
        """Store a submission; False if its reference is taken (by a concurrent request)."""
        try:
            with Session(self.engine) as db, db.begin():
                db.add(Submission(reference=reference, draft_key=_key(token), journey=journey,
                                  data=self.seal(answers), created_at=self.clock()))
            return True
        except IntegrityError:
            return False

    def get_submission(self, token: str, journey: str, reference: str) -> dict | None:
        with Session(self.engine) as db:
            row = db.get(Submission, reference)
            if row is None or row.draft_key != _key(token) or row.journey != journey:
                return None
            return {"reference": row.reference, "answers": self.open(row.data),
                    "created_at": row.created_at}

    def packet(self, reference: str) -> bytes | None:
        """The stored PDF of a submission (callers have checked the submission is theirs)."""
        with self.engine.connect() as db:
            blob = db.execute(select(Packet.data).where(Packet.reference == reference)).scalar()
        return self.open(blob, raw=True) if blob is not None else None

    def keep_packet(self, reference: str, pdf: bytes) -> bytes:
        """Keep a submission's PDF; return the one kept (another request may have been first)."""
        try:
            with self.engine.begin() as db:
                db.execute(insert(Packet).values(reference=reference, data=self.seal(pdf)))
            return pdf
        except IntegrityError:
            return self.packet(reference)  # rendered at the same moment elsewhere: the first stays

    # outbox -------------------------------------------------------------------------------
    def enqueue(self, reference: str, purpose: str, envelope: dict) -> int | None:
        """Queue one message; None if this (reference, purpose) was queued before."""
        now = self.clock()
        try:
            with Session(self.engine) as db, db.begin():
                row = Outbox(reference=reference, purpose=purpose, message=self.seal(envelope),
                             status="queued", attempts=0, last_error="", next_attempt_at=now,
                             created_at=now)
                db.add(row)
                db.flush()
                return row.id
        except IntegrityError:
            return None

    def outbox_row(self, reference: str, purpose: str) -> Outbox | None:
        with Session(self.engine, expire_on_commit=False) as db:
            return db.scalars(select(Outbox).where(Outbox.reference == reference,
                                                   Outbox.purpose == purpose)).first()

    def forget_failed(self, reference: str, purpose: str) -> None:
        with self.engine.begin() as db:
            db.execute(delete(Outbox).where(Outbox.reference == reference, Outbox.purpose == purpose,
                                            Outbox.status == "failed"))

    def due_messages(self, limit: int = 20) -> list[Outbox]:
        with Session(self.engine, expire_on_commit=False) as db:
            return list(db.scalars(select(Outbox).where(
                Outbox.status == "queued", Outbox.next_attempt_at <= self.clock())
                .order_by(Outbox.id).limit(limit)))

    def claim_message(self, row_id: int, lease: dt.timedelta) -> bool:
        """Take a message for one delivery attempt. The conditional update makes sure two
        workers (or a request and the background sender) never send the same row twice."""
        now = self.clock()
        with Session(self.engine) as db, db.begin():
            result = db.execute(update(Outbox).where(
                Outbox.id == row_id, Outbox.status == "queued", Outbox.next_attempt_at <= now)
                .values(next_attempt_at=now + lease))
            return result.rowcount == 1

    def record_attempt(self, row_id: int, status: str, error: str = "",
                       retry_in: dt.timedelta | None = None) -> None:
        now = self.clock()
        values = {"status": status, "last_error": error[:500], "attempts": Outbox.attempts + 1}
        if status == "sent":
            values["sent_at"] = now
        if retry_in is not None:
            values["next_attempt_at"] = now + retry_in
        with Session(self.engine) as db, db.begin():
            db.execute(update(Outbox).where(Outbox.id == row_id).values(**values))


    # rate limits -------------------------------------------------------------------------
    def hashed(self, secret: str, value: str) -> str:
        return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()

    def count_hit(self, key: str, window: dt.timedelta) -> tuple[int, dt.datetime]:
        """Count one hit for `key` (already a keyed hash) in the current fixed window;
        return the window's count so far and when the window ends. Shared by every process
        using the database: the count lives in it."""
        now = self.clock()
        epoch = dt.datetime(2000, 1, 1)
        start = epoch + ((now - epoch) // window) * window
        ends = start + window

        def once() -> int:
            with self.engine.begin() as db:
                db.execute(delete(SendCount).where(SendCount.expires_at <= now))
                where = (SendCount.key == key, SendCount.window_start == start)
                if not db.execute(update(SendCount).where(*where)
                                  .values(count=SendCount.count + 1)).rowcount:
                    db.execute(insert(SendCount).values(key=key, window_start=start, count=1,
                                                        expires_at=ends))
                return db.execute(select(SendCount.count).where(*where)).scalar_one()
        try:
            return once(), ends
        except IntegrityError:  # another process inserted the window's row first
            return once(), ends


_MISSING = object()


def merge(base, mine, theirs):
    """Three-way merge of JSON values: this request's changes (base -> mine) applied to
    what another request saved meanwhile (theirs). Dicts merge key by key, so answers to
    different steps, or different answers of one step, never overwrite each other. Lists
    of dicts with an "id" (uploaded files) merge by id: files added or removed in one tab
    and files added in another are all kept. Anything else changed on both sides takes
    this request's value: it is the later write, as the member would expect."""
    if mine == base:
        return theirs
    if theirs == base or theirs == mine:
        return mine
    if isinstance(mine, dict) and isinstance(theirs, dict):
        base = base if isinstance(base, dict) else {}
        merged = {}
        for key in [*theirs, *(k for k in mine if k not in theirs)]:
            value = merge(base.get(key, _MISSING), mine.get(key, _MISSING), theirs.get(key, _MISSING))
            if value is not _MISSING:
                merged[key] = value
        return merged
    if all(_is_id_list(v) for v in (mine, theirs)) and (base is _MISSING or _is_id_list(base)):
        before = {i["id"]: i for i in base} if base is not _MISSING else {}
        ours, their_ids = {i["id"]: i for i in mine}, {i["id"] for i in theirs}
        kept = [merge(before.get(i["id"], _MISSING), ours.get(i["id"], _MISSING), i)
                for i in theirs if i["id"] in ours or i["id"] not in before]
        return kept + [i for i in mine if i["id"] not in before and i["id"] not in their_ids]
    return mine


def _is_id_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "id" in i for i in value)


def _sqlite_pragmas(conn, _record):
    cur = conn.cursor()
    # WAL lets readers run beside a writer; NORMAL sync is durable across app crashes.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


# --- Flask session backed by the draft ------------------------------------------------------

class DraftSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, token=None, stale=False, unavailable=False, version=0, raw=b""):
        def on_update(self):
            self.modified = True
        super().__init__(initial, on_update)
        self.token = token
        self.stale = stale  # last saved long enough ago that a read should extend the expiry
        self.version, self.raw = version, raw  # what was read: see DraftStore.update()
        self.modified = False
        self.deleted = False
        # The database could not be reached: nothing may be read or written for this request.
        self.unavailable = unavailable

    def create(self, store: DraftStore) -> str:
        """Save a new draft now (uploads need its row) and return its token."""
        self.token = store.new_token()
        self.raw = json.dumps(dict(self), separators=(",", ":")).encode()
        self.version = store.save(self.token, dict(self))
        return self.token

    def delete(self):
        """Forget this draft on the response (the store row is deleted by the caller)."""
        self.clear()
        self.deleted = True


class DraftSessionInterface(SessionInterface):
    """A database that is locked or down never shows as a stack trace: the session is
    marked unavailable (the app answers 503), and a draft that cannot be written turns the
    response into `unavailable_response(response)`, which says nothing was saved."""

    touch_after = dt.timedelta(minutes=5)

    def __init__(self, store: DraftStore, unavailable_response=None):
        self.store = store
        self.unavailable_response = unavailable_response

    def open_session(self, app: Flask, request):
        token = request.cookies.get(self.get_cookie_name(app))
        if token and len(token) < 100:
            try:
                found = self.store.load(token)
            except SQLAlchemyError as exc:
                _log_unavailable(exc, "read")
                return DraftSession(token=token, unavailable=True)
            if found is not None:
                return DraftSession(found.data, token=token, version=found.version, raw=found.raw,
                                    stale=self.store.clock() - found.updated_at > self.touch_after)
        return DraftSession()

    def save_session(self, app: Flask, session: DraftSession, response):
        if session.unavailable:
            return
        try:
            self._save(app, session, response)
        except SQLAlchemyError as exc:
            _log_unavailable(exc, "write")
            session.unavailable = True
            if self.unavailable_response is None:
                raise
            self.unavailable_response(response)

    def _save(self, app: Flask, session: DraftSession, response):
        name = self.get_cookie_name(app)
        secure = self.get_cookie_secure(app) or current_request.is_secure
        if session.deleted:
            if session.token:
                response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Lax")
            return
        if session.modified and session:
            if session.token is None:
                session.create(self.store)
            elif self.store.update(session.token, dict(session), session.version, session.raw) is None:
                response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Lax")
                return  # deleted (or expired) while this request ran: stays deleted
        elif session.token and session.stale:
            try:
                self.store.touch(session.token)
            except SQLAlchemyError as exc:  # only the expiry was to move: the page still serves
                _log_unavailable(exc, "touch")
                return
        else:
            return
        response.vary.add("Cookie")
        response.set_cookie(name, session.token, max_age=self.store.lifetime, path="/",
                            secure=secure, httponly=True, samesite="Lax")


def _log_unavailable(exc: Exception, what: str) -> None:
    # The exception's class only: its message could quote SQL (never values: hide_parameters).
    logging.getLogger(__name__).warning("draft %s failed: database unavailable (%s)", what,
                                        type(exc).__name__)
