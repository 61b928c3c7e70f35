"""The hospital guarantee-of-payment request journey: forms, urgency rules, outputs."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from . import clock
from . import fields as F
from .claim import Radios
from .engine import Answers, Step, UploadStep, Wizard, answer, choice_label, format_date, format_money
from .fields import AmountField, DateInputField, Form
from .covers import Sender
from .documents import Phrase, Typed
from .outputs import Outputs
from .plan import CIGNA, RULES, N_

RELATIONSHIPS = [
    SelectChoice("self", _l("The member")),
    SelectChoice("spouse", _l("Spouse or partner")),
    SelectChoice("child", _l("Child")),
    SelectChoice("other", _l("Other covered dependant")),
]


# --- urgency rules: pure functions of the answers, the plan's rules and today ------------------

def admission_date(answers: Answers) -> dt.date | None:
    value = answer("admission", "date")(answers)
    return dt.date.fromisoformat(value) if value else None


def is_emergency(answers: Answers) -> bool:
    return answer("admission", "kind")(answers) == "emergency"


def admission_date_problem(kind: str, date: dt.date, today: dt.date, rules=RULES,
                           latest: dt.date | None = None) -> str | None:
    """Why an admission date cannot be accepted, or None. With `latest`, "today" is any
    date from `today` (the earliest in force on Earth) to `latest`: a date is refused only
    if it is wrong for all of them."""
    latest = latest or today
    if date >= today:
        if (date - latest).days > 365:
            return _("Admission date must be within the next 12 months")
        return None
    if kind != "emergency":
        return _("Admission date must be today or in the future for a planned admission. "
                 "If the patient has already been admitted in an emergency, select Emergency")
    if (today - date).days > rules.emergency_notification_days:
        return _("Cigna must be told of an emergency admission within %(limit)d days. This "
                 "admission was %(days)d days ago: phone Cigna instead, using the numbers on "
                 "the Contact page", limit=rules.emergency_notification_days,
                 days=(today - date).days)
    return None


def short_notice(answers: Answers, today: dt.date, rules=RULES) -> bool:
    """A planned admission closer than the plan's lead time."""
    date = admission_date(answers)
    return (date is not None and not is_emergency(answers)
            and (date - today).days < rules.gop_lead_time_days)


def notices(answers: Answers, today: dt.date | None = None, rules=RULES) -> list[str]:
    """Urgency advice shown on the pages after the admission step, on the review and on the
    confirmation."""
    today = today or clock.today()
    if is_emergency(answers) and admission_date(answers):
        return [_("This is an emergency admission: as well as emailing the request, phone "
                  "Cigna on one of the numbers below.")]
    if short_notice(answers, today, rules):
        days = (admission_date(answers) - today).days
        if days <= 0:  # accepted for a hospital west of UTC, where it is still that day
            return [_("The admission is today: Cigna asks for about %(lead)d days' notice before "
                      "a planned admission. As well as emailing the request, phone Cigna on one "
                      "of the numbers below.", lead=rules.gop_lead_time_days)]
        return [ngettext("The admission is in %(num)d day: Cigna asks for about %(lead)d days' "
                         "notice before a planned admission. As well as emailing the request, "
                         "phone Cigna on one of the numbers below.",
                         "The admission is in %(num)d days: Cigna asks for about %(lead)d days' "
                         "notice before a planned admission. As well as emailing the request, "
                         "phone Cigna on one of the numbers below.",
                         days, lead=rules.gop_lead_time_days)]
    return []


# --- forms ------------------------------------------------------------------------------------

class WriterForm(Form):
    role = Radios(_l("Who is writing this request?"), _l("Select who is writing this request"), [
        SelectChoice("member", _l("The member")),
        SelectChoice("family", _l("A family member")),
        SelectChoice("hospital", _l("Hospital staff, on the member's behalf")),
    ])
    name = F.NameField()
    email = F.EmailField(_l("Your email address"), hint=_l("Cigna replies here."))
    phone = F.PhoneField(_l("Your phone number"))


