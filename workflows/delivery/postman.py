"""Sending for the member through an outbox: a replayed POST sends one email, a failed
send is retried rather than lost, and the member is told the truth."""
from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable

from sqlalchemy.exc import SQLAlchemyError

from ..engine.i18n import N_
from ..telemetry import event, metrics, reference_hash
from .letter import Letter, build_message
from .outbox_folder import OutboxFolder, member_mail_name
from .reasons import INTERRUPTED
from .smtp import converse


@dataclass(frozen=True)
class Outcome:
    # "sent", "written" (local outbox folder), "queued" (will retry), "failed", "sending"
    # (under way), "uncertain" (may have been sent: not retried without the member's say)
    status: str
    detail: str = ""  # the reason; for "written", the file's name
    at: dt.datetime | None = None  # when it was sent (UTC)
    # A message sent in numbered parts: each part's own outcome, part 1 first. The outcome
    # itself is the least advanced of theirs (one part failed: the message failed).
    parts: tuple["Outcome", ...] = ()


# From the least advanced state to the most: a message in parts is as far as its last part.
_PROGRESS = ("failed", "uncertain", "sending", "queued", "written", "sent")


def combined(parts: list[Outcome]) -> Outcome:
    """The outcome of a message sent in parts, from the outcome of each part."""
    worst = min(parts, key=lambda o: _PROGRESS.index(o.status) if o.status in _PROGRESS else 0)
    at = max((o.at for o in parts if o.at), default=None) if worst.status == "sent" else None
    return Outcome(worst.status, worst.detail, at, tuple(parts))


def send_purpose(number: int) -> str:
    """The outbox purpose of a submission's `number`-th message to the administrator: the
    first "Send it for me" is "send"; each one the member confirms after it is a message of
    its own ("send2", ...), sent once however often its form is posted."""
    return "send" if number == 1 else f"send{number}"


def part_purpose(purpose: str, number: int, total: int) -> str:
    """The outbox purpose of one part of a message sent in parts ("send-part-2-of-3"): each
    part is queued, sent and retried once, on its own."""
    return f"{purpose}-part-{number}-of-{total}"


