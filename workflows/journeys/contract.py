"""What a finished journey produces, as a small contract every journey fills in.

Every journey makes a PDF (`Document`). A journey whose PDF goes to one of the
administrator's mailboxes also declares its `Email`; one whose PDF may go on paper, the
`Paper` cover's sender and subject. The web layer reads which parts a journey has, never
its name. Every output is a pure function of a `Finished` journey: its answers, reference,
uploaded documents and the administrator's profile.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..administrators import Administrator
from ..delivery import Letter
from ..documents import Attachment, Sender, qr_png, render_packet
from ..documents.intake import attachment_name
from ..documents.templating import documents as templates
from ..engine import Answers, Row, Step
from ..engine.i18n import in_english
from . import parts as in_parts
from .parts import Part


@dataclass(frozen=True)
class Finished:
    """A finished journey, as its outputs see it: plain values only."""

    answers: Answers
    reference: str
    attachments: list[Attachment]
    administrator: Administrator
    # The engine's check-your-answers rows, read when a document is made (in English).
    review: Callable[[Answers], list[tuple[Step, list[Row]]]] = lambda answers: []

    @property
    def sections(self) -> list[tuple[Step, list[Row]]]:
        return self.review(self.answers)


@dataclass(frozen=True)
class Document:
    name: Any  # "claim packet": how the pages speak of the PDF
    item: Any  # "claim": what the member starts another of
    prefix: str  # file names: <prefix>-<reference>.pdf
    next_steps: Any = ""
    another_hint: Any = ""
    # Whether the pages about this document say what the administrator's own claim form is
    # for (required with the packet, or replaced by it): one sentence, from the profile.
    mentions_claim_form: bool = False
    # Advice for the member, on the confirmation page (never on the processor's cover).
    advice: tuple = ()
    # Laid out from `template` with `context(finished)` (and the uploads after it, on pages
    # of their own, when the uploads do not travel as files of their own)...
    template: str = ""
    context: Callable[[Finished], dict] | None = None
    qr: Callable[[Finished], str] | None = None  # the QR code's text, on the first page
    # ... or made whole by `render(finished)` (a cover sheet is a document of its own kind).
    render: Callable[[Finished], bytes] | None = None
    # Sent in parts (too large for one message): what the packet's pages before the uploads
    # are called, and the lines (label, value) each part's cover names the claim by.
    own_pages: str = "Cover sheet and summary"
    part_facts: Callable[[Finished], list[tuple[str, str]]] | None = None


@dataclass(frozen=True)
class Email:
    mailbox: str  # which of the administrator's mailboxes: recipients never come from a form
    subject: Callable[[Answers], str]
    # One plain-text template rendered twice: in full (sent mail, .eml) and with mailto=True
    # for the short mailto: body (no bank or medical details: it can end up in a history).
    template: str
    context: Callable[[Finished], dict]
    member: Callable[[Answers], str]  # who gets the copy and, by default, the replies
    reply_to: Callable[[Answers], tuple[str, ...]] | None = None
    # Others who asked for a copy (the member, when someone else writes for them).
    copies: Callable[[Answers], tuple[str, ...]] | None = None
    attach_uploads: bool = False  # uploads go as files of their own, not inside the PDF


@dataclass(frozen=True)
class Paper:
    """For fax and post: who sends, and a subject with no names or medical detail."""

    title: str  # in English, like "Claim reimbursement": what the cover journey offers to send
    sender: Callable[[Answers], Sender]
    subject: Callable[[Answers], str]
    # Whether the cover says URGENT (an emergency admission): the fax's first words.
    urgent: Callable[[Answers], bool] = lambda answers: False


@dataclass(frozen=True)
class Outputs:
    document: Document
    email: Email | None = None
    paper: Paper | None = None
    uploads: str | None = None  # the step whose files go with the document
    # What a signed-in member's history ("My claims") keeps of it: `history(answers)` gives
    # plain values, any of {"patient", "totals", "lines", "title"} (records_contract.md).
    # The receipts' hashes come from the `uploads` step; without it, only the title is kept.
    history: Callable[[Answers], dict] | None = None

    def filename(self, reference: str, ext: str, variant: str = "") -> str:
        return f"{self.document.prefix}{'-' + variant if variant else ''}-{reference}.{ext}"

    def recipients(self, administrator: Administrator) -> tuple[str, ...]:
        return (administrator.mailboxes[self.email.mailbox],) if self.email else ()

    @in_english
    def packet(self, finished: Finished, for_paper: bool = False, leading_pages: int = 0) -> bytes:
        """The PDF. Uploads that travel by email as files of their own are laid into it
        only when it goes on paper (fax or post). `leading_pages`: numbered as part of a
        fax, behind a cover of that many pages."""
        doc = self.document
        if doc.render:
            return doc.render(finished)
        separate = self.email is not None and self.email.attach_uploads
        pages = finished.attachments if (for_paper or not separate) else []
        context = {**doc.context(finished), "administrator": finished.administrator,
                   "reference": finished.reference, "attachments": finished.attachments,
                   "for_paper": for_paper}
        resources = {"qr.png": (qr_png(doc.qr(finished)), "image/png")} if doc.qr else {}
        return render_packet(doc.template, context, pages, resources, leading_pages=leading_pages)

    @in_english
    def enclosures(self, packet_pages: int, attachments: list[Attachment]) -> list[str]:
        """What a postal letter lists as enclosed: kinds and page counts, never file names
        (a name can say more than the cover should)."""
        def pages(n):
            return f"{n} page{'s' if n != 1 else ''}"
        own = packet_pages - sum(a.pages for a in attachments)
        return ([f"{str(self.document.name).capitalize()} ({pages(own)})"]
                + [f"{a.kind_label} ({pages(a.pages)})" for a in attachments])

    def bodies(self, finished: Finished, part: Part | None = None) -> tuple[str, str]:
        """(full body, mailto body); of one part, when the journey goes in parts."""
        template = templates.get_template(self.email.template)
        context = {**self.email.context(finished), "administrator": finished.administrator,
                   "reference": finished.reference, "attachments": finished.attachments,
                   "part": part}
        return template.render(mailto=False, **context), template.render(mailto=True, **context)

    @in_english
    def letter(self, finished: Finished, packet: bytes, copy_to_member: bool = True,
               part: Part | None = None, files: list | None = None) -> Letter:
        """The email; with `part`, the email of that part, carrying `files`."""
        email, answers = self.email, finished.answers
        body, short = self.bodies(finished, part)
        member = email.member(answers)
        if files is None:
            files = [(self.filename(finished.reference, "pdf"), "application/pdf", packet)]
            if email.attach_uploads:
                files += [(attachment_name(a.name, a.media_type), a.media_type, a.content)
                          for a in finished.attachments]
        subject = email.subject(answers)
        if part is not None:  # the reference and the part: what matches the parts up
            subject += f" – {finished.reference} – {part.title}"
        return Letter(
            to=self.recipients(finished.administrator),
            cc=((member,) if copy_to_member and member else ()) + (email.copies(answers) if email.copies else ()),
            reply_to=email.reply_to(answers) if email.reply_to else ((member,) if member else ()),
            subject=subject,
            body=body,
            short_body=short,
            attachments=tuple(files),
        )

    @in_english
    def letters(self, finished: Finished, packet: bytes, copy_to_member: bool = True) -> list[Letter]:
        """The email, or its numbered parts when one would be larger than the administrator's
        mailbox takes (journeys/parts.py)."""
        return in_parts.letters(self, finished, packet, copy_to_member)

    @in_english
    def parts(self, finished: Finished, packet: bytes) -> list[Part]:
        """The parts the email goes in ([]: one email), without laying any out."""
        return in_parts.plan(self, finished, packet)