class PatientForm(Form):
    member_name = F.NameField(_l("Member's full name"), _l("Enter the member's full name"), autocomplete="off")
    reference = F.ReferenceField(_l("Member's personal reference number"),
                                 _l("Enter the member's personal reference number"),
                                 hint=_l("It is on the Cigna membership card."))
    patient_name = F.NameField(_l("Patient's full name"), _l("Enter the patient's full name"), autocomplete="off")
    patient_dob = DateInputField(_l("Patient's date of birth"),
                                 [F.required(_l("Enter the patient's date of birth"))],
                                 description=_l("For example, 27 3 2012"))
    relationship = Radios(_l("Patient's relationship to the member"),
                          _l("Select the patient's relationship to the member"), RELATIONSHIPS)


class AdmissionForm(Form):
    kind = Radios(_l("Is the admission planned or an emergency?"),
                  _l("Select planned or emergency"), [
                      SelectChoice("planned", _l("Planned")),
                      SelectChoice("emergency", _l("Emergency")),
                  ])
    date = DateInputField(_l("Admission date"), [F.required(_l("Enter the admission date"))],
                          future_ok=True, description=_l("For example, 12 12 2026"))
    time = F.TextField(_l("Admission time"), "", limit=5, optional=True,
                       hint=_l("For an emergency admission: the time, like 14:30."),
                       render_kw={"class": "w-4", "inputmode": "numeric", "spellcheck": "false"})
    care = Radios(_l("Type of stay"), _l("Select inpatient or day case"), [
        SelectChoice("inpatient", _l("Inpatient (staying at least one night)")),
        SelectChoice("day", _l("Day case (no overnight stay)")),
    ])
    nights = F.TextField(_l("Expected length of stay, in nights"), "", limit=3, optional=True,
                         hint=_l("For an inpatient stay."),
                         render_kw={"class": "w-4", "inputmode": "numeric"})
    room = Radios(_l("Room type"), _l("Select the room type, or not known"), [
        SelectChoice("private", _l("Private room")),
        SelectChoice("semi", _l("Semi-private room")),
        SelectChoice("ward", _l("Ward")),
        SelectChoice("unknown", _l("Not known yet")),
    ])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.date.data and self.kind.data:
            problem = admission_date_problem(self.kind.data, self.date.data, clock.earliest_today(),
                                             latest=clock.latest_today())
            if problem:
                self.date.errors = [problem]
                ok = False
        if self.kind.data == "emergency" and not self.time.data:
            self.time.errors = [_("Enter the time of the emergency admission, like 14:30")]
            ok = False
        if self.time.data and not re.fullmatch(r"([01]?\d|2[0-3])[:.h]?[0-5]\d", self.time.data):
            self.time.errors = [_("Enter the admission time as hours and minutes, like 14:30")]
            ok = False
        elif self.time.data:
            digits = re.sub(r"\D", "", self.time.data).zfill(4)
            self.time.data = f"{digits[:2]}:{digits[2:]}"
        if self.care.data == "inpatient":
            if not self.nights.data:
                self.nights.errors = [_("Enter the expected length of stay in nights")]
                ok = False
            elif not re.fullmatch(r"[0-9]{1,3}", self.nights.data) or not 1 <= int(self.nights.data) <= 365:
                self.nights.errors = [_("Length of stay must be a number of nights from 1 to 365")]
                ok = False
        elif self.care.data == "day":
            self.nights.data = ""
        return ok


