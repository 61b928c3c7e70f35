"""The claim journey's forms: one question group per page."""
from __future__ import annotations

from flask import flash
from flask_babel import LazyString
from wtforms import BooleanField, ValidationError
from wtforms.fields.choices import SelectChoice

from ... import administrators
from ...engine import answer, clock
from ...engine import fields as F
from ...engine.fields import AmountField, DateInputField, Form
from ...engine.i18n import gettext as _, lazy_gettext as _l

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]
Radios = F.RadioChoices
# The plan's cheque currency, read from the profile in force when the hint is shown.
CHEQUE_CURRENCY = LazyString(lambda: administrators.current().rules.cheque_currency)


class MemberForm(Form):
    full_name = F.NameField(_l("Full name"))
    reference = F.ReferenceField()
    date_of_birth = DateInputField(_l("Date of birth"), [F.required(_l("Enter your date of birth"))],
                                   past_only=True, autocomplete="bday",
                                   description=_l("For example, 27 3 1980"))
    email = F.EmailField(hint=_l("We send a copy of the claim here if you ask us to send it."))
    country = F.CountryField(_l("Country where you live"), _l("Select the country where you live"),
                             render_kw={"autocomplete": "country"})
    phone = F.PhoneField(region_field="country",
                         hint=_l("Include the country code if you live outside the country of the number."))
    address = F.ParagraphField(_l("Postal address"), _l("Enter your postal address"), limit=500,
                               render_kw={"autocomplete": "street-address", "rows": 4})


class PatientForm(Form):
    who = Radios(_l("Who received the treatment?"), _l("Select who received the treatment"), [
        SelectChoice("member", _l("I did (the member)")),
        SelectChoice("family", _l("A covered family member")),
    ], hint=_l("%(administrator)s needs one claim for each patient. For another patient, start another claim."))


class FamilyMemberForm(Form):
    name = F.TextField(_l("Patient's full name"), _l("Enter the patient's full name"), limit=100,
                       checks=[F.has_letter], render_kw={"spellcheck": "false"})
    date_of_birth = DateInputField(_l("Patient's date of birth"),
                                   [F.required(_l("Enter the patient's date of birth"))],
                                   description=_l("For example, 27 3 2012"))
    relationship = Radios(_l("Relationship to you"), _l("Select the patient's relationship to you"), [
        SelectChoice("spouse", _l("Spouse or partner")),
        SelectChoice("child", _l("Child")),
        SelectChoice("other", _l("Other covered dependant")),
    ])


class TreatmentForm(Form):
    kind = Radios(_l("What kind of treatment was it?"), _l("Select the kind of treatment"), [
        SelectChoice("medical", _l("Medical")),
        SelectChoice("dental", _l("Dental")),
        SelectChoice("both", _l("Medical and dental")),
        SelectChoice("vision", _l("Vision (eye tests, glasses, contact lenses)")),
    ])
    setting = Radios(_l("Was the patient admitted to hospital?"),
                     _l("Select whether the patient was admitted to hospital"), [
        SelectChoice("outpatient", _l("No, outpatient care (no overnight stay)")),
        SelectChoice("inpatient", _l("Yes, inpatient care (at least one night in hospital)")),
    ])
    reason = F.ParagraphField(_l("Reason for treatment or diagnosis"),
                              _l("Enter the reason for treatment or the diagnosis"), limit=1000,
                              hint=_l("As written by the doctor, if you have it."),
                              render_kw={"rows": 3})
    country = F.CountryField(_l("Country where treated"), _l("Select the country where you were treated"))
    accident = Radios(_l("Did the treatment follow an accident?"),
                      _l("Select yes if the treatment followed an accident"), YES_NO)
    other_insurance = Radios(_l("Is any other insurance involved?"),
                             _l("Select yes if any other insurance is involved"), YES_NO,
                             hint=_l("For example another health plan, or a motor or work insurer."))


