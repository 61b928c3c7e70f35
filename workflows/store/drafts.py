"""Drafts: a member's answers between pages, one encrypted blob per cookie token."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import NamedTuple

from cryptography.fernet import InvalidToken
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from .database import Database, token_key
from .members import MEMBER_TOKEN_PREFIX
from .merge import DraftBusy, merge
from .models import Draft
from .rotation import Rotation


class Loaded(NamedTuple):
    data: dict
    updated_at: dt.datetime
    version: int
    raw: bytes  # the decrypted JSON as read: what this request's changes are measured against


class Drafts(Rotation):
    """Drafts by cookie token: read, saved over the version read, kept alive, moved on
    (rotation.Rotation)."""

    def __init__(self, db: Database, lifetime: dt.timedelta, secret: str | bytes | None = None,
                 member_lifetime: dt.timedelta | None = None):
        self.db = db
        self.lifetime = lifetime
        # A signed-in member's draft (its token starts with MEMBER_TOKEN_PREFIX) lives longer.
        self.member_lifetime = member_lifetime or lifetime
        secret = secret.encode() if isinstance(secret, str) else secret
        # Keyed with the app's secret, which every process sharing the database shares.
        self._rotation_key = hmac.new(secret or secrets.token_bytes(32), b"draft-token-rotation",
                                      hashlib.sha256).digest()

    def clock(self) -> dt.datetime:
        return self.db.clock()

    def new_token(self) -> str:
        return secrets.token_urlsafe(32)

    # Drafts are read and written on every wizard request: plain SQL statements, no ORM
    # identity map, one statement per write in the usual case.
    def load(self, token: str) -> Loaded | None:
        """A live draft, or None if unknown, expired or unreadable."""
        with self.db.engine.connect() as db:
            row = db.execute(select(Draft.data, Draft.updated_at, Draft.version).where(
                Draft.key == token_key(token), Draft.expires_at > self.db.clock())).first()
        if row is None:
            return None
        try:
            raw = self.db.open(row.data, raw=True)
        except InvalidToken:
            return None
        return Loaded(json.loads(raw), row.updated_at, row.version, raw)

    def lifetime_of(self, token: str) -> dt.timedelta:
        return self.member_lifetime if token.startswith(MEMBER_TOKEN_PREFIX) else self.lifetime

    def _values(self, data: dict, token: str) -> dict:
        now = self.db.clock()
        return {"data": self.db.seal(data), "updated_at": now, "expires_at": now + self.lifetime_of(token)}

    def save(self, token: str, data: dict, create: bool = True) -> int | None:
        """Write a draft over whatever it holds (a new draft's first write); return the
        version written. With create=False only an existing draft is updated (else None):
        a request that began before "Delete my answers" must not bring the deleted draft back."""
        values = self._values(data, token)
        with self.db.engine.begin() as db:
            version = db.execute(update(Draft).where(Draft.key == token_key(token))
                                 .values(version=Draft.version + 1, **values)
                                 .returning(Draft.version)).scalar()
            if version is None and create:
                db.execute(insert(Draft).values(key=token_key(token), version=1, **values))
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
            with self.db.engine.begin() as db:
                if db.execute(update(Draft).where(Draft.key == token_key(token), Draft.version == seen)
                              .values(version=seen + 1, **self._values(data, token))).rowcount:
                    return seen + 1
                row = db.execute(select(Draft.data, Draft.version)
                                 .where(Draft.key == token_key(token))).first()
            if row is None:
                return None  # deleted (or purged) while this request ran: stays deleted
            theirs = self.db.open(row.data, raw=True)
            data = merge(json.loads(base), data, json.loads(theirs))
            base, seen = theirs, row.version
        raise DraftBusy("draft kept changing under this request")

    def touch(self, token: str) -> bool:
        """Move the expiry on; False if the draft is not there any more (deleted, rotated)."""
        now = self.db.clock()
        with Session(self.db.engine) as db, db.begin():
            return bool(db.execute(update(Draft).where(Draft.key == token_key(token))
                                   .values(updated_at=now, expires_at=now + self.lifetime_of(token))).rowcount)

    # Rotation ---------------------------------------------------------------------------------
    # A token planted in a member's browser (by anyone who could set a cookie for this site)
    # would read everything the member types. When a journey is finished, the draft is saved
    # under a new token and its row, uploads and submissions move there in one transaction:
    # the old token reads nothing from then on, in every process sharing the database.
    #
