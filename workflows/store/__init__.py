"""Server-side state, encrypted at rest, one module per table: drafts, uploads, submissions
(with their kept PDFs), the outbox, rate-limit counts, members with their sessions, and
sign-in links. `Store` holds them over one
database and owns what spans them all: deleting a member's data and purging expired drafts.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from .database import Database, Keys, load_keys, token_key, utcnow
from .adoption import adopt
from .drafts import Drafts
from .merge import merge
from .limits import SendLimits
from .members import MemberData, Members, email_key, normalise_email
from .models import Budget, Draft, Outbox, Packet, SendCount, Submission, Upload
from .outbox import OutboxRows
from .rekey import Counts, Rekeying
from .session import DraftSession, DraftSessionInterface
from .sign_in import SignInLinks
from .submissions import Submissions
from .uploads import Uploads


class Store:
    # Mail to members (sign-in links) is dropped this long after it was queued: a link in it
    # is dead long before.
    member_mail_kept = dt.timedelta(days=1)

    def __init__(self, url: str, fernet: Keys, lifetime: dt.timedelta, clock=utcnow,
                 secret: str | bytes | None = None, member_lifetime: dt.timedelta | None = None,
                 link_lifetime: dt.timedelta = dt.timedelta(minutes=15)):
        self.db = Database(url, fernet, clock)
        self.engine = self.db.engine
        # The secret derives rotated tokens; a signed-in member's draft lives member_lifetime.
        self.drafts = Drafts(self.db, lifetime, secret, member_lifetime)
        self.members = Members(self.db, member_lifetime or lifetime)
        self.sign_in_links = SignInLinks(self.db, link_lifetime)
        self.uploads = Uploads(self.db)
        self.submissions = Submissions(self.db)
        self.outbox = OutboxRows(self.db)
        self.limits = SendLimits(self.db)

    def rekey(self) -> dict[str, Counts]:
        """Re-encrypt every sealed value under the newest key (see rekey.py)."""
        return Rekeying(self.db).run()

    def adopt(self, anonymous: str | None, member_draft: str) -> None:
        """Signing in: this browser's anonymous draft joins the member's (see adoption.py)."""
        adopt(self.drafts, anonymous, member_draft)

    def delete(self, token: str) -> list[str]:
        """Delete my answers: the draft, its uploads, submissions and unsent mail.
        Returns the references of the deleted submissions (their files go too). A draft
        rotated while the request ran (another tab finished a journey) is deleted where it is."""
        key = token_key(self.drafts.live_token(token) or token)
        with Session(self.db.engine) as db, db.begin():
            refs = select(Submission.reference).where(Submission.draft_key == key)
            deleted = list(db.scalars(refs))
            db.execute(delete(Outbox).where(Outbox.reference.in_(refs)))
            db.execute(delete(Packet).where(Packet.reference.in_(refs)))
            db.execute(delete(Submission).where(Submission.draft_key == key))
            db.execute(delete(Upload).where(Upload.draft_key == key))
            db.execute(delete(Draft).where(Draft.key == key))
        return deleted

    def purge_expired(self) -> int:
        """Delete expired drafts with everything that hangs off them. A draft whose mail is
        still queued is kept until that mail is sent or given up on (a few hours at most):
        purging must not lose a message the member was told would be retried."""
        now = self.db.clock()
        queued = (select(Outbox.id).join(Submission, Submission.reference == Outbox.reference)
                  .where(Submission.draft_key == Draft.key, Outbox.status.in_(("queued", "sending"))))
        with Session(self.db.engine) as db, db.begin():
            keys = list(db.scalars(select(Draft.key).where(Draft.expires_at <= now, ~exists(queued))))
            db.execute(delete(SendCount).where(SendCount.expires_at <= now))
            db.execute(delete(Budget).where(Budget.expires_at <= now))
            self.sign_in_links.purge(db)
            self.members.purge(db)
            db.execute(delete(Outbox).where(Outbox.reference.is_(None),
                                            Outbox.created_at <= now - self.member_mail_kept))
            for start in range(0, len(keys), 500):  # bounded IN lists
                chunk = keys[start:start + 500]
                refs = select(Submission.reference).where(Submission.draft_key.in_(chunk))
                db.execute(delete(Outbox).where(Outbox.reference.in_(refs)))
                db.execute(delete(Packet).where(Packet.reference.in_(refs)))
                db.execute(delete(Submission).where(Submission.draft_key.in_(chunk)))
                db.execute(delete(Upload).where(Upload.draft_key.in_(chunk)))
                db.execute(delete(Draft).where(Draft.key.in_(chunk)))
        return len(keys)


__all__ = ["DraftSession", "DraftSessionInterface", "MemberData", "Store", "email_key", "load_keys",
           "merge", "normalise_email", "token_key", "utcnow"]
