"""What a finished journey produces, declared per journey and built by pure functions:
(answers, reference, attachments) -> packet PDF bytes, and -> the Letter to send."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import documents
from .delivery import Letter
from .engine import Answers


@dataclass(frozen=True)
class Outputs:
    packet_template: str
    packet_prefix: str  # file names: <prefix>-<reference>.pdf
    context: Callable[[Answers, str, list], dict]
    subject: Callable[[Answers], str]
    bodies: Callable[[Answers, str, list], tuple[str, str]]
    recipients: tuple[str, ...]  # from the plan facts, never from the request
    member_email: Callable[[Answers], str]  # who gets the copy and, by default, the replies
    upload_step: str | None = None
    reply_to: Callable[[Answers], tuple[str, ...]] | None = None
    attach_uploads: bool = False  # uploads go with the email as files of their own
    document_name: str = "document"  # "claim packet": how the pages speak of the PDF
    item_name: str = "request"  # "claim": what the member starts another of
    next_steps: str = ""
    another_hint: str = ""

    def filename(self, reference: str, ext: str) -> str:
        return f"{self.packet_prefix}-{reference}.{ext}"

    def packet(self, answers: Answers, reference: str, attachments: list) -> bytes:
        context = self.context(answers, reference, attachments)
        resources = {"qr.png": (documents.qr_png(context["qr_payload"]), "image/png")}
        return documents.render_packet(self.packet_template, context, attachments, resources)

    def letter(self, answers: Answers, reference: str, attachments: list, packet: bytes,
               copy_to_member: bool = True) -> Letter:
        body, short = self.bodies(answers, reference, attachments)
        member = self.member_email(answers)
        files = [(self.filename(reference, "pdf"), "application/pdf", packet)]
        if self.attach_uploads:
            files += [(a.name, a.media_type, a.content) for a in attachments]
        return Letter(
            to=self.recipients,
            cc=(member,) if copy_to_member and member else (),
            reply_to=self.reply_to(answers) if self.reply_to else ((member,) if member else ()),
            subject=self.subject(answers),
            body=body,
            short_body=short,
            attachments=tuple(files),
        )