class AccidentForm(Form):
    date = DateInputField(_l("Date of the accident"), [F.required(_l("Enter the date of the accident"))],
                          description=_l("For example, 14 2 2026"))
    description = F.ParagraphField(_l("What happened?"), _l("Describe what happened"), limit=1000,
                                   render_kw={"rows": 3})
    work_related = Radios(_l("Did it happen at work or on the way to work?"),
                          _l("Select yes if the accident happened at work or on the way to work"), YES_NO)


class OtherInsuranceForm(Form):
    insurer = F.TextField(_l("Name of the other insurer"), _l("Enter the name of the other insurer"), limit=100)
    policy_number = F.TextField(_l("Policy number"), _l("Enter the policy number of the other insurance"),
                                limit=40, render_kw={"class": "w-20", "spellcheck": "false"})
    amount_paid = AmountField(_l("Amount the other insurer paid (optional)"), optional=True,
                              description=_l("Leave empty if it has not paid anything yet."),
                              render_kw={"inputmode": "decimal", "class": "w-10", "spellcheck": "false"})
    paid_currency = F.CurrencyField(_l("Currency of that amount"))

    def validate_paid_currency(self, field):
        if self.amount_paid.data and not field.data:
            raise ValidationError(_l("Select the currency of the amount the other insurer paid"))
        amount = getattr(self.amount_paid, "amount", None)
        if amount is not None and field.data:
            F.check_minor_units(amount, field.data, self.amount_paid.label.text)


# What an expense line was for: the documents a line needs follow from it (rules.py).
SERVICES = [
    SelectChoice("consultation", _l("Consultation or treatment by a doctor")),
    SelectChoice("medicine", _l("Medicine from a pharmacy")),
    SelectChoice("hospital", _l("Hospital stay or day case")),
    SelectChoice("dental", _l("Dental care")),
    SelectChoice("vision", _l("Eye test, glasses or contact lenses")),
    SelectChoice("other", _l("Something else, like tests, X-rays or therapy")),
]


class ExpenseForm(Form):
    date = DateInputField(_l("Date of service"), [F.required(_l("Enter the date of service"))],
                          description=_l("The date on the invoice, for example 3 11 2026"))
    service = Radios(_l("What was it for?"), _l("Select what the expense was for"), SERVICES)
    provider = F.TextField(_l("Provider"), _l("Enter the name of the doctor, dentist, hospital or pharmacy"),
                           limit=120, hint=_l("Doctor, dentist, hospital or pharmacy."))
    city = F.TextField(_l("Provider's town or city"), _l("Enter the provider's town or city"), limit=80)
    country = F.CountryField(_l("Provider's country"), _l("Select the provider's country"))
    description = F.TextField(_l("Description"), _l("Enter what the expense was for"), limit=200,
                              hint=_l("For example: consultation, X-ray, prescription medicine."))
    amount = AmountField(_l("Amount"), currency_field="currency",
                         render_kw={"inputmode": "decimal", "class": "w-10", "spellcheck": "false"},
                         description=_l("As on the invoice, for example 120.50"))
    currency = F.CurrencyField(_l("Currency"), _l("Select the currency of the invoice"))


class PaymentForm(Form):
    payee = Radios(_l("Who should be paid?"), _l("Select who should be paid"), [
        SelectChoice("member", _l("Me (the member)")),
        SelectChoice("provider", _l("The provider, if not paid yet")),
    ])
    currency = F.CurrencyField(_l("Currency you want to be paid in"),
                               _l("Select the currency you want to be paid in"))
    method = Radios(_l("How do you want to be paid?"), _l("Select how you want to be paid"), [
        SelectChoice("bank", _l("Bank transfer")),
        SelectChoice("cheque", _l("Cheque"),
                     render_kw={"data-hint": _l("Without complete bank details %(administrator)s "
                                                "typically pays by cheque in %(currency)s.",
                                                currency=CHEQUE_CURRENCY)}),
    ])


