"""Getting a finished journey to the administrator: mailto: link, .eml draft, or sent for
the member through an outbox.

`Letter` is what a journey produces; `mailto_href` and `eml_bytes` are pure functions
of it. Sending goes through the outbox table so that a replayed POST sends one email,
a failed send is retried rather than lost, and the member is told the truth.
"""
from __future__ import annotations

import base64
import datetime as dt
import logging
import smtplib
import socket
import ssl
import threading
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import quote

import flask_mail

from .drafts import DraftStore
from .fields import LINE_BREAKING
from .plan import N_


class HeaderError(ValueError):
    """A value that would become a mail header contains a line break or control character."""


def check_header(value: str) -> str:
    if any(unicodedata.category(c) in LINE_BREAKING for c in value):
        raise HeaderError("line breaks and control characters are not allowed in mail headers")
    return value


@dataclass(frozen=True)
class Letter:
    to: tuple[str, ...]
    subject: str
    body: str  # the full plain-text body: sent mail and .eml
    short_body: str  # the mailto: body: no bank details, under the plan's length limit
    reply_to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (filename, media type, content)

    def __post_init__(self):
        for value in (*self.to, self.subject, *self.reply_to, *self.cc,
                      *(name for name, _, _ in self.attachments)):
            check_header(value)


def mailto_href(letter: Letter) -> str:
    """RFC 6068: percent-encoded, line breaks as %0D%0A, recipients from the letter only."""
    body = letter.short_body.replace("\r\n", "\n").replace("\n", "\r\n")
    return (f"mailto:{','.join(quote(a, safe='@') for a in letter.to)}"
            f"?subject={quote(letter.subject, safe='')}&body={quote(body, safe='')}")


def build_message(letter: Letter, sender: str | None, unsent: bool = False) -> EmailMessage:
    msg = EmailMessage(policy=SMTP_POLICY)
    if sender:
        msg["From"] = check_header(sender)
    msg["To"] = ", ".join(letter.to)
    if letter.cc:
        msg["Cc"] = ", ".join(letter.cc)
    if letter.reply_to:
        msg["Reply-To"] = ", ".join(letter.reply_to)
    msg["Subject"] = letter.subject
    msg["Date"] = formatdate(localtime=False)
    if unsent:
        msg["X-Unsent"] = "1"  # Outlook and others open the file as a draft, ready to send
    else:
        msg["Message-ID"] = make_msgid(domain=(sender or "localhost").rpartition("@")[2].strip(">") or None)
    msg.set_content(letter.body)
    for name, media_type, content in letter.attachments:
        maintype, subtype = media_type.split("/", 1)
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg


def eml_bytes(letter: Letter, sender: str | None = None) -> bytes:
    return build_message(letter, sender, unsent=True).as_bytes()


# --- SMTP through Flask-Mail, with the safety it lacks ---------------------------------------

class SafeConnection(flask_mail.Connection):
    """Flask-Mail's connection with a timeout and certificate verification (its own has
    neither: a server that never answers would block the request forever). smtplib's
    debug output stays off: it would print the whole message."""

    timeout = 10.0

    def configure_host(self):
        mail = self.mail
        context = ssl.create_default_context()
        if mail.use_ssl:
            host = smtplib.SMTP_SSL(mail.server, mail.port, timeout=self.timeout, context=context)
        else:
            host = smtplib.SMTP(mail.server, mail.port, timeout=self.timeout)
        try:
            if mail.use_tls:
                host.starttls(context=context)
            if mail.username and mail.password:
                host.login(mail.username, mail.password)
        except BaseException:
            host.close()
            raise
        return host


@dataclass(frozen=True)
class Outcome:
    status: str  # "sent", "written" (local outbox folder), "queued" (will retry), "failed"
    detail: str = ""


