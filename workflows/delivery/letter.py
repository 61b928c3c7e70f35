"""What a journey sends: a `Letter`, and the pure functions that turn it into a mailto:
link, an .eml draft or the MIME message handed to SMTP."""
from __future__ import annotations

import email
import email.policy
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid
from urllib.parse import quote

from ..engine.fields import LINE_BREAKING


class HeaderError(ValueError):
    """A value that would become a mail header contains a line break or control character."""


def check_header(value: str) -> str:
    if any(unicodedata.category(c) in LINE_BREAKING for c in value):
        raise HeaderError("line breaks and control characters are not allowed in mail headers")
    if "=?" in value:  # an RFC 2047 encoded word: some Python releases decode it raw
        raise HeaderError("encoded words are not allowed in mail headers")
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
    return _as_built(msg, [name for name, _, _ in letter.attachments])


def _as_built(msg: EmailMessage, names: list[str]) -> EmailMessage:
    """The message as a mail server will read it has exactly the headers and parts it was
    built with: whatever a value held, it did not become a header or a part of its own."""
    written = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    if (list(written.keys()) != list(msg.keys())
            or [p.get_filename() for p in written.iter_attachments()] != names
            or (len(list(written.iter_parts())) if written.is_multipart() else 1) != 1 + len(names)):
        raise HeaderError("the message would not read as it was built")
    return msg


def eml_bytes(letter: Letter, sender: str | None = None) -> bytes:
    return build_message(letter, sender, unsent=True).as_bytes()
