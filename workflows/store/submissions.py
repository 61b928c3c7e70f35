"""Finished journeys: frozen answers under their public reference, and the kept PDF."""
from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .database import Database, token_key
from .models import Packet, Submission


class Submissions:
    def __init__(self, db: Database):
        self.db = db

    def add(self, token: str, journey: str, reference: str, answers: dict) -> bool:
        """Store a submission; False if its reference is taken (by a concurrent request)."""
        try:
            with Session(self.db.engine) as db, db.begin():
                db.add(Submission(reference=reference, draft_key=token_key(token), journey=journey,
                                  data=self.db.seal(answers), created_at=self.db.clock()))
            return True
        except IntegrityError:
            return False

    def get(self, token: str, journey: str, reference: str) -> dict | None:
        with Session(self.db.engine) as db:
            row = db.get(Submission, reference)
            if row is None or row.draft_key != token_key(token) or row.journey != journey:
                return None
            return {"reference": row.reference, "answers": self.db.open(row.data),
                    "created_at": row.created_at}

    def packet(self, reference: str) -> bytes | None:
        """The stored PDF of a submission (callers have checked the submission is theirs)."""
        with self.db.engine.connect() as db:
            blob = db.execute(select(Packet.data).where(Packet.reference == reference)).scalar()
        return self.db.open(blob, raw=True) if blob is not None else None

    def keep_packet(self, reference: str, pdf: bytes) -> bytes:
        """Keep a submission's PDF; return the one kept (another request may have been first)."""
        try:
            with self.db.engine.begin() as db:
                db.execute(insert(Packet).values(reference=reference, data=self.db.seal(pdf)))
            return pdf
        except IntegrityError:
            return self.packet(reference)  # rendered at the same moment elsewhere: the first stays

    def existing_references(self, references: list[str]) -> set[str]:
        """Which of these submission references still exist."""
        with self.db.engine.connect() as db:
            return set(db.scalars(select(Submission.reference)
                                  .where(Submission.reference.in_(references))))

    def finished_per_day(self) -> list[tuple[str, str, int]]:
        """(day, journey, count) of the finished journeys still kept, oldest day first: for
        `flask stats`. Counts only: nothing of the answers is read."""
        day = func.date(Submission.created_at)
        with self.db.engine.connect() as db:
            rows = db.execute(select(day, Submission.journey, func.count())
                              .group_by(day, Submission.journey).order_by(day, Submission.journey))
            return [(str(d), journey, count) for d, journey, count in rows]