# The two half-deliveries, said plainly on the page (translated there, like every reason).
ONLY_THE_COPY_SENT = N_("the mail server refused the address of %(administrator)s: only your copy was sent")
NO_COPY_SENT = N_("the mail server refused your address, so no copy was sent to you")


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

    def __init__(self, store: DraftStore, mail_state, sender: str, outbox_dir: Path | None,
                 timeout: float = 10.0, first_retry: float = 60.0):
        self.store = store
        self.mail_state = mail_state  # Flask-Mail's state, or None when no MAIL_SERVER is set
        self.sender = sender
        self.outbox_dir = outbox_dir
        self.timeout = timeout
        self.first_retry = first_retry  # seconds before the first retry; doubles each time

    def send(self, reference: str, purpose: str, letter: Letter) -> Outcome:
        """Queue once and try at once. A second call for the same reference and purpose
        sends nothing and reports the first one's state."""
        msg = build_message(letter, self.sender)
        envelope = {
            "from": self.sender, "to": list(letter.to) + list(letter.cc),
            "primary": list(letter.to),  # the administrator's mailbox: the copy may be refused
            "name": f"{reference}-{purpose}.eml",
            "message": base64.b64encode(msg.as_bytes()).decode(),
        }
        row_id = self.store.enqueue(reference, purpose, envelope)
        if row_id is None:
            return self.status(reference, purpose, repeated=True)
        if self.store.claim_message(row_id, self.lease):
            self.attempt(row_id, envelope)
        return self.status(reference, purpose)

    def status(self, reference: str, purpose: str, repeated: bool = False) -> Outcome | None:
        row = self.store.outbox_row(reference, purpose)
        if row is None:
            return None
        status = row.status
        if repeated and status in ("sent", "written"):
            status = "already-" + status
        return Outcome(status, row.last_error)

    def deliver_due(self) -> int:
        """Deliver queued messages whose retry time has come (CLI and background use)."""
        done = 0
        for row in self.store.due_messages():
            if self.store.claim_message(row.id, self.lease):
                try:
                    self.attempt(row.id, self.store.open(row.message), attempts=row.attempts)
                except Exception as exc:  # one bad message must not stop the others
                    reason = N_("sending failed")
                    self.store.record_attempt(row.id, "failed", f"{reason} ({type(exc).__name__})")
                done += 1
        return done

    def start_background(self, interval: float) -> None:
        """Retry queued mail every `interval` seconds in a daemon thread. Several processes
        may each run one: claim_message() lets only one of them take a given message."""
        def loop():
            while not self._stop.wait(interval):
                try:
                    self.deliver_due()
                except Exception as exc:  # keep retrying; the reason carries no answers
                    logging.getLogger(__name__).warning("outbox run failed: %s", type(exc).__name__)
        self._stop = threading.Event()
        threading.Thread(target=loop, name="outbox", daemon=True).start()

    def stop_background(self) -> None:
        """Stop the retries started by start_background (an app being shut down)."""
        if hasattr(self, "_stop"):
            self._stop.set()

    def attempt(self, row_id: int, envelope: dict, attempts: int = 0) -> None:
        data = base64.b64decode(envelope["message"])
        if self.mail_state is None:
            self.outbox_dir.mkdir(parents=True, exist_ok=True)
            (self.outbox_dir / envelope["name"]).write_bytes(data)
            self.store.record_attempt(row_id, "written", str(self.outbox_dir / envelope["name"]))
            return
        last = attempts + 1 >= self.max_attempts
        retry_in = _backoff(attempts, self.first_retry)
        try:
            connection = SafeConnection(self.mail_state)
            connection.timeout = self.timeout
            host = connection.configure_host()
            try:
                refused = host.sendmail(envelope["from"], envelope["to"], data)
            finally:
                _quit(host)
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500 and not last:
                reason = N_("the mail server asked us to try again later")
                self.store.record_attempt(row_id, "queued", f"{reason} ({exc.smtp_code})", retry_in)
            elif 400 <= exc.smtp_code < 500:
                reason = N_("the mail server kept asking us to try again later, so we stopped trying")
                self.store.record_attempt(row_id, "failed", f"{reason} ({exc.smtp_code})")
            else:
                reason = N_("the mail server refused the message")
                self.store.record_attempt(row_id, "failed", f"{reason} ({exc.smtp_code})")
        except smtplib.SMTPRecipientsRefused as exc:
            temporary = all(400 <= code < 500 for code, _ in exc.recipients.values())
            if temporary and not last:  # e.g. greylisting: a later try gets through
                reason = N_("the mail server asked us to try again later")
                self.store.record_attempt(row_id, "queued", reason, retry_in)
            else:
                self.store.record_attempt(row_id, "failed", N_("the mail server refused the recipients"))
        except ssl.SSLCertVerificationError:
            self.store.record_attempt(row_id, "failed", N_("the mail server's certificate could not be "
                                         "verified, so nothing was sent"))
        except smtplib.SMTPNotSupportedError:
            self.store.record_attempt(row_id, "failed", N_("the mail server does not offer an encrypted "
                                         "connection, so nothing was sent"))
        except UnicodeError:
            self.store.record_attempt(row_id, "failed", N_("an address could not be sent over SMTP"))
        except (OSError, smtplib.SMTPException, socket.timeout) as exc:
            timed_out = isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)
            reason = (N_("the mail server did not answer in time") if timed_out
                      else N_("the mail server could not be reached"))
            self.store.record_attempt(row_id, "failed" if last else "queued", reason, retry_in)
        else:
            if set(refused) & set(envelope.get("primary", envelope["to"])):
                # Only the member's copy went: the administrator did not get it. Not retried,
                # since that would send the member a second copy; the member is told.
                self.store.record_attempt(row_id, "failed", ONLY_THE_COPY_SENT)
            else:  # a refused copy is still "sent": the administrator has it
                self.store.record_attempt(row_id, "sent", NO_COPY_SENT if refused else "")

    # files written to the local outbox folder ----------------------------------------------
    def remove_files(self, references) -> None:
        """Delete the .eml files written for these submissions (their draft is gone)."""
        if self.outbox_dir is None or not self.outbox_dir.is_dir():
            return
        for reference in references:
            for path in self.outbox_dir.glob(f"{reference}-*.eml"):
                path.unlink(missing_ok=True)

    def sweep_files(self) -> int:
        """Delete every .eml file in the outbox folder whose submission no longer exists
        (purged, deleted by the member, or left by an interrupted purge)."""
        if self.outbox_dir is None or not self.outbox_dir.is_dir():
            return 0
        files = {}
        for path in self.outbox_dir.glob("*.eml"):
            files.setdefault(path.stem.rpartition("-")[0], []).append(path)
        live = set()
        names = list(files)
        for start in range(0, len(names), 500):
            live |= self.store.existing_references(names[start:start + 500])
        removed = 0
        for reference, paths in files.items():
            if reference not in live:
                for path in paths:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


def _quit(host) -> None:
    """End the SMTP conversation. Once the server has accepted the message, a QUIT that
    fails or never gets an answer changes nothing: the message was sent, and must not be
    sent again."""
    try:
        host.quit()
    except (OSError, smtplib.SMTPException):
        host.close()
