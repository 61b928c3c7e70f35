"""The outbox table: one row per message to send, taken by one sender at a time."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .database import Database
from .models import Outbox


class OutboxRows:
    def __init__(self, db: Database):
        self.db = db

    def clock(self) -> dt.datetime:
        return self.db.clock()

    def envelope(self, row: Outbox) -> dict:
        """A queued message's envelope, decrypted."""
        return self.db.open(row.message)

    def enqueue(self, reference: str | None, purpose: str, envelope: dict,
                member_key: str | None = None) -> int | None:
        """Queue one message; None if this (reference, purpose) was queued before. Mail to a
        member has no reference but the member's email key (and is never a duplicate)."""
        now = self.db.clock()
        try:
            with Session(self.db.engine) as db, db.begin():
                row = Outbox(reference=reference, member_key=member_key, purpose=purpose,
                             message=self.db.seal(envelope),
                             status="queued", attempts=0, last_error="", next_attempt_at=now,
                             created_at=now)
                db.add(row)
                db.flush()
                return row.id
        except IntegrityError:
            return None

    def row(self, reference: str, purpose: str) -> Outbox | None:
        with Session(self.db.engine, expire_on_commit=False) as db:
            return db.scalars(select(Outbox).where(Outbox.reference == reference,
                                                   Outbox.purpose == purpose)).first()

    def parts(self, reference: str, purpose: str) -> list[Outbox]:
        """The rows of a message sent in numbered parts (purpose "send-part-2-of-3"), part 1
        first; [] for a message in one piece."""
        with Session(self.db.engine, expire_on_commit=False) as db:
            rows = db.scalars(select(Outbox).where(Outbox.reference == reference,
                                                   Outbox.purpose.like(f"{purpose}-part-%")))
            return sorted(rows, key=lambda row: int(row.purpose.rsplit("-part-", 1)[1].split("-")[0]))

    def forget(self, reference: str, purpose: str, uncertain: bool = False,
               unsent: bool = False) -> None:
        """Drop a failed message so that it can be sent again; with `uncertain`, also one
        that may have been sent (the member said to send it again); with `unsent`, also one
        written to the outbox folder or waiting for a retry (the member sends it now, through
        a mail server set up since). Never an attempt still under way."""
        ended = Outbox.status == "failed"
        if uncertain:
            ended = ended | (Outbox.status == "uncertain") | (
                (Outbox.status == "sending") & (Outbox.next_attempt_at <= self.db.clock()))
        if unsent:
            ended = ended | (Outbox.status == "written") | (Outbox.status == "queued")
        with self.db.engine.begin() as db:
            db.execute(delete(Outbox).where(Outbox.reference == reference, Outbox.purpose == purpose,
                                            ended))

    def oldest_queued(self) -> dt.datetime | None:
        """When the oldest message still waiting to be sent was queued (readiness)."""
        with Session(self.db.engine) as db:
            return db.scalar(select(func.min(Outbox.created_at)).where(Outbox.status == "queued"))

    def due_messages(self, limit: int = 20, reference: str | None = None) -> list[Outbox]:
        due = select(Outbox).where(Outbox.status == "queued", Outbox.next_attempt_at <= self.db.clock())
        if reference is not None:
            due = due.where(Outbox.reference == reference)
        with Session(self.db.engine, expire_on_commit=False) as db:
            return list(db.scalars(due.order_by(Outbox.id).limit(limit)))

    # For the operator (`flask outbox ...`): rows by submission reference. ------------------
    def every_row(self) -> list[Outbox]:
        with Session(self.db.engine, expire_on_commit=False) as db:
            return list(db.scalars(select(Outbox).order_by(Outbox.created_at, Outbox.id)))

    def by_reference(self, reference: str) -> list[Outbox]:
        with Session(self.db.engine, expire_on_commit=False) as db:
            return list(db.scalars(select(Outbox).where(Outbox.reference == reference)))

    def _unsent(self):
        """Rows not sent and not being sent: queued, failed, or an attempt that never noted
        its outcome (its hold has passed: "may have been sent")."""
        return (Outbox.status.in_(("queued", "failed"))
                | ((Outbox.status == "sending") & (Outbox.next_attempt_at <= self.db.clock())))

    def requeue(self, reference: str) -> int:
        """Make a submission's unsent mail due now (its tries so far are kept); the count."""
        with self.db.engine.begin() as db:
            return db.execute(update(Outbox).where(Outbox.reference == reference, self._unsent())
                              .values(status="queued", next_attempt_at=self.db.clock())).rowcount

    def discard(self, reference: str) -> int:
        """Delete a submission's unsent mail, so that nothing sends it; the count."""
        with self.db.engine.begin() as db:
            return db.execute(delete(Outbox).where(Outbox.reference == reference,
                                                   self._unsent())).rowcount

    def claim_message(self, row_id: int, lease: dt.timedelta) -> bool:
        """Take a message for one delivery attempt. The conditional update makes sure two
        workers (or a request and the background sender) never send the same row twice."""
        now = self.db.clock()
        with Session(self.db.engine) as db, db.begin():
            # "sending" until the attempt is recorded: a row left so (the process died, or the
            # database failed just after the mail server took it) is never sent blindly again.
            result = db.execute(update(Outbox).where(
                Outbox.id == row_id, Outbox.status == "queued", Outbox.next_attempt_at <= now)
                .values(status="sending", next_attempt_at=now + lease))
            return result.rowcount == 1

    def record_attempt(self, row_id: int, status: str, error: str = "",
                       retry_in: dt.timedelta | None = None) -> None:
        now = self.db.clock()
        values = {"status": status, "last_error": error[:500], "attempts": Outbox.attempts + 1}
        if status == "sent":
            values["sent_at"] = now
        if retry_in is not None:
            values["next_attempt_at"] = now + retry_in
        with Session(self.db.engine) as db, db.begin():
            db.execute(update(Outbox).where(Outbox.id == row_id).values(**values))
