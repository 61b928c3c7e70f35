"""Rotating a draft's token when a journey is finished: a token planted in a member's
browser reads nothing from then on, on every process sharing the database."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time

from sqlalchemy import DateTime, LargeBinary, delete, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from .database import token_key
from .merge import DraftBusy, merge
from .models import Draft, DraftRotation, Submission, Upload


class Rotation:
    """The rotation half of store.drafts.Drafts (its db, _values, update and _rotation_key)."""

    # How many rotations a request that read a draft may follow to save into it (one in
    # practice: another tab finished a journey while this request ran).
    max_hops = 4

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
                    values = self._values(data, new)
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
        raise DraftBusy("draft kept changing under this request")

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
