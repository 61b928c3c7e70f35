"""The hospital guarantee-of-payment request journey: forms, urgency rules, outputs."""
from __future__ import annotations

import datetime as dt
import re

from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from . import fields as F
from .claim import Radios
from .engine import Answers, Step, UploadStep, Wizard, answer, choice_label, format_date, format_money
from .fields import AmountField, DateInputField, Form
from .covers import Sender
from .documents import Phrase, Typed
from .outputs import Outputs
from .plan import CIGNA, RULES

RELATIONSHIPS = [
    SelectChoice("self", "The member"),
    SelectChoice("spouse", "Spouse or partner"),
    SelectChoice("child", "Child"),
    SelectChoice("other", "Other covered dependant"),
]


# --- urgency rules: pure functions of the answers, the plan's rules and today ------------------

def admission_date(answers: Answers) -> dt.date | None:
    value = answer("admission", "date")(answers)
    return dt.date.fromisoformat(value) if value else None


def is_emergency(answers: Answers) -> bool:
    return answer("admission", "kind")(answers) == "emergency"


def admission_date_problem(kind: str, date: dt.date, today: dt.date, rules=RULES) -> str | None:
    """Why an admission date cannot be accepted, or None."""
    if date >= today:
        if (date - today).days > 365:
            return "Admission date must be within the next 12 months"
        return None
    if kind != "emergency":
        return ("Admission date must be today or in the future for a planned admission. "
                "If the patient has already been admitted in an emergency, select Emergency")
    if (today - date).days > rules.emergency_notification_days:
        return (f"Cigna must be told of an emergency admission within "
                f"{rules.emergency_notification_days} days. This admission was "
                f"{(today - date).days} days ago: phone Cigna instead, using the numbers on the "
                f"Contact page")
    return None


def short_notice(answers: Answers, today: dt.date, rules=RULES) -> bool:
    """A planned admission closer than the plan's lead time."""
    date = admission_date(answers)
    return (date is not None and not is_emergency(answers)
            and (date - today).days < rules.gop_lead_time_days)


def notices(answers: Answers, today: dt.date | None = None, rules=RULES) -> list[str]:
    """Urgency advice shown on the pages after the admission step, on the review and on the
    confirmation."""
    today = today or dt.date.today()
    if is_emergency(answers) and admission_date(answers):
        return ["This is an emergency admission: as well as emailing the request, phone Cigna "
                "on one of the numbers below."]
    if short_notice(answers, today, rules):
        days = (admission_date(answers) - today).days
        return [f"The admission is in {days} day{'s' if days != 1 else ''}: Cigna asks for "
                f"about {rules.gop_lead_time_days} days' notice before a planned admission. "
                f"As well as emailing the request, phone Cigna on one of the numbers below."]
    return []


# --- forms ------------------------------------------------------------------------------------

class WriterForm(Form):
    role = Radios("Who is writing this request?", "Select who is writing this request", [
        SelectChoice("member", "The member"),
        SelectChoice("family", "A family member"),
        SelectChoice("hospital", "Hospital staff, on the member's behalf"),
    ])
    name = F.NameField()
    email = F.EmailField("Your email address", hint="Cigna replies here.")
    phone = F.PhoneField("Your phone number")


class PatientForm(Form):
    member_name = F.NameField("Member's full name", "Enter the member's full name", autocomplete="off")
    reference = F.ReferenceField("Member's personal reference number",
                                 "Enter the member's personal reference number",
                                 hint="It is on the Cigna membership card.")
    patient_name = F.NameField("Patient's full name", "Enter the patient's full name", autocomplete="off")
    patient_dob = DateInputField("Patient's date of birth",
                                 [F.required("Enter the patient's date of birth")],
                                 description="For example, 27 3 2012")
    relationship = Radios("Patient's relationship to the member",
                          "Select the patient's relationship to the member", RELATIONSHIPS)


