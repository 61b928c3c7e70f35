"""Members and their signed-in browsers.

A member is found by `email_key`, a keyed hash of the normalised address (the address itself
is sealed in `data`). Each member has one draft, under a draft token of its own (sealed in
the row, never a cookie: see MEMBER_TOKEN_PREFIX), read by every browser signed in as them.
A signed-in browser's cookie holds a session token, stored as its SHA-256 in member_sessions."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import NamedTuple

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .database import Database, token_key
from .models import Member, MemberSession

# Member draft tokens start with this; cookie tokens (token_urlsafe) never contain a ".", so a
# member's draft token sent as a cookie is refused (store/session.py) and only a session
# (which signing out ends) reaches the member's draft.
MEMBER_TOKEN_PREFIX = "m."


def normalise_email(address: str) -> str:
    return address.strip().lower()


def email_key(secret: str | bytes, address: str) -> str:
    """The keyed hash members are found by: HMAC-SHA256 under the app's secret, so that the
    database alone does not tell whether an address is a member."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, b"member-email:" + normalise_email(address).encode(), hashlib.sha256).hexdigest()


class MemberData(NamedTuple):
    id: str
    data: dict  # {"email": ..., "profile": {...}, "settings": {...}}, decrypted


class SignedIn(NamedTuple):
    member_id: str
    draft_token: str


def new_member_data(email: str) -> dict:
    return {"email": email, "profile": {}, "settings": {"reminders": True}}


class Members:
    def __init__(self, db: Database, session_lifetime: dt.timedelta):
        self.db = db
        self.session_lifetime = session_lifetime

    # Members --------------------------------------------------------------------------------
    def get(self, member_id: str) -> MemberData | None:
        with self.db.engine.connect() as db:
            blob = db.execute(select(Member.data).where(Member.id == member_id)).scalar()
        return MemberData(member_id, self.db.open(blob)) if blob is not None else None

    def save_data(self, member_id: str, data: dict) -> bool:
        """Replace a member's data (sealed); False if there is no such member."""
        with self.db.engine.begin() as db:
            return bool(db.execute(update(Member).where(Member.id == member_id)
                                   .values(data=self.db.seal(data))).rowcount)

    def find_or_create(self, key: str, email: str, earlier_keys: tuple[str, ...] = ()) -> str:
        """The id of the member with this email key, made now if it is new (a link was used).
        `earlier_keys`: the address's keys under earlier secrets (SECRET_KEY_FALLBACKS): a
        member found under one of them is moved to `key`."""
        for _attempt in range(2):
            with self.db.engine.begin() as db:
                found = db.execute(select(Member.id).where(Member.email_key == key)).scalar()
                for earlier in earlier_keys if found is None else ():
                    found = db.execute(select(Member.id).where(Member.email_key == earlier)).scalar()
                    if found is not None:
                        db.execute(update(Member).where(Member.id == found).values(email_key=key))
                        break
            if found is not None:
                return found
            member_id = secrets.token_hex(16)
            draft = MEMBER_TOKEN_PREFIX + secrets.token_urlsafe(32)
            try:
                with self.db.engine.begin() as db:
                    db.execute(insert(Member).values(
                        id=member_id, email_key=key, data=self.db.seal(new_member_data(email)),
                        draft=self.db.seal(draft.encode()), created_at=self.db.clock()))
                return member_id
            except IntegrityError:  # the same address signed in at the same moment elsewhere
                continue
        raise RuntimeError("member could not be found or made")

    def draft_token(self, member_id: str) -> str | None:
        with self.db.engine.connect() as db:
            blob = db.execute(select(Member.draft).where(Member.id == member_id)).scalar()
        return self.db.open(blob, raw=True).decode() if blob is not None else None

    # Sessions -------------------------------------------------------------------------------
    def start_session(self, member_id: str) -> str:
        """A new signed-in browser: its cookie token (only its SHA-256 is kept)."""
        token = secrets.token_urlsafe(32)
        now = self.db.clock()
        with self.db.engine.begin() as db:
            db.execute(insert(MemberSession).values(key=token_key(token), member_id=member_id,
                                                    created_at=now, expires_at=now + self.session_lifetime))
        return token

    def session(self, token: str) -> SignedIn | None:
        """The member and draft token of a live session cookie, or None."""
        with self.db.engine.connect() as db:
            row = db.execute(select(Member.id, Member.draft)
                             .join(MemberSession, MemberSession.member_id == Member.id)
                             .where(MemberSession.key == token_key(token),
                                    MemberSession.expires_at > self.db.clock())).first()
        return SignedIn(row.id, self.db.open(row.draft, raw=True).decode()) if row else None

    def touch_session(self, token: str) -> None:
        """A signed-in browser in use: its session lives on as long as its draft does."""
        with self.db.engine.begin() as db:
            db.execute(update(MemberSession).where(MemberSession.key == token_key(token))
                       .values(expires_at=self.db.clock() + self.session_lifetime))

    def end_session(self, token: str) -> None:
        with self.db.engine.begin() as db:
            db.execute(delete(MemberSession).where(MemberSession.key == token_key(token)))

    def end_every_session(self, member_id: str) -> int:
        with self.db.engine.begin() as db:
            return db.execute(delete(MemberSession).where(MemberSession.member_id == member_id)).rowcount

    def purge(self, db) -> None:
        """Within the purge's transaction: sessions past their time go."""
        db.execute(delete(MemberSession).where(MemberSession.expires_at <= self.db.clock()))
