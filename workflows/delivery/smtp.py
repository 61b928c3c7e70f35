"""SMTP through Flask-Mail, with the safety it lacks: a timeout, verified certificates."""
from __future__ import annotations

import smtplib
import socket
import ssl

import flask_mail

from ..engine.i18n import N_
from .reasons import NO_COPY_SENT, ONLY_THE_COPY_SENT, UNCONFIRMED


class _Tracking:
    """Notes when the end of the message has gone out: from then on the server may have the
    message whatever happens to the connection, and a silence is not a refusal."""

    data_sent = False

    def send(self, s):
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.data_sent = True


class TrackingSMTP(_Tracking, smtplib.SMTP):
    pass


class TrackingSMTP_SSL(_Tracking, smtplib.SMTP_SSL):
    pass


class SafeConnection(flask_mail.Connection):
    """Flask-Mail's connection with a timeout and certificate verification (its own has
    neither: a server that never answers would block the request forever). smtplib's
    debug output stays off: it would print the whole message."""

    timeout = 10.0

    def configure_host(self):
        mail = self.mail
        context = ssl.create_default_context()
        if mail.use_ssl:
            host = TrackingSMTP_SSL(mail.server, mail.port, timeout=self.timeout, context=context)
        else:
            host = TrackingSMTP(mail.server, mail.port, timeout=self.timeout)
        try:
            if mail.use_tls:
                host.starttls(context=context)
            if mail.username and mail.password:
                host.login(mail.username, mail.password)
        except BaseException:
            host.close()
            raise
        return host


def quit_politely(host) -> None:
    """End the SMTP conversation. Once the server has accepted the message, a QUIT that
    fails or never gets an answer changes nothing: the message was sent, and must not be
    sent again."""
    try:
        host.quit()
    except (OSError, smtplib.SMTPException):
        host.close()


def converse(mail_state, timeout: float, envelope: dict, data: bytes, last: bool, retry_in):
    """(status, detail, retry_in) of one SMTP conversation: `last` says no retry may follow."""
    host = None
    try:
        connection = SafeConnection(mail_state)
        connection.timeout = timeout
        host = connection.configure_host()
        try:
            refused = host.sendmail(envelope["from"], envelope["to"], data)
        finally:
            quit_politely(host)
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500 and not last:
            reason = N_("the mail server asked us to try again later")
            return "queued", f"{reason} ({exc.smtp_code})", retry_in
        if 400 <= exc.smtp_code < 500:
            reason = N_("the mail server kept asking us to try again later, so we stopped trying")
            return "failed", f"{reason} ({exc.smtp_code})", None
        return "failed", f"{N_('the mail server refused the message')} ({exc.smtp_code})", None
    except smtplib.SMTPRecipientsRefused as exc:
        temporary = all(400 <= code < 500 for code, _ in exc.recipients.values())
        if temporary and not last:  # e.g. greylisting: a later try gets through
            return "queued", N_("the mail server asked us to try again later"), retry_in
        return "failed", N_("the mail server refused the recipients"), None
    except ssl.SSLCertVerificationError:
        return "failed", N_("the mail server's certificate could not be verified, so nothing "
                            "was sent"), None
    except smtplib.SMTPNotSupportedError:
        return "failed", N_("the mail server does not offer an encrypted connection, so "
                            "nothing was sent"), None
    except UnicodeError:
        return "failed", N_("an address could not be sent over SMTP"), None
    except (OSError, smtplib.SMTPException, socket.timeout) as exc:
        if host is not None and host.data_sent:
            # The whole message went out and no answer came (RFC 5321 lets a server take
            # ten minutes): it may have been delivered. Not retried: that could send it twice.
            return "uncertain", UNCONFIRMED, None
        timed_out = isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)
        reason = (N_("the mail server did not answer in time") if timed_out
                  else N_("the mail server could not be reached"))
        return ("failed" if last else "queued"), reason, retry_in
    if set(refused) & set(envelope.get("primary", envelope["to"])):
        # Only the member's copy went: the administrator did not get it. Not retried,
        # since that would send the member a second copy; the member is told.
        return "failed", ONLY_THE_COPY_SENT, None
    return "sent", NO_COPY_SENT if refused else "", None  # a refused copy: still sent
