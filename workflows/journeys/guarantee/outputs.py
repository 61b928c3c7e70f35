"""What a finished guarantee request produces: the request PDF, the email to the
admissions mailbox (with the uploads attached), and the fax or postal cover's details."""
from __future__ import annotations

from typing import NamedTuple

from ...documents import Phrase, Sender, Typed
from ...engine import Answers, answer, choice_label, format_date, format_money
from ...engine import fields as F
from ...engine.i18n import N_, lazy_gettext as _l
from ..contract import Document, Email, Finished, Outputs, Paper
from .forms import AdmissionForm, PatientForm, WriterForm
from .rules import is_emergency, late_days, under_threshold


class Line(NamedTuple):
    """One labelled line of the request. Medical lines stay out of the mailto: body, which
    can end up in a browser's history; the PDF and the sent email carry them."""

    label: str
    value: str
    medical: bool = False


def patient_label(answers: Answers) -> str:
    return answer("patient", "patient_name")(answers) or ""


def admission_line(answers: Answers) -> str:
    a = answers.get("admission") or {}
    kind = "Emergency" if a.get("kind") == "emergency" else "Planned"
    when_ = format_date(a["date"]) + (f" at {a['time']}" if a.get("time") else "")
    return f"{kind}, {when_}"


def stay_line(answers: Answers) -> str:
    a = answers.get("admission") or {}
    if a.get("care") == "day":
        return "Day case (no overnight stay)"
    nights = int(a.get("nights") or 0)
    return f"Inpatient, expected {nights} night{'s' if nights != 1 else ''}"


def subject(answers: Answers) -> str:
    text = (f"Guarantee of payment request – {answer('patient', 'reference')(answers)} – "
            f"{patient_label(answers)} – admission {format_date(answers['admission']['date'])}")
    if late_days(answers):
        text = "LATE NOTIFICATION – " + text
    return ("URGENT – " + text) if is_emergency(answers) else text


def estimated_cost(answers: Answers) -> str:
    medical = answers["medical"]
    if not medical.get("cost"):
        return "Not known"
    text = format_money(medical["cost"], medical["currency"])
    if under_threshold(answers):
        text += " (under the plan's guarantee threshold: a verification of benefits is enough)"
    return text


def consent_note(answers: Answers) -> str:
    """Someone other than the member writes: they confirmed the patient agreed to share the
    medical details. Said on the writer's first line, so the request keeps to one page."""
    return "" if answer("writer", "role")(answers) == "member" else "; patient's consent confirmed"


def copies(answers: Answers) -> tuple[str, ...]:
    """The member's copy, when someone else writes and gave the member's address."""
    email = answer("consent", "member_email")(answers)
    return (email,) if email and email != answer("writer", "email")(answers) else ()


def reply_to(answers: Answers) -> tuple[str, ...]:
    writer = answer("writer", "email")(answers)
    hospital = answer("hospital", "contact_email")(answers)
    if is_emergency(answers) and hospital and hospital != writer:
        return (writer, hospital)
    return (writer,)


def request_context(f: Finished) -> dict:
    answers = f.answers
    hospital = answers["hospital"]
    medical = answers["medical"]
    writer = answers["writer"]
    patient = answers["patient"]
    rows = [
        Line("Member", patient["member_name"]),
        Line("Personal reference number", patient["reference"]),
        Line("Patient", Phrase(Typed(patient["patient_name"]), f", born {format_date(patient['patient_dob'])}")),
        Line("Relationship to the member", choice_label(PatientForm.relationship, patient["relationship"])),
        Line("Admission", admission_line(answers)),
        Line("Type of stay", stay_line(answers)),
        Line("Room type", choice_label(AdmissionForm.room, answers["admission"]["room"])),
        Line("Hospital", hospital["name"]),
        Line("Hospital address", Phrase(Typed(hospital["address"]), f"\n{F.country_name(hospital['country'])}")),
        Line("Admissions contact", Phrase(Typed(hospital["contact_name"]), f"\nPhone {hospital['contact_phone']}",
                                      f"\nEmail {hospital['contact_email']}",
                                      f"\nFax {hospital['contact_fax']}" if hospital.get("contact_fax") else "")),
        Line("Treating doctor", Phrase(Typed(hospital["doctor_name"]), " (", Typed(hospital["doctor_specialty"]), ")")),
        Line("Reason for admission or diagnosis", medical["reason"], medical=True),
        Line("Planned procedure or treatment", medical["procedure"], medical=True),
        Line("ICD-10 code", medical.get("icd10") or "Not known", medical=True),
        Line("Estimated cost", estimated_cost(answers)),
        Line("Request written by", Phrase(Typed(writer["name"]), f" ({choice_label(WriterForm.role, writer['role'])}"
                                                            f"{consent_note(answers)})\n"
                                                            f"Email {writer['email']}\nPhone {writer['phone']}")),
    ]
    late = late_days(answers)
    if late:
        rows.insert(5, Line("Notification", f"Late: {late} days after the admission"))
    return {"rows": rows, "urgent": is_emergency(answers), "late": bool(late), "subject": subject(answers),
            "reply_to": reply_to(answers), "patient": patient, "writer": writer}


def qr_text(f: Finished) -> str:
    return f"MIP GOP {f.reference} REF {f.answers['patient']['reference']}"


def history(answers: Answers) -> dict:
    """The member's history keeps the patient; an estimated cost is not an amount claimed,
    so it adds to no totals."""
    return {"patient": patient_label(answers), "title": "Guarantee of payment request"}


OUTPUTS = Outputs(
    document=Document(
        name=_l("guarantee of payment request"),
        item=_l("request"),
        prefix="guarantee-request",
        template="guarantee/request.html",
        context=request_context,
        qr=qr_text,
        next_steps=_l("%(administrator_name)s answers the request by email to the addresses "
                      "given, and normally sends the guarantee to the hospital. Keep the request "
                      "reference."),
        another_hint=_l("Your own details are kept for the next request."),
    ),
    email=Email(
        mailbox="admissions",
        subject=subject,
        template="guarantee/email.txt",
        context=request_context,
        member=lambda a: a["writer"]["email"],
        reply_to=reply_to,
        copies=copies,
        attach_uploads=True,
    ),
    paper=Paper(
        title=N_("Guarantee of payment request"),
        sender=lambda a: Sender(a["writer"]["name"], a["patient"]["reference"], a["writer"]["phone"],
                                reply_email=a["writer"]["email"]),
        subject=lambda a: ("URGENT – " if is_emergency(a) else "") + "Guarantee of payment request",
        urgent=is_emergency,
    ),
    uploads="attachments",
    history=history,
)
