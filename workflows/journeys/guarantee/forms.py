"""The guarantee journey's forms."""
from __future__ import annotations

import re

from wtforms import BooleanField, ValidationError
from wtforms.fields.choices import SelectChoice

from ...engine import clock
from ...engine import fields as F
from ...engine.fields import AmountField, DateInputField, Form
from ...engine.i18n import gettext as _, lazy_gettext as _l
from .rules import admission_date_problem

Radios = F.RadioChoices

RELATIONSHIPS = [
    SelectChoice("self", _l("The member")),
    SelectChoice("spouse", _l("Spouse or partner")),
    SelectChoice("child", _l("Child")),
    SelectChoice("other", _l("Other covered dependant")),
]


class WriterForm(Form):
    role = Radios(_l("Who is writing this request?"), _l("Select who is writing this request"), [
        SelectChoice("member", _l("The member")),
        SelectChoice("family", _l("A family member")),
        SelectChoice("hospital", _l("Hospital staff, on the member's behalf")),
    ])
    name = F.NameField()
    email = F.EmailField(_l("Your email address"), hint=_l("%(administrator)s replies here."))
    phone = F.PhoneField(_l("Your phone number"))


class PatientForm(Form):
    member_name = F.NameField(_l("Member's full name"), _l("Enter the member's full name"), autocomplete="off")
    reference = F.ReferenceField(_l("Member's personal reference number"),
                                 _l("Enter the member's personal reference number"),
                                 hint=_l("It is on the %(administrator)s membership card."))
    patient_name = F.NameField(_l("Patient's full name"), _l("Enter the patient's full name"), autocomplete="off")
    patient_dob = DateInputField(_l("Patient's date of birth"),
                                 [F.required(_l("Enter the patient's date of birth"))],
                                 description=_l("For example, 27 3 2012"))
    relationship = Radios(_l("Patient's relationship to the member"),
                          _l("Select the patient's relationship to the member"), RELATIONSHIPS)


def admission_time(form, field):
    """14:30, 1430, 14.30 or 14h30 (9:15 and 915 too), kept as 14:30."""
    if not field.data:
        return  # `required` has the message
    if not re.fullmatch(r"([01]?\d|2[0-3])[:.h]?[0-5]\d", field.data):
        raise ValidationError(_("Enter the admission time as hours and minutes, like 14:30"))
    digits = re.sub(r"\D", "", field.data).zfill(4)
    field.data = f"{digits[:2]}:{digits[2:]}"


def stay_nights(form, field):
    if field.data and (not re.fullmatch(r"[0-9]{1,3}", field.data) or not 1 <= int(field.data) <= 365):
        raise ValidationError(_("Length of stay must be a number of nights from 1 to 365"))


class AdmissionForm(Form):
    # The time only for an emergency, the nights only for an inpatient stay (see Form).
    revealed_by = {"time": ("kind", "emergency"), "nights": ("care", "inpatient")}

    kind = Radios(_l("Is the admission planned or an emergency?"),
                  _l("Select planned or emergency"), [
                      SelectChoice("planned", _l("Planned")),
                      SelectChoice("emergency", _l("Emergency")),
                  ])
    date = DateInputField(_l("Admission date"), [F.required(_l("Enter the admission date"))],
                          future_ok=True, description=_l("For example, 12 12 2026"))
    time = F.TextField(_l("Admission time"), _l("Enter the time of the emergency admission, like 14:30"),
                       limit=10, checks=[admission_time],
                       hint=_l("For an emergency admission: the time, like 14:30."),
                       render_kw={"class": "w-4", "inputmode": "numeric", "spellcheck": "false"})
    care = Radios(_l("Type of stay"), _l("Select inpatient or day case"), [
        SelectChoice("inpatient", _l("Inpatient (staying at least one night)")),
        SelectChoice("day", _l("Day case (no overnight stay)")),
    ])
    nights = F.TextField(_l("Expected length of stay, in nights"), _l("Enter the expected length of stay in nights"),
                         limit=10, checks=[stay_nights], hint=_l("For an inpatient stay."),
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
    contact_fax = F.PhoneField(_l("Admissions contact's fax"), "", region_field="country",
                               hint=_l("If the hospital has one."), optional="say", autocomplete="off")
    doctor_name = F.TextField(_l("Treating doctor's name"), _l("Enter the treating doctor's name"), limit=100,
                              checks=[F.has_letter])
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
    cost = AmountField(_l("Estimated cost, if known"), optional=True, currency_field="currency",
                       called=_l("Estimated cost"),
                       description=_l("From the hospital's estimate."),
                       render_kw={"inputmode": "decimal", "class": "w-10", "spellcheck": "false"})
    currency = F.CurrencyField(_l("Currency of the estimate"))

    def validate_currency(self, field):
        if self.cost.data and not field.data:
            raise ValidationError(_l("Select the currency of the estimate"))

    def validate_icd10(self, field):
        if field.data:
            code = field.data.upper().replace(" ", "")
            if not ICD10.match(code):  # shown again as typed, not as upper-cased
                raise ValidationError(_l("Enter the ICD-10 code as a letter and 2 numbers, then any "
                                         "further characters after a full stop, like S72.0"))
            field.data = code


class ConsentForm(Form):
    """Only when someone other than the member writes: medical details are the patient's."""

    consent = BooleanField(
        _l("The patient agreed that these medical details may be shared with %(administrator)s "
           "(or, if the patient cannot agree, their legal representative did)"),
        [F.required(_l("Confirm that the patient agreed to share the medical details"))])
    member_email = F.EmailField(_l("Member's email address (optional)"), "", optional=True, autocomplete="off",
                                hint=_l("If you give it, the member gets a copy of the request when we send it."))
