"""The history of a signed-in member ("My claims"): one row per finished journey, its data and
kept packet sealed. Every read names the member, so a reference alone opens nothing of
another member's (IDOR-safe by construction: a record of someone else reads as None).

`data` is the sealed JSON of records_contract: patient, totals, lines, receipts, deliveries,
answer, title. The packet is kept until `keep_until`; after it the record stays (the member's
own history, totals and the administrator's answer) without its packet."""
from __future__ import annotations

import datetime as dt
from typing import Callable, NamedTuple

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from .database import Database
from .models import Record as RecordRow


class Record(NamedTuple):
    reference: str
    journey: str
    created_at: dt.datetime
    data: dict
    keep_until: dt.datetime
    has_packet: bool  # a packet is kept and still within keep_until


class Records:
    def __init__(self, db: Database):
        self.db = db

    def add(self, member_id: str, reference: str, journey: str, data: dict, packet: bytes | None,
            keep_until: dt.datetime) -> bool:
        """Write a finished journey's record; False if it exists already (a replayed finish):
        the first stays as it was."""
        try:
            with self.db.engine.begin() as db:
                db.execute(insert(RecordRow).values(
                    reference=reference, member_id=member_id, journey=journey,
                    created_at=self.db.clock(), data=self.db.seal(data),
                    packet=self.db.seal(packet) if packet is not None else None, keep_until=keep_until))
            return True
        except IntegrityError:
            return False

    def _columns(self):
        kept = and_(RecordRow.packet.is_not(None), RecordRow.keep_until > self.db.clock())
        return (RecordRow.reference, RecordRow.journey, RecordRow.created_at, RecordRow.data,
                RecordRow.keep_until, kept.label("has_packet"))

    def _record(self, row) -> Record:
        return Record(row.reference, row.journey, row.created_at, self.db.open(row.data),
                      row.keep_until, bool(row.has_packet))

    def for_member(self, member_id: str) -> list[Record]:
        """The member's records, newest first (packets are not read)."""
        with self.db.engine.connect() as db:
            rows = db.execute(select(*self._columns()).where(RecordRow.member_id == member_id)
                              .order_by(RecordRow.created_at.desc(), RecordRow.reference))
            return [self._record(row) for row in rows]

    def get(self, member_id: str, reference: str) -> Record | None:
        """The member's record of `reference`, or None (unknown, or another member's)."""
        with self.db.engine.connect() as db:
            row = db.execute(select(*self._columns()).where(
                RecordRow.reference == reference, RecordRow.member_id == member_id)).first()
        return self._record(row) if row else None

    def owner(self, reference: str) -> str | None:
        """The id of the member whose record `reference` is, or None."""
        with self.db.engine.connect() as db:
            return db.execute(select(RecordRow.member_id).where(RecordRow.reference == reference)).scalar()

    def taken(self, reference: str) -> bool:
        """Whether any member has a record of `reference` (references are never reused)."""
        with self.db.engine.connect() as db:
            return db.execute(select(RecordRow.reference).where(RecordRow.reference == reference)).first() is not None

    def save_data(self, member_id: str, reference: str, data: dict) -> bool:
        """Replace a record's data; False if the member has no such record."""
        with self.db.engine.begin() as db:
            return bool(db.execute(update(RecordRow).where(
                RecordRow.reference == reference, RecordRow.member_id == member_id)
                .values(data=self.db.seal(data))).rowcount)

    def change(self, member_id: str, reference: str, edit: Callable[[dict], dict | None]) -> dict | None:
        """Read, edit and write a record's data, over again if another request wrote it
        meanwhile (two devices noting a delivery at once both count). `edit` returns the new
        data, or None for no change. Returns the data written, or None (no such record)."""
        for _attempt in range(10):
            with self.db.engine.connect() as db:
                old = db.execute(select(RecordRow.data).where(
                    RecordRow.reference == reference, RecordRow.member_id == member_id)).scalar()
            if old is None:
                return None
            data = edit(self.db.open(old))
            if data is None:
                return self.db.open(old)
            with self.db.engine.begin() as db:
                if db.execute(update(RecordRow).where(
                        RecordRow.reference == reference, RecordRow.member_id == member_id,
                        RecordRow.data == old).values(data=self.db.seal(data))).rowcount:
                    return data
        raise RuntimeError("record kept changing")

    def packet(self, member_id: str, reference: str) -> bytes | None:
        """The kept packet, or None (another member's, none kept, or past keep_until)."""
        with self.db.engine.connect() as db:
            blob = db.execute(select(RecordRow.packet).where(
                RecordRow.reference == reference, RecordRow.member_id == member_id,
                RecordRow.keep_until > self.db.clock())).scalar()
        return self.db.open(blob, raw=True) if blob is not None else None

    def keep_packet(self, member_id: str, reference: str, pdf: bytes) -> bool:
        """Keep the packet of a record written without one (its render came later)."""
        with self.db.engine.begin() as db:
            return bool(db.execute(update(RecordRow).where(
                RecordRow.reference == reference, RecordRow.member_id == member_id,
                RecordRow.packet.is_(None)).values(packet=self.db.seal(pdf))).rowcount)

    def references(self, member_id: str) -> list[str]:
        with self.db.engine.connect() as db:
            return list(db.scalars(select(RecordRow.reference).where(RecordRow.member_id == member_id)))

    def purge(self, db) -> int:
        """Within the purge's transaction: packets past keep_until go; the record stays."""
        return db.execute(update(RecordRow).where(RecordRow.keep_until <= self.db.clock(),
                                                  RecordRow.packet.is_not(None))
                          .values(packet=None)).rowcount