class HospitalForm(Form):
    name = F.TextField(_l("Name of the hospital"), _l("Enter the name of the hospital"), limit=150)
    address = F.ParagraphField(_l("Address of the hospital"), _l("Enter the address of the hospital"),
                               limit=400, render_kw={"rows": 3})
    country = F.CountryField(_l("Country of the hospital"), _l("Select the country of the hospital"))
    contact_name = F.TextField(_l("Admissions contact's name"), _l("Enter the name of the admissions contact"),
                               limit=100, hint=_l("The person or office at the hospital dealing with the admission."))
    contact_phone = F.PhoneField(_l("Admissions contact's phone"), _l("Enter the admissions contact's phone number"),
                                 region_field="country", hint="", autocomplete="off")
    contact_email = F.EmailField(_l("Admissions contact's email"), _l("Enter the admissions contact's email address"),
                                 autocomplete="off")
    contact_fax = F.PhoneField(_l("Admissions contact's fax (optional)"), "", region_field="country",
                               hint=_l("If the hospital has one."), optional=True, autocomplete="off")
    doctor_name = F.TextField(_l("Treating doctor's name"), _l("Enter the treating doctor's name"), limit=100)
    doctor_specialty = F.TextField(_l("Treating doctor's specialty"), _l("Enter the treating doctor's specialty"),
                                   limit=100, hint=_l("For example: orthopaedic surgery, cardiology."))


ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")


class MedicalForm(Form):
    reason = F.ParagraphField(_l("Reason for admission or diagnosis"),
                              _l("Enter the reason for admission or the diagnosis"), limit=1000,
                              render_kw={"rows": 3})
    procedure = F.ParagraphField(_l("Planned procedure or treatment"),
                                 _l("Enter the planned procedure or treatment"), limit=1000,
                                 render_kw={"rows": 3})
    icd10 = F.TextField(_l("ICD-10 code, if known"), "", limit=8, optional=True,
                        hint=_l("From the doctor's letter, like S72.0 or K35.8."),
                        render_kw={"class": "w-10", "spellcheck": "false"})
    cost = AmountField(_l("Estimated cost, if known"), optional=True,
                       description=_l("From the hospital's estimate."),
                       render_kw={"inputmode": "decimal", "class": "w-10", "spellcheck": "false"})
    currency = F.CurrencyField(_l("Currency of the estimate"))

    def validate_currency(self, field):
        if self.cost.data and not field.data:
            raise ValidationError(_l("Select the currency of the estimate"))
        amount = getattr(self.cost, "amount", None)
        if amount is not None and field.data:
            F.check_minor_units(amount, field.data, _("Estimated cost"))

    def validate_icd10(self, field):
        if field.data:
            field.data = field.data.upper().replace(" ", "")
            if not ICD10.match(field.data):
                raise ValidationError(_l("Enter the ICD-10 code as a letter and 2 numbers, then any "
                                      "further characters after a full stop, like S72.0"))


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
    title=_l("Hospital guarantee of payment"),
    reference_prefix="GOP",
    start_hint=_l("Ask %(administrator)s to guarantee payment of a hospital stay. The member, a "
                  "family member or hospital staff can fill this in. It takes a few minutes.",
                  administrator=CIGNA.name),
    notices=notices,
    steps=[
        Step("writer", _l("About you"), WriterForm),
        Step("patient", _l("Member and patient"), PatientForm),
        Step("admission", _l("The admission"), AdmissionForm),
        Step("hospital", _l("The hospital"), HospitalForm),
        Step("medical", _l("Medical details"), MedicalForm,
             defaults=lambda a: {"currency": F.currency_for_country(answer("hospital", "country")(a))}),
        UploadStep("attachments", _l("Attachments"), min_files=0, noun="document",
                   kinds=(("doctor-letter", N_("Doctor's letter")), ("estimate", N_("Hospital cost estimate")),
                          ("other", N_("Other document"))),
                   hint=_l("Optional: the doctor's letter and the hospital's cost estimate help Cigna "
                        "decide quickly. PDF, JPG or PNG, up to 10 MB each.")),
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
        document_name=_l("guarantee of payment request"),
        item_name=_l("request"),
        next_steps=_l("%(administrator)s answers the request by email to the addresses given, "
                      "and normally sends the guarantee to the hospital. Keep the request "
                      "reference.", administrator=CIGNA.name),
        another_hint=_l("Your own details are kept for the next request."),
        sender=lambda a: Sender(a["writer"]["name"], a["patient"]["reference"], a["writer"]["phone"],
                                reply_email=a["writer"]["email"]),
        cover_subject=lambda a: ("URGENT – " if is_emergency(a) else "") + "Guarantee of payment request",
    ),
)
