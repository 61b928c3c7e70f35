""""Delete everything" for a signed-in member (issue 14.7): every row of theirs, in one
transaction, so that nothing is left half-deleted: the member, their sessions and sign-in
links, their draft with its uploads, submissions and kept packets, their history (records,
reminders) and every outbox row of theirs, sent or not (mail about their submissions and
records, and mail to them)."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from .database import Database, token_key
from .models import (Budget, Draft, DraftRotation, Member, MemberSession, Outbox, Packet, Record, Reminder, SendCount,
                     SignInLink, Submission, Upload)


class Erased(NamedTuple):
    references: list[str]  # of their submissions and records: their outbox files go too
    written: list[str]  # outbox-folder files of mail to them (sign-in links), by name


def erase_member(db: Database, member_id: str, counter_keys: tuple[str, ...] = ()) -> Erased | None:
    """Delete every row of the member, or return None when there is no such member (the
    caller removes the outbox folder's files named in the result). `counter_keys`: the
    keyed hashes of their rate-limit and budget counts (web knows how they are made)."""
    with Session(db.engine) as s, s.begin():
        member = s.get(Member, member_id)
        if member is None:
            return None
        draft_key = token_key(db.open(member.draft, raw=True).decode())
        references = sorted(set(s.scalars(select(Submission.reference).where(Submission.draft_key == draft_key)))
                            | set(s.scalars(select(Record.reference).where(Record.member_id == member_id))))
        # A message written to the outbox folder keeps its file's name as its detail.
        written = list(s.scalars(select(Outbox.last_error).where(Outbox.member_key == member.email_key,
                                                                 Outbox.status == "written")))
        for start in range(0, max(len(references), 1), 500):  # bounded IN lists
            chunk = references[start:start + 500]
            s.execute(delete(Outbox).where(or_(Outbox.reference.in_(chunk), Outbox.member_key == member.email_key)))
            s.execute(delete(Packet).where(Packet.reference.in_(chunk)))
        s.execute(delete(Reminder).where(Reminder.member_id == member_id))
        s.execute(delete(Record).where(Record.member_id == member_id))
        s.execute(delete(Submission).where(Submission.draft_key == draft_key))
        s.execute(delete(Upload).where(Upload.draft_key == draft_key))
        s.execute(delete(DraftRotation).where(DraftRotation.key == draft_key))
        s.execute(delete(Draft).where(Draft.key == draft_key))
        s.execute(delete(MemberSession).where(MemberSession.member_id == member_id))
        s.execute(delete(SignInLink).where(SignInLink.email_key == member.email_key))
        if counter_keys:
            s.execute(delete(SendCount).where(SendCount.key.in_(counter_keys)))
            s.execute(delete(Budget).where(Budget.key.in_(counter_keys)))
        s.execute(delete(Member).where(Member.id == member_id))
    return Erased(references, written)
