"""SMTP through Flask-Mail, with the safety it lacks: a timeout, verified certificates."""
from __future__ import annotations

import smtplib
import ssl

import flask_mail


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
