"""Fax cover sheets and window-envelope letters: standalone, or put in front of a packet.

A cover states the total pages including itself, and carries no medical detail: it is
read by whoever stands at the fax machine. Pure functions of plain values.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from . import clock, documents, tagged
from . import fields as F
from .engine import Answers, Step, Wizard, answer, format_date
from .fields import Form
from .outputs import Outputs
from .language import in_english
from .plan import CIGNA, N_

PAPERS = {"A4": "A4", "letter": N_("US Letter")}
SUBJECTS = {
    "claim": N_("Claim reimbursement"),
    "guarantee": N_("Guarantee of payment request"),
    "other": N_("Other"),
}


@dataclass(frozen=True)
class Sender:
    name: str
    reference: str
    phone: str = ""
    reply_fax: str = ""
    reply_email: str = ""
    address: str = ""


def _render(template: str, **context) -> bytes:
    return documents.render_pdf(template, context, style="cover.css")


@in_english
def fax_cover(sender: Sender, subject: str, pages_following: int, paper: str = "A4",
              message: str = "", today: dt.date | None = None, reference: str = "") -> bytes:
    """The cover page(s); the total printed counts the cover's own pages too."""
    cover_pages = 1
    while True:
        pdf = _render("pdf/fax_cover.html", sender=sender, subject=subject, paper=paper,
                      total=cover_pages + pages_following, message=message, reference=reference,
                      date=format_date(today or clock.today()))
        actual = documents.page_count(pdf)
        if actual == cover_pages:
            return pdf
        cover_pages = actual  # a long message spilled over: count again


@in_english
def postal_letter(sender: Sender, subject: str, enclosures: list[str], message: str = "",
                  today: dt.date | None = None, reference: str = "") -> bytes:
    return _render("pdf/postal_letter.html", sender=sender, subject=subject, enclosures=enclosures,
                   message=message, reference=reference, date=format_date(today or clock.today()))


def prepend(cover: bytes, packet: bytes) -> bytes:
    """One tagged PDF: the cover's catalog and title, both documents' structure trees."""
    return tagged.join(cover, packet)


@in_english
def fax_ready(packet: bytes, sender: Sender, subject: str, paper: str = "A4",
              reference: str = "") -> bytes:
    """One PDF to feed the fax machine: cover with the right total, then the packet."""
    cover = fax_cover(sender, subject, documents.page_count(packet), paper, reference=reference)
    return prepend(cover, packet)


@in_english
def post_ready(packet: bytes, sender: Sender, subject: str, enclosures: list[str],
               reference: str = "") -> bytes:
    return prepend(postal_letter(sender, subject, enclosures, reference=reference), packet)


# --- the standalone journey ---------------------------------------------------------------------

class SenderForm(Form):
    name = F.NameField()
    reference = F.ReferenceField()
    phone = F.PhoneField()
    reply_fax = F.PhoneField(_l("Fax number for replies"), "", optional=True, autocomplete="fax tel",
                             hint=_l("Give a fax number or an email address (or both) for Cigna's reply."))
    reply_email = F.EmailField(_l("Email address for replies"), "", optional=True)

    def validate_reply_email(self, field):
        if not field.data and not self.reply_fax.data:
            raise ValidationError(_l("Enter a fax number or an email address for replies"))


class SendingForm(Form):
    method = F.RadioChoices(_l("How are you sending it?"), _l("Select fax or post"), [
        SelectChoice("fax", _l("By fax, to %(fax)s", fax=CIGNA.fax.number)),
        SelectChoice("post", _l("By post, to %(address)s", address=", ".join(CIGNA.postal_lines))),
    ])
    subject = F.RadioChoices(_l("What are you sending?"), _l("Select what you are sending"), [
        SelectChoice(k, _l(v)) for k, v in SUBJECTS.items()])
    other = F.TextField(_l("If other: what it is about"), "", limit=60, optional=True,
                        hint=_l("A few words, without medical details."))
    pages = F.TextField(_l("How many pages follow this cover?"), _l("Enter the number of pages that follow"),
                        limit=3, hint=_l("Not counting the cover itself."),
                        render_kw={"class": "w-4", "inputmode": "numeric"})
    paper = F.RadioChoices(_l("Paper size"), _l("Select the paper size"), [
        SelectChoice(k, _l(v)) for k, v in PAPERS.items()], hint=_l("Post always uses A4."))
    message = F.ParagraphField(_l("Short message (optional)"), "", limit=400, optional=True,
                               hint=_l("Optional. Do not write medical details here: a cover page "
                                    "can be read by anyone near the fax machine."),
                               render_kw={"rows": 3})

    def validate_other(self, field):
        if self.subject.data == "other" and not field.data:
            raise ValidationError(_l("Enter what the fax or letter is about"))

    def validate_pages(self, field):
        if field.data and (not re.fullmatch(r"\d{1,3}", field.data) or not 1 <= int(field.data) <= 200):
            raise ValidationError(_l("Number of pages must be a whole number from 1 to 200"))


def subject_line(answers: Answers) -> str:
    kind = answer("sending", "subject")(answers)
    return answer("sending", "other")(answers) if kind == "other" else SUBJECTS.get(kind, "")


def sender_of(answers: Answers) -> Sender:
    s = answers["sender"]
    return Sender(s["name"], s["reference"], s["phone"], s.get("reply_fax") or "",
                  s.get("reply_email") or "")


def standalone_cover(answers: Answers, reference: str, attachments: list) -> bytes:
    sending = answers["sending"]
    pages = int(sending["pages"])
    if sending["method"] == "post":
        return postal_letter(sender_of(answers), subject_line(answers),
                             [f"{pages} page{'s' if pages != 1 else ''}"],
                             message=sending.get("message") or "", reference=reference)
    return fax_cover(sender_of(answers), subject_line(answers), pages, sending["paper"],
                     message=sending.get("message") or "", reference=reference)


COVER = Wizard(
    slug="cover",
    title=_l("Fax or postal cover sheet"),
    reference_prefix="COV",
    start_hint=_l("A cover page for documents you fax or post to %(administrator)s, with the "
                  "right page count and your personal reference number.",
                  administrator=CIGNA.name),
    steps=[
        Step("sender", _l("About you"), SenderForm),
        Step("sending", _l("What you are sending"), SendingForm),
    ],
    outputs=Outputs(
        packet_template="",
        packet_prefix="cover",
        context=lambda a, r, files: {},
        subject=subject_line,
        email_template="",
        email_context=lambda a, r, files: {},
        recipients=(),
        member_email=lambda a: answer("sender", "reply_email")(a) or "",
        document_name=_l("cover sheet"),
        item_name=_l("cover sheet"),
        render=standalone_cover,
        next_steps=_l("Print the cover sheet and put it on top of your pages."),
        another_hint=_l("Your own details are kept for the next cover sheet."),
    ),
)
