"""The reminders table (issue 14.5): one row per follow-up of a member's record, made from the
records themselves (a record of a journey that has a follow-up, with no row of that kind yet),
so no page has to remember to schedule one.

`sent_at` says the row is settled: the reminder was sent, or it was no longer wanted when it
fell due (an answer recorded, reminders turned off). Settling is one conditional UPDATE
(`... WHERE sent_at IS NULL`): of several processes sending at once (workers, cron, the
background loop) on one database, exactly one takes a given reminder."""
from __future__ import annotations

import datetime as dt
from typing import Callable, NamedTuple

from sqlalchemy import exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .database import Database
from .models import Member, Record, Reminder


class DueReminder(NamedTuple):
    id: int
    member_id: str
    member_key: str  # the member's email key: the outbox row of the reminder carries it
    reference: str
    kind: str
    due_at: dt.datetime


class RecordSeen(NamedTuple):
    """A record, as the follow-ups read it: plain values, its data opened."""

    reference: str
    journey: str
    created_at: dt.datetime
    data: dict


class ReminderRows:
    def __init__(self, db: Database):
        self.db = db

    def schedule_missing(self, kinds: dict[str, str], due: Callable[[RecordSeen], dt.datetime],
                         batch: int = 500) -> int:
        """Make the missing rows: for each record of a journey in `kinds` (journey -> kind)
        without a row of its kind, one due at `due(record)`. Two processes doing this at once
        make one row (the unique reference + kind); the other's insert is skipped."""
        made = 0
        for journey, kind in kinds.items():
            has_row = exists().where(Reminder.reference == Record.reference, Reminder.kind == kind)
            with self.db.engine.connect() as db:
                rows = db.execute(select(Record.reference, Record.member_id, Record.created_at, Record.data)
                                  .where(Record.journey == journey, ~has_row).limit(batch)).all()
            for row in rows:
                seen = RecordSeen(row.reference, journey, row.created_at, self.db.open(row.data))
                try:
                    with self.db.engine.begin() as db:
                        db.execute(insert(Reminder).values(member_id=row.member_id, reference=row.reference,
                                                           kind=kind, due_at=due(seen)))
                    made += 1
                except IntegrityError:
                    continue
        return made

    def due(self, limit: int = 100) -> list[DueReminder]:
        with self.db.engine.connect() as db:
            rows = db.execute(select(Reminder.id, Reminder.member_id, Member.email_key, Reminder.reference,
                                     Reminder.kind, Reminder.due_at)
                              .join(Member, Member.id == Reminder.member_id)
                              .where(Reminder.sent_at.is_(None), Reminder.due_at <= self.db.clock())
                              .order_by(Reminder.due_at, Reminder.id).limit(limit)).all()
        return [DueReminder(*row) for row in rows]

    def claim(self, reminder_id: int) -> bool:
        """Settle a due reminder for this process: True for exactly one of those who try."""
        now = self.db.clock()
        with self.db.engine.begin() as db:
            return db.execute(update(Reminder).where(Reminder.id == reminder_id, Reminder.sent_at.is_(None),
                                                     Reminder.due_at <= now)
                              .values(sent_at=now)).rowcount == 1

    def release(self, reminder_id: int, due_at: dt.datetime | None = None) -> None:
        """Unsettle a claimed reminder: its mail could not be queued, or it falls due later
        than thought (the record says it was sent later)."""
        values = {"sent_at": None, **({"due_at": due_at} if due_at else {})}
        with self.db.engine.begin() as db:
            db.execute(update(Reminder).where(Reminder.id == reminder_id).values(**values))

    def record(self, member_id: str, reference: str) -> RecordSeen | None:
        """The member's record of that reference (None if it is gone, or another member's)."""
        with self.db.engine.connect() as db:
            row = db.execute(select(Record.reference, Record.journey, Record.created_at, Record.data)
                             .where(Record.reference == reference, Record.member_id == member_id)).first()
        return RecordSeen(row.reference, row.journey, row.created_at, self.db.open(row.data)) if row else None

    def for_member(self, member_id: str) -> list[Reminder]:
        with Session(self.db.engine, expire_on_commit=False) as db:
            return list(db.scalars(select(Reminder).where(Reminder.member_id == member_id)
                                   .order_by(Reminder.due_at, Reminder.id)))
