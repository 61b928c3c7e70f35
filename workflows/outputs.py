"""What a finished journey produces, declared per journey and built by pure functions:
(answers, reference, attachments) -> packet PDF bytes, and -> the Letter to send."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import documents
from .delivery import Letter
from .engine import Answers
from .language import in_english


@dataclass(frozen=True)
class Outputs:
    packet_template: str
    packet_prefix: str  # file names: <prefix>-<reference>.pdf
    context: Callable[[Answers, str, list], dict]
    subject: Callable[[Answers], str]
    # The email: one plain-text template rendered twice, in full (sent mail, .eml) and with
    # mailto=True for the short mailto: body; its context comes from email_context.
    email_template: str
    email_context: Callable[[Answers, str, list], dict]
    recipients: tuple[str, ...]  # from the plan facts, never from the request
    member_email: Callable[[Answers], str]  # who gets the copy and, by default, the replies
    upload_step: str | None = None
    reply_to: Callable[[Answers], tuple[str, ...]] | None = None
    attach_uploads: bool = False  # uploads go with the email as files of their own
    document_name: str = "document"  # "claim packet": how the pages speak of the PDF
    item_name: str = "request"  # "claim": what the member starts another of
    next_steps: str = ""
    another_hint: str = ""
    render: Callable[[Answers, str, list], bytes] | None = None  # instead of packet_template
    sender: Callable[[Answers], object] | None = None  # covers.Sender, for fax and post
    # The subject on a fax cover or letter: no names or medical detail, unlike the email's.
    cover_subject: Callable[[Answers], str] | None = None

    def filename(self, reference: str, ext: str, variant: str = "") -> str:
        return f"{self.packet_prefix}{'-' + variant if variant else ''}-{reference}.{ext}"

    @in_english
    def packet(self, answers: Answers, reference: str, attachments: list,
               for_paper: bool = False) -> bytes:
        """The PDF. Uploads that travel by email as files of their own are laid into it
        only when it goes on paper (fax or post)."""
        if self.render:
            return self.render(answers, reference, attachments)
        pages = attachments if (for_paper or not self.attach_uploads) else []
        context = self.context(answers, reference, attachments)
        resources = {"qr.png": (documents.qr_png(context["qr_payload"]), "image/png")}
        return documents.render_packet(self.packet_template, context, pages, resources)

    @in_english
    def enclosures(self, packet_pages: int, attachments: list) -> list[str]:
        """What a postal letter lists as enclosed: kinds and page counts, never file names
        (a name can say more than the cover should)."""
        def pages(n):
            return f"{n} page{'s' if n != 1 else ''}"
        own = packet_pages - sum(a.pages for a in attachments)
        return ([f"{self.document_name.capitalize()} ({pages(own)})"]
                + [f"{a.kind_label} ({pages(a.pages)})" for a in attachments])

    def bodies(self, answers: Answers, reference: str, attachments: list) -> tuple[str, str]:
        """(full body, mailto body)."""
        template = documents.templates.get_template(self.email_template)
        context = self.email_context(answers, reference, attachments)
        return template.render(mailto=False, **context), template.render(mailto=True, **context)

    @in_english
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