class BankForm(Form):
    holder = F.TextField(_l("Name of the account holder"), _l("Enter the name of the account holder"),
                         limit=100, checks=[F.has_letter], render_kw={"spellcheck": "false"})
    country = F.CountryField(_l("Country of the bank"), _l("Select the country of the bank"))


BIC_WHERE = _l("8 or 11 letters and numbers, on your bank statement or in your online banking.")


def KeepBankField():
    return BooleanField(_l("Use these bank details for my next claim in this visit"),
                        description=_l("They are kept with your answers on our server, never in "
                                       "your browser, and deleted with them."))


class BankIbanForm(Form):
    service_choices = ("keep",)
    iban = F.TextField(_l("IBAN"), _l("Enter the IBAN"), limit=42,
                       hint=_l("On your bank statement, for example BE71 0961 2345 6769."),
                       render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-30"})
    bic = F.TextField(_l("BIC (SWIFT code)"), "", limit=11, optional=True,
                      hint=_l("8 or 11 letters and numbers, on your bank statement or in your "
                              "online banking. Left empty, it is filled in from the IBAN where "
                              "your bank is known, for you to check."),
                      render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-10"})
    keep = KeepBankField()

    def validate_iban(self, field):
        if field.data:
            field.data = F.normalise_iban(field.data, answer("bank", "country")(self.answers))

    def validate_bic(self, field):
        if not field.data and self.iban.data and not self.iban.errors:
            # Found from the IBAN: shown filled in for the member to confirm or change, not
            # saved unseen (the registry can be out of date, or the account elsewhere).
            field.data = F.bic_for_iban(self.iban.data)
            if field.data:
                self.bic_filled_in = True
                field.description = _l("Filled in from your IBAN: check it against your bank "
                                       "statement or online banking, change it if yours is "
                                       "different, then save.")
                return
        if not field.data:
            field.description = BIC_WHERE
            raise ValidationError(_("Enter the BIC (SWIFT code)"))
        F.bic(self, field)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and getattr(self, "bic_filled_in", False):
            flash(_("We filled in the BIC from your IBAN: check it, then save and continue"))
            return False  # the page again, with the BIC to check
        return ok


class BankLocalForm(Form):
    service_choices = ("keep",)
    account_number = F.TextField(_l("Account number"), _l("Enter the account number"), limit=40,
                                 render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-20"})
    bank_code = F.TextField(_l("Bank code"), "", limit=20, optional="say",
                            hint=_l("Routing number, sort code, BSB or IFSC, if your bank has one."),
                            render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-10"})
    bic = F.TextField(_l("BIC (SWIFT code)"), _l("Enter the BIC (SWIFT code)"), limit=11,
                      hint=BIC_WHERE,
                      render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-10"})
    bank_name = F.TextField(_l("Name of the bank"), _l("Enter the name of the bank"), limit=100)
    bank_address = F.ParagraphField(_l("Address of the bank"), _l("Enter the address of the bank"),
                                    limit=300, render_kw={"rows": 3})
    keep = KeepBankField()

    def validate_bic(self, field):
        F.bic(self, field)


class DeclarationForm(Form):
    confirm = BooleanField(
        _l("I confirm that the information I have given is true and complete to the best of my "
        "knowledge, and that I have told %(administrator)s about any amount paid by another insurer."),
        [F.required(_l("Confirm that the information is true and complete"))])
    signature = F.NameField(_l("Your full name, as your signature"), _l("Enter your full name to sign"))

    def extra_answers(self):
        # The server's date, but never before a date in the claim: east of UTC a visit may be
        # on what is still tomorrow here, and a form signed before its treatment looks wrong.
        answers = getattr(self, "answers", None) or {}
        dates = [line.get("date") for line in (answers.get("expenses") or {}).get("items", [])]
        dates.append((answers.get("accident") or {}).get("date"))
        return {"signed_on": max([clock.today().isoformat(), *filter(None, dates)])}
