"""The tables. Every stored value is Fernet-encrypted (see database.Database.seal); drafts
are keyed by the SHA-256 of their cookie token, never the token itself."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Draft(Base):
    __tablename__ = "drafts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(cookie token)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    # Bumped by every write: a request saves only over the version it read (see update()).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="0")


class DraftRotation(Base):
    """How a draft came under its current key: the key it had before, and a hash of the
    one-time proof of the finishing form that moved it (so that the same form sent twice
    finds the draft again, and nothing else does). Goes with the draft."""

    __tablename__ = "draft_rotations"
    key: Mapped[str] = mapped_column(ForeignKey("drafts.key", ondelete="CASCADE"), primary_key=True)
    previous: Mapped[str] = mapped_column(String(64))
    proof: Mapped[str] = mapped_column(String(64))
    rotated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Upload(Base):
    __tablename__ = "uploads"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    draft_key: Mapped[str] = mapped_column(ForeignKey("drafts.key", ondelete="CASCADE"), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Submission(Base):
    """A finished journey: a frozen copy of the answers under its public reference."""

    __tablename__ = "submissions"
    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    draft_key: Mapped[str] = mapped_column(ForeignKey("drafts.key", ondelete="CASCADE"), index=True)
    journey: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Packet(Base):
    """A finished journey's PDF, rendered once: its answers are frozen, so every download,
    .eml and email afterwards carries the very same bytes."""

    __tablename__ = "packets"
    reference: Mapped[str] = mapped_column(
        ForeignKey("submissions.reference", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Outbox(Base):
    """One row per message to send. The unique (reference, purpose) pair is what turns a
    replayed or double-clicked "send" into a single email. Mail to a member (sign-in links,
    later reminders) has no submission: `reference` is empty and `member_key` holds the
    member's email key."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("reference", "purpose"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(
        ForeignKey("submissions.reference", ondelete="CASCADE"), index=True, nullable=True)
    member_key: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    purpose: Mapped[str] = mapped_column(String(32))
    message: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted envelope + MIME bytes
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Budget(Base):
    """Counts that guard what one member or client may store (uploads per address in a
    window; files, items and bytes per draft; one render per packet), keyed like SendCount.
    Budgets have no window: their rows start at 2000-01-01 and live until `expires_at`."""

    __tablename__ = "budgets"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class SendCount(Base):
    """Sends counted per fixed time window, for the rate limits. `key` is a keyed hash
    (HMAC with the app's secret) of a draft or a client address, never the value itself;
    rows are deleted once their window has passed."""

    __tablename__ = "send_counts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


# Members (issue 14): signing in is optional; every journey works without it. ------------------

class Member(Base):
    """A member who signed in by email link. `email_key` is a keyed hash (HMAC with the app's
    secret) of the normalised address: the address itself is only in the sealed `data`.
    `draft` is the member's draft token, sealed: the draft every signed-in device reads."""

    __tablename__ = "members"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email_key: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # {"email", "profile", "settings"}
    draft: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class MemberSession(Base):
    """A signed-in browser: the SHA-256 of its cookie token. Signing out deletes the row;
    signing out everywhere deletes every row of the member."""

    __tablename__ = "member_sessions"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class SignInLink(Base):
    """A one-time sign-in link: the SHA-256 of its token, the address it was sent to."""

    __tablename__ = "sign_in_links"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    email_key: Mapped[str] = mapped_column(String(64), index=True)
    email: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Record(Base):
    """A finished journey of a signed-in member, kept for "My claims" (written later)."""

    __tablename__ = "records"
    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    journey: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # sealed JSON
    packet: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # sealed PDF
    keep_until: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("reference", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(ForeignKey("records.reference", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