class AdmissionForm(Form):
    kind = Radios("Is the admission planned or an emergency?",
                  "Select planned or emergency", [
                      SelectChoice("planned", "Planned"),
                      SelectChoice("emergency", "Emergency"),
                  ])
    date = DateInputField("Admission date", [F.required("Enter the admission date")],
                          future_ok=True, description="For example, 12 12 2026")
    time = F.TextField("Admission time", "", limit=5, optional=True,
                       hint="For an emergency admission: the time, like 14:30.",
                       render_kw={"class": "w-4", "inputmode": "numeric", "spellcheck": "false"})
    care = Radios("Type of stay", "Select inpatient or day case", [
        SelectChoice("inpatient", "Inpatient (staying at least one night)"),
        SelectChoice("day", "Day case (no overnight stay)"),
    ])
    nights = F.TextField("Expected length of stay, in nights", "", limit=3, optional=True,
                         hint="For an inpatient stay.",
                         render_kw={"class": "w-4", "inputmode": "numeric"})
    room = Radios("Room type", "Select the room type, or not known", [
        SelectChoice("private", "Private room"),
        SelectChoice("semi", "Semi-private room"),
        SelectChoice("ward", "Ward"),
        SelectChoice("unknown", "Not known yet"),
    ])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.date.data and self.kind.data:
            problem = admission_date_problem(self.kind.data, self.date.data, dt.date.today())
            if problem:
                self.date.errors = [problem]
                ok = False
        if self.kind.data == "emergency" and not self.time.data:
            self.time.errors = ["Enter the time of the emergency admission, like 14:30"]
            ok = False
        if self.time.data and not re.fullmatch(r"([01]?\d|2[0-3])[:.h]?[0-5]\d", self.time.data):
            self.time.errors = ["Enter the admission time as hours and minutes, like 14:30"]
            ok = False
        elif self.time.data:
            digits = re.sub(r"\D", "", self.time.data).zfill(4)
            self.time.data = f"{digits[:2]}:{digits[2:]}"
        if self.care.data == "inpatient":
            if not self.nights.data:
                self.nights.errors = ["Enter the expected length of stay in nights"]
                ok = False
            elif not re.fullmatch(r"[0-9]{1,3}", self.nights.data) or not 1 <= int(self.nights.data) <= 365:
                self.nights.errors = ["Length of stay must be a number of nights from 1 to 365"]
                ok = False
        elif self.care.data == "day":
            self.nights.data = ""
        return ok


class HospitalForm(Form):
    name = F.TextField("Name of the hospital", "Enter the name of the hospital", limit=150)
    address = F.ParagraphField("Address of the hospital", "Enter the address of the hospital",
                               limit=400, render_kw={"rows": 3})
    country = F.CountryField("Country of the hospital", "Select the country of the hospital")
    contact_name = F.TextField("Admissions contact's name", "Enter the name of the admissions contact",
                               limit=100, hint="The person or office at the hospital dealing with the admission.")
    contact_phone = F.PhoneField("Admissions contact's phone", "Enter the admissions contact's phone number",
                                 region_field="country", hint="", autocomplete="off")
    contact_email = F.EmailField("Admissions contact's email", "Enter the admissions contact's email address")
    contact_fax = F.PhoneField("Admissions contact's fax (optional)", "", region_field="country",
                               hint="If the hospital has one.", optional=True, autocomplete="off")
    doctor_name = F.TextField("Treating doctor's name", "Enter the treating doctor's name", limit=100)
    doctor_specialty = F.TextField("Treating doctor's specialty", "Enter the treating doctor's specialty",
                                   limit=100, hint="For example: orthopaedic surgery, cardiology.")


ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")


class MedicalForm(Form):
    reason = F.ParagraphField("Reason for admission or diagnosis",
                              "Enter the reason for admission or the diagnosis", limit=1000,
                              render_kw={"rows": 3})
    procedure = F.ParagraphField("Planned procedure or treatment",
                                 "Enter the planned procedure or treatment", limit=1000,
                                 render_kw={"rows": 3})
    icd10 = F.TextField("ICD-10 code, if known", "", limit=8, optional=True,
                        hint="From the doctor's letter, like S72.0 or K35.8.",
                        render_kw={"class": "w-10", "spellcheck": "false"})
    cost = AmountField("Estimated cost, if known", optional=True,
                       description="From the hospital's estimate.",
                       render_kw={"inputmode": "decimal", "class": "w-10", "spellcheck": "false"})
    currency = F.CurrencyField("Currency of the estimate")

    def validate_currency(self, field):
        if self.cost.data and not field.data:
            raise ValidationError("Select the currency of the estimate")
        amount = getattr(self.cost, "amount", None)
        if amount is not None and field.data:
            F.check_minor_units(amount, field.data, "Estimated cost")

    def validate_icd10(self, field):
        if field.data:
            field.data = field.data.upper().replace(" ", "")
            if not ICD10.match(field.data):
                raise ValidationError("Enter the ICD-10 code as a letter and 2 numbers, then any "
                                      "further characters after a full stop, like S72.0")


# --- derived facts and outputs ------------------------------------------------------------------

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
    return ("URGENT – " + text) if is_emergency(answers) else text


