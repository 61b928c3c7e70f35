"""Drafts: a member's answers between pages, one encrypted blob per cookie token."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from typing import NamedTuple

from cryptography.fernet import InvalidToken
from sqlalchemy import DateTime, LargeBinary, delete, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .database import Database, token_key
from .models import Draft, DraftRotation, Submission, Upload


class Loaded(NamedTuple):
    data: dict
    updated_at: dt.datetime
    version: int
    raw: bytes  # the decrypted JSON as read: what this request's changes are measured against


class Drafts:
    # How many rotations a request that read a draft may follow to save into it (one in
    # practice: another tab finished a journey while this request ran).
    max_hops = 4

    def __init__(self, db: Database, lifetime: dt.timedelta, secret: str | bytes | None = None):
        self.db = db
        self.lifetime = lifetime
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

    def _values(self, data: dict) -> dict:
        now = self.db.clock()
        return {"data": self.db.seal(data), "updated_at": now, "expires_at": now + self.lifetime}

    def save(self, token: str, data: dict, create: bool = True) -> int | None:
        """Write a draft over whatever it holds (a new draft's first write); return the
        version written. With create=False only an existing draft is updated (else None):
        a request that began before "Delete my answers" must not bring the deleted draft back."""
        values = self._values(data)
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
                              .values(version=seen + 1, **self._values(data))).rowcount:
                    return seen + 1
                row = db.execute(select(Draft.data, Draft.version)
                                 .where(Draft.key == token_key(token))).first()
            if row is None:
                return None  # deleted (or purged) while this request ran: stays deleted
            theirs = self.db.open(row.data, raw=True)
            data = merge(json.loads(base), data, json.loads(theirs))
            base, seen = theirs, row.version
        raise RuntimeError("draft kept changing under this request")

    def touch(self, token: str) -> bool:
        """Move the expiry on; False if the draft is not there any more (deleted, rotated)."""
        now = self.db.clock()
        with Session(self.db.engine) as db, db.begin():
            return bool(db.execute(update(Draft).where(Draft.key == token_key(token))
                                   .values(updated_at=now, expires_at=now + self.lifetime)).rowcount)

    # Rotation ---------------------------------------------------------------------------------
    # A token planted in a member's browser (by anyone who could set a cookie for this site)
    # would read everything the member types. When a journey is finished, the draft is saved
    # under a new token and its row, uploads and submissions move there in one transaction:
    # the old token reads nothing from then on, in every process sharing the database.
    #
    # Who gets the new token: the finishing request, and a request that proves it is the same
    # form sent again (a double click, a resubmission: the form's one-time `proof`, which only
    # the page the member was shown carries). Other requests that read the draft before the
    # move (another tab) keep their changes, merged into the moved draft, but are never told
    # where it went. The new token is derived from the old one with the app's secret, so every
    # process finds the same one; without the secret it cannot be worked out.

    def successor(self, token: str) -> str:
        """The token of a draft read under `token` after its rotation (43 characters, the
        shape of a new token)."""
        digest = hmac.new(self._rotation_key, token.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def update_rotated(self, token: str, data: dict, seen: int, base: bytes,
                       proof: str) -> tuple[str, bool] | None:
        """Save a finishing request's draft (read as version `seen`, JSON `base`) under the
        token's successor, moving its uploads and submissions along; the old row is gone in
        the same transaction. `proof` is the hash of the finishing form's one-time proof.

        Returns (the new token, whether this request may have it): True when this request
        moved the draft, or when a concurrent request moved it with the same proof (the same
        form sent twice); otherwise this request's changes are merged into the moved draft and
        it may not. None if the draft was deleted meanwhile."""
        new = self.successor(token)
        old_key, new_key = token_key(token), token_key(new)
        for _ in range(50):
            try:
                with self.db.engine.begin() as db:
                    if self.db.engine.dialect.name == "postgresql":
                        # Lock the row first: an upload inserted meanwhile waits, then finds its
                        # draft gone (and follows it), rather than being cascaded away below.
                        db.execute(select(Draft.key).where(Draft.key == old_key).with_for_update())
                    # (On SQLite this first write takes the write lock: writers queue.)
                    values = self._values(data)
                    moved = db.execute(insert(Draft).from_select(
                        ["key", "data", "updated_at", "expires_at", "version"],
                        select(literal(new_key), literal(values["data"], LargeBinary),
                               literal(values["updated_at"], DateTime),
                               literal(values["expires_at"], DateTime), Draft.version + 1)
                        .where(Draft.key == old_key, Draft.version == seen))).rowcount
                    if moved:
                        db.execute(update(Upload).where(Upload.draft_key == old_key)
                                   .values(draft_key=new_key))
                        db.execute(update(Submission).where(Submission.draft_key == old_key)
                                   .values(draft_key=new_key))
                        db.execute(delete(Draft).where(Draft.key == old_key))
                        db.execute(insert(DraftRotation).values(
                            key=new_key, previous=old_key, proof=proof, rotated_at=values["updated_at"]))
                        return new, True
                    row = db.execute(select(Draft.data, Draft.version)
                                     .where(Draft.key == old_key)).first()
            except IntegrityError:  # a concurrent finish has just moved it to the same key
                row = None
            if row is None:  # moved by a concurrent finish (or deleted): merge into it there
                adopted = self.proven_successor(token, proof) is not None
                if self.update(new, data, seen, base) is None:
                    return None
                return new, adopted
            theirs = self.db.open(row.data, raw=True)  # saved meanwhile: merge, try again
            data = merge(json.loads(base), data, json.loads(theirs))
            base, seen = theirs, row.version
        raise RuntimeError("draft kept changing under this request")

    def proven_successor(self, token: str, proof: str) -> str | None:
        """The new token of a draft that a finishing form with this `proof` moved away from
        `token`; None unless that very form did (and the draft is still there)."""
        moved = self.moved_by(token)
        return moved[0] if moved and proof and hmac.compare_digest(moved[1], proof) else None

    def moved_by(self, token: str) -> tuple[str, str] | None:
        """(new token, hash of the finishing form's proof) if a finish moved the draft away
        from `token` (and it is still there); else None."""
        new = self.successor(token)
        with self.db.engine.connect() as db:
            stored = db.execute(select(DraftRotation.proof).where(
                DraftRotation.key == token_key(new), DraftRotation.previous == token_key(token))).scalar()
        return (new, stored) if stored is not None else None

    # A duplicate of a finish that may not be given the new token answers this long after the
    # rotation at the earliest: by then the browser that sent both has the finishing answer,
    # and its cookie, so the duplicate's redirect finds the journey under the new token.
    settle = dt.timedelta(seconds=1)

    def wait_until_settled(self, token: str) -> None:
        """Wait until `settle` has passed since the draft now under `token` was rotated."""
        with self.db.engine.connect() as db:
            at = db.execute(select(DraftRotation.rotated_at)
                            .where(DraftRotation.key == token_key(token))).scalar()
        if at is not None:
            left = (at + self.settle - self.db.clock()).total_seconds()
            time.sleep(min(max(left, 0.0), self.settle.total_seconds()))

    def live_token(self, token: str) -> str | None:
        """Where a draft read under `token` is now: `token` itself, or where a finish moved it
        while a request ran; None if it was deleted. For writes of a request that read the
        draft under `token`: the token found is never handed to the browser."""
        chain = [token]
        for _ in range(self.max_hops):
            chain.append(self.successor(chain[-1]))
        keys = {token_key(t): t for t in chain}
        with self.db.engine.connect() as db:
            found = set(db.scalars(select(Draft.key).where(Draft.key.in_(list(keys)))))
        return next((t for key, t in keys.items() if key in found), None)


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
