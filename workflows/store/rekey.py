"""Re-encrypting every sealed value under the newest key (`flask keys rotate`).

Not to be confused with rotation.py, which gives a draft a new cookie token when a journey
is finished; this is about the Fernet keys of DRAFT_ENCRYPTION_KEYS (newest first). To
retire a key: put the new key in front ("NEW,OLD"), restart the app (it reads both, writes
with NEW), run `flask keys rotate`, then drop OLD from the setting. Every value the app
seals (see Database.seal) is in one of the columns in SEALED.

It works in batches, each committed on its own, so an interruption loses nothing and a second
run takes up where the first stopped: a value already under the newest key is left alone.
It is safe while the app serves: values are read outside any transaction, and each is
written back only if the row still holds what was read (a draft saved meanwhile by a member
was sealed under the newest key by the app itself, and is not overwritten)."""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, update

from .database import Database
from .models import Draft, Member, Outbox, Packet, Record, SignInLink, Submission, Upload

# What the app seals: (name for the output, table, primary key, sealed column).
SEALED = (
    ("drafts", Draft, Draft.key, Draft.data),
    ("uploads", Upload, Upload.id, Upload.data),
    ("submissions", Submission, Submission.reference, Submission.data),
    ("kept packets", Packet, Packet.reference, Packet.data),
    ("outbox messages", Outbox, Outbox.id, Outbox.message),
    ("members", Member, Member.id, Member.data),
    ("member draft tokens", Member, Member.id, Member.draft),
    ("sign-in links", SignInLink, SignInLink.key, SignInLink.email),
    ("records", Record, Record.reference, Record.data),
    ("record packets", Record, Record.reference, Record.packet),
)


@dataclass
class Counts:
    rotated: int = 0  # re-encrypted under the newest key
    current: int = 0  # already under it (or rewritten or deleted by the app while this ran)
    unreadable: int = 0  # under no configured key: left as they are


class Rekeying:
    # Rows per batch, and the most sealed bytes one batch holds in memory (uploads and kept
    # packets are megabytes each).
    batch_rows = 100
    batch_bytes = 32 * 1024 * 1024

    def __init__(self, db: Database):
        self.db = db
        self.newest: Fernet = db.fernet.newest  # database.Keys

    def run(self) -> dict[str, Counts]:
        return {name: self.table(table, key, column) for name, table, key, column in SEALED}

    def table(self, table, key, column) -> Counts:
        counts, last = Counts(), None
        while True:
            ids = self._next_ids(key, last)
            if not ids:
                return counts
            changes, size = [], 0
            for row_id in ids:
                with self.db.engine.connect() as db:
                    blob = db.execute(select(column).where(key == row_id)).scalar()
                if blob is None:
                    continue  # deleted meanwhile
                if self._is_newest(blob):
                    counts.current += 1
                    continue
                try:
                    changes.append((row_id, blob, self.db.fernet.rotate(blob)))
                except InvalidToken:
                    counts.unreadable += 1
                    continue
                size += len(blob)
                if size >= self.batch_bytes:
                    self._write(table, key, column, changes, counts)
                    changes, size = [], 0
            self._write(table, key, column, changes, counts)
            last = ids[-1]

    def _next_ids(self, key, last) -> list:
        query = select(key).order_by(key).limit(self.batch_rows)
        if last is not None:
            query = query.where(key > last)
        with self.db.engine.connect() as db:
            return list(db.scalars(query))

    def _is_newest(self, blob: bytes) -> bool:
        try:
            self.newest.decrypt(blob)
            return True
        except InvalidToken:
            return False

    def _write(self, table, key, column, changes, counts: Counts) -> None:
        """One batch, one transaction: each row only if it still holds what was read."""
        if not changes:
            return
        with self.db.engine.begin() as db:
            for row_id, old, new in changes:
                if db.execute(update(table).where(key == row_id, column == old)
                              .values({column.key: new})).rowcount:
                    counts.rotated += 1
                else:
                    counts.current += 1