class Unrecorded(Exception):
    """An attempt's outcome could not be written down: the row stays "sending"."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


def _backoff(attempts: int, first: float = 60.0) -> dt.timedelta:
    """The wait before the next try: `first` seconds, doubling, at most four hours."""
    return dt.timedelta(seconds=min(first * 2 ** attempts, 4 * 3600))


class Postman:
    """Queues letters in the outbox and delivers them: over SMTP when a server is
    configured, else into a local outbox folder as .eml files."""

    max_attempts = 8
    # How long one delivery attempt holds its message: far longer than any send (the SMTP
    # timeout applies per socket operation, and a message can be tens of MB), so the
    # background sender never takes a message that is still being sent.
    lease = dt.timedelta(minutes=15)
    # Waits between tries to record an attempt's outcome in a database that failed (seconds).
    record_waits = (1.0, 3.0, None)

    def __init__(self, outbox, mail_state, sender: str, folder: OutboxFolder,
                 timeout: float = 10.0, first_retry: float = 60.0, lease: float | None = None,
                 log_key: str = ""):
        self.outbox = outbox  # the outbox table (store.outbox.OutboxRows)
        self.mail_state = mail_state  # Flask-Mail's state, or None when no MAIL_SERVER is set
        self.sender = sender
        self.folder = folder
        self.jobs: list = []  # periodic work the background loop runs after each delivery round
        # Called with a reference once a message to its administrator that was waiting (one
        # piece, or its last part) has been sent by a retry: the app notes it in the member's
        # history (set by app.py; delivery knows nothing of members).
        self.on_sent: Callable[[str], None] | None = None
        self.timeout = timeout
        self.first_retry = first_retry  # seconds before the first retry; doubles each time
        if lease:
            self.lease = dt.timedelta(seconds=lease)
        self.log_key = log_key  # keys the references' hashes in the log (telemetry.reference_hash)

    def send_all(self, reference: str, purpose: str, letters: list[Letter]) -> Outcome:
        """One message, or its numbered parts (each a message of its own, queued once under
        its own purpose and tried at once, in order): the outcome of them all. A part queued
        before (sent, or still waiting) is not queued again; if every part was, this call
        sent nothing and says "already-" its state."""
        if len(letters) == 1:
            return self.send(reference, purpose, letters[0])
        outcomes = [self.send(reference, part_purpose(purpose, n, len(letters)), letter)
                    for n, letter in enumerate(letters, start=1)]
        repeated = all(o.status.startswith("already-") for o in outcomes)
        outcome = combined([replace(o, status=o.status.removeprefix("already-")) for o in outcomes])
        return replace(outcome, status="already-" + outcome.status) if repeated else outcome

    def forget(self, reference: str, purpose: str, **which) -> None:
        """outbox.forget for a message and each of its parts (a part that went is kept)."""
        self.outbox.forget(reference, purpose, **which)
        for row in self.outbox.parts(reference, purpose):
            self.outbox.forget(reference, row.purpose, **which)

    def send(self, reference: str, purpose: str, letter: Letter) -> Outcome:
        """Queue once and try at once. A second call for the same reference and purpose
        sends nothing and reports the first one's state."""
        msg = build_message(letter, self.sender)
        envelope = {
            "from": self.sender, "to": list(letter.to) + list(letter.cc),
            "primary": list(letter.to),  # the administrator's mailbox: the copy may be refused
            # <reference>-<purpose>.eml: the folder reads the reference back up to the last
            # "-" (OutboxFolder.sweep), so a part's purpose goes with underscores.
            "name": f"{reference}-{purpose.replace('-', '_')}.eml",
            "message": base64.b64encode(msg.as_bytes()).decode(),
        }
        row_id = self.outbox.enqueue(reference, purpose, envelope)
        if row_id is None:
            return self.status(reference, purpose, repeated=True)
        # send2, send3 and their parts ("send-part-1-of-2"): "send", a fixed set of labels
        metrics.MAIL_QUEUED.labels(purpose.split("-")[0].rstrip("0123456789")).inc()
        if self.outbox.claim_message(row_id, self.lease):
            self.attempt(row_id, envelope, reference=reference)
        return self.status(reference, purpose)

    def send_to_member(self, member_key: str, purpose: str, letter: Letter) -> None:
        """Queue mail to a member (a sign-in link): no submission, so no duplicate to find;
        tried at once, retried like any message. The outcome is not the member's page's
        business: that page says the same whatever happens (and whoever the address is)."""
        msg = build_message(letter, self.sender)
        envelope = {"from": self.sender, "to": list(letter.to), "primary": list(letter.to),
                    "name": member_mail_name(purpose),  # kept by the folder's sweep
                    "message": base64.b64encode(msg.as_bytes()).decode()}
        row_id = self.outbox.enqueue(None, purpose, envelope, member_key=member_key)
        metrics.MAIL_QUEUED.labels(purpose).inc()
        if self.outbox.claim_message(row_id, self.lease):
            self.attempt(row_id, envelope)

    def status(self, reference: str, purpose: str, repeated: bool = False) -> Outcome | None:
        row = self.outbox.row(reference, purpose)
        if row is None:
            parts = self.outbox.parts(reference, purpose)
            return combined([self.outcome(r) for r in parts]) if parts else None
        outcome = self.outcome(row)
        if repeated:  # another request queued it: this one sent nothing
            return Outcome("already-" + outcome.status, outcome.detail, outcome.at)
        return outcome

    def outcome(self, row) -> Outcome:
        """What became of an outbox row, as the member's page (and `flask outbox list`) tell it."""
        status, detail = row.status, row.last_error
        if status == "sending" and row.next_attempt_at <= self.outbox.clock():
            # An attempt that never recorded its outcome: the process died, or the database
            # failed, maybe after the mail server took the message.
            status, detail = "uncertain", INTERRUPTED
        elif status == "sending" and row.attempts:
            status = "queued"  # a retry under way: still "queued", with the last try's reason
        return Outcome(status, detail, row.sent_at)

    def history(self, reference: str) -> list[Outcome]:
        """The outcome of each message to the administrator for this submission, first first."""
        found = []
        while (outcome := self.status(reference, send_purpose(len(found) + 1))) is not None:
            found.append(outcome)
        return found

    @property
    def has_server(self) -> bool:
        """Whether mail goes out over SMTP (else into the outbox folder)."""
        return self.mail_state is not None

    def deliver_due(self, reference: str | None = None) -> int:
        """Deliver queued messages whose retry time has come (CLI and background use); with
        `reference`, only that submission's."""
        done = 0
        for row in self.outbox.due_messages(reference=reference):
            if self.outbox.claim_message(row.id, self.lease):
                try:
                    self.attempt(row.id, self.outbox.envelope(row), attempts=row.attempts,
                                 reference=row.reference or "")
                    if row.reference:
                        self._tell_if_sent(row.reference, row.purpose)
                except Exception as exc:  # one bad message must not stop the others
                    reason = N_("sending failed")
                    self.outbox.record_attempt(row.id, "failed", f"{reason} ({type(exc).__name__})")
                    self._report(row.reference or "", "failed", reason, row.attempts + 1)
                done += 1
        return done

    def _tell_if_sent(self, reference: str, purpose: str) -> None:
        """A retry went: if the whole message it belongs to (every part) is now sent, say so."""
        if self.on_sent is None:
            return
        whole = purpose.split("-part-")[0]  # "send-part-2-of-3" belongs to "send"
        outcome = self.status(reference, whole)
        if outcome is not None and outcome.status == "sent":
            try:
                self.on_sent(reference)
            except Exception as exc:  # the mail went: a history not updated must not undo that
                logging.getLogger(__name__).warning("sent mail not noted: %s", type(exc).__name__)

    def start_background(self, interval: float) -> None:
        """Retry queued mail every `interval` seconds in a daemon thread, then run `jobs`
        (other periodic work: the retention purge). Several processes may each run one:
        claim_message() lets only one of them take a given message."""
        def loop():
            while not self._stop.wait(interval):
                for job in (self.deliver_due, *self.jobs):
                    try:
                        job()
                    except Exception as exc:  # keep going; the reason carries no answers
                        logging.getLogger(__name__).warning("background run failed: %s", type(exc).__name__)
        self._stop = threading.Event()
        threading.Thread(target=loop, name="outbox", daemon=True).start()

    def stop_background(self) -> None:
        """Stop the retries started by start_background (an app being shut down)."""
        if hasattr(self, "_stop"):
            self._stop.set()

    def attempt(self, row_id: int, envelope: dict, attempts: int = 0, reference: str = "") -> None:
        """One delivery attempt of a claimed ("sending") row, and its outcome recorded."""
        data = base64.b64decode(envelope["message"])
        if self.mail_state is None:
            # The file's name only: where the folder is stays in the configuration, off the page.
            name = self.folder.write(envelope["name"], data)
            self._report(reference, "written", "", attempts + 1)
            self._record(row_id, "written", name)
            return
        last = attempts + 1 >= self.max_attempts
        status, detail, retry_in = converse(self.mail_state, self.timeout, envelope, data, last,
                                            _backoff(attempts, self.first_retry))
        self._report(reference, status, detail, attempts + 1)
        self._record(row_id, status, detail, retry_in)

    # Outcomes as counted and logged: "queued" after an attempt means another try will come.
    _OUTCOMES = {"sent": "sent", "written": "written", "queued": "retry", "failed": "failed",
                 "uncertain": "uncertain"}

    def _report(self, reference: str, status: str, reason: str, attempt: int) -> None:
        """Count the attempt and log it as an event: the reference only as its keyed hash, the
        reason (a fixed sentence with the server's reply code, never the file's name)."""
        outcome = self._OUTCOMES.get(status, "other")
        metrics.MAIL_ATTEMPTS.labels(outcome).inc()
        fields = {"reference_hash": reference_hash(self.log_key, reference), "attempt": attempt}
        if outcome not in ("sent", "written") and reason:
            fields["reason"] = reason
        event(f"mail {outcome}", **fields)

    def _record(self, row_id: int, status: str, detail: str, retry_in=None) -> None:
        """Note the outcome. The database may be locked or down just after the mail server
        took the message: try a few times; if it stays out of reach the row stays "sending",
        which is never retried blindly and reads as "may have been sent"."""
        for wait in self.record_waits:
            try:
                self.outbox.record_attempt(row_id, status, detail, retry_in)
                return
            except SQLAlchemyError:
                if wait is None:
                    raise Unrecorded(status) from None
                time.sleep(wait)
