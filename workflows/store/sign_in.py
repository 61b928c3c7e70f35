"""One-time sign-in links: a random token mailed to the member, stored only as its SHA-256,
valid for a few minutes, used once (even when two clicks arrive together)."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import NamedTuple

from sqlalchemy import delete, insert, select, update

from .database import Database, token_key
from .models import SignInLink


class UsedLink(NamedTuple):
    email_key: str
    email: str


class SignInLinks:
    def __init__(self, db: Database, lifetime: dt.timedelta):
        self.db = db
        self.lifetime = lifetime

    def create(self, email_key: str, email: str) -> str:
        """A new link's token for this address (the caller mails it; it is not kept)."""
        token = secrets.token_urlsafe(32)
        now = self.db.clock()
        with self.db.engine.begin() as db:
            db.execute(insert(SignInLink).values(
                key=token_key(token), email_key=email_key, email=self.db.seal(email),
                created_at=now, expires_at=now + self.lifetime, used_at=None))
        return token

    def usable(self, token: str) -> str | None:
        """The address a link would sign in now, or None (the landing page's question; it
        uses nothing up)."""
        with self.db.engine.connect() as db:
            blob = db.execute(select(SignInLink.email).where(*self._live(token))).scalar()
        return self.db.open(blob) if blob is not None else None

    def use(self, token: str) -> UsedLink | None:
        """Mark the link used and return its address; None if unknown, expired or used. One
        conditional UPDATE: of two clicks at the same moment, exactly one gets the address."""
        now = self.db.clock()
        with self.db.engine.begin() as db:
            if not db.execute(update(SignInLink).where(*self._live(token))
                              .values(used_at=now)).rowcount:
                return None
            row = db.execute(select(SignInLink.email_key, SignInLink.email)
                             .where(SignInLink.key == token_key(token))).one()
        return UsedLink(row.email_key, self.db.open(row.email))

    def _live(self, token: str):
        return (SignInLink.key == token_key(token), SignInLink.used_at.is_(None),
                SignInLink.expires_at > self.db.clock())

    def purge(self, db) -> None:
        """Within the purge's transaction: links past their time (used or not) go."""
        db.execute(delete(SignInLink).where(SignInLink.expires_at <= self.db.clock()))