def reply_to(answers: Answers) -> tuple[str, ...]:
    writer = answer("writer", "email")(answers)
    hospital = answer("hospital", "contact_email")(answers)
    if is_emergency(answers) and hospital and hospital != writer:
        return (writer, hospital)
    return (writer,)


def request_context(answers: Answers, reference: str, attachments: list) -> dict:
    hospital = answers["hospital"]
    medical = answers["medical"]
    writer = answers["writer"]
    patient = answers["patient"]
    rows = [
        ("Member", patient["member_name"]),
        ("Personal reference number", patient["reference"]),
        ("Patient", Phrase(Typed(patient["patient_name"]), f", born {format_date(patient['patient_dob'])}")),
        ("Relationship to the member", choice_label(PatientForm.relationship, patient["relationship"])),
        ("Admission", admission_line(answers)),
        ("Type of stay", stay_line(answers)),
        ("Room type", choice_label(AdmissionForm.room, answers["admission"]["room"])),
        ("Hospital", hospital["name"]),
        ("Hospital address", Phrase(Typed(hospital["address"]), f"\n{F.country_name(hospital['country'])}")),
        ("Admissions contact", Phrase(Typed(hospital["contact_name"]), f"\nPhone {hospital['contact_phone']}",
                                      f"\nEmail {hospital['contact_email']}",
                                      f"\nFax {hospital['contact_fax']}" if hospital.get("contact_fax") else "")),
        ("Treating doctor", Phrase(Typed(hospital["doctor_name"]), " (", Typed(hospital["doctor_specialty"]), ")")),
        ("Reason for admission or diagnosis", medical["reason"]),
        ("Planned procedure or treatment", medical["procedure"]),
        ("ICD-10 code", medical.get("icd10") or "Not known"),
        ("Estimated cost", format_money(medical["cost"], medical["currency"]) if medical.get("cost") else "Not known"),
        ("Request written by", Phrase(Typed(writer["name"]), f" ({choice_label(WriterForm.role, writer['role'])})\n"
                                                            f"Email {writer['email']}\nPhone {writer['phone']}")),
    ]
    return {"reference": reference, "rows": rows, "urgent": is_emergency(answers),
            "subject": subject(answers), "reply_to": reply_to(answers),
            "attachments": attachments, "patient": patient, "writer": writer,
            "qr_payload": f"MIP GOP {reference} REF {patient['reference']}"}


GUARANTEE = Wizard(
    slug="guarantee",
    title="Hospital guarantee of payment",
    reference_prefix="GOP",
    start_hint=(f"Ask {CIGNA.name} to guarantee payment of a hospital stay. The member, a family "
                f"member or hospital staff can fill this in. It takes a few minutes."),
    notices=notices,
    steps=[
        Step("writer", "About you", WriterForm),
        Step("patient", "Member and patient", PatientForm),
        Step("admission", "The admission", AdmissionForm),
        Step("hospital", "The hospital", HospitalForm),
        Step("medical", "Medical details", MedicalForm,
             defaults=lambda a: {"currency": F.currency_for_country(answer("hospital", "country")(a))}),
        UploadStep("attachments", "Attachments", min_files=0, noun="document",
                   kinds=(("doctor-letter", "Doctor's letter"), ("estimate", "Hospital cost estimate"),
                          ("other", "Other document")),
                   hint="Optional: the doctor's letter and the hospital's cost estimate help Cigna "
                        "decide quickly. PDF, JPG or PNG, up to 10 MB each."),
    ],
    outputs=Outputs(
        packet_template="pdf/guarantee_request.html",
        packet_prefix="guarantee-request",
        context=request_context,
        subject=subject,
        email_template="email/guarantee.txt",
        email_context=request_context,
        recipients=(CIGNA.admissions_email,),
        member_email=lambda a: a["writer"]["email"],
        reply_to=reply_to,
        upload_step="attachments",
        attach_uploads=True,
        document_name="guarantee of payment request",
        item_name="request",
        next_steps=(f"{CIGNA.name} answers the request by email to the addresses given, and "
                    f"normally sends the guarantee to the hospital. Keep the request reference."),
        another_hint="Your own details are kept for the next request.",
        sender=lambda a: Sender(a["writer"]["name"], a["patient"]["reference"], a["writer"]["phone"],
                                reply_email=a["writer"]["email"]),
        cover_subject=lambda a: ("URGENT – " if is_emergency(a) else "") + "Guarantee of payment request",
    ),
)
