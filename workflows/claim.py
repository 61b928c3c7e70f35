"""The claim reimbursement journey: its forms, its steps, and what it produces."""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from flask_babel import lazy_gettext as _l, ngettext
from wtforms import BooleanField, RadioField, ValidationError
from wtforms.fields.choices import SelectChoice

from . import clock, fields as F
from .engine import (Answers, ListStep, ListTexts, Step, UploadStep, Wizard, answer, choice_label,
                     format_date, format_money, when)
from .fields import AmountField, DateInputField, Form
from .covers import Sender
from .outputs import Outputs
from .plan import CIGNA, RULES

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


Radios = F.RadioChoices


# --- forms ----------------------------------------------------------------------------------

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
    ], hint=_l("Cigna needs one claim for each patient. For another patient, start another claim."))


class FamilyMemberForm(Form):
    name = F.TextField(_l("Patient's full name"), _l("Enter the patient's full name"), limit=100,
                       render_kw={"spellcheck": "false"})
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


class OtherInsuranceForm(Form):
    insurer = F.TextField(_l("Name of the other insurer"), _l("Enter the name of the other insurer"), limit=100)
    policy_number = F.TextField(_l("Policy number"), _l("Enter the policy number of the other insurance"),
                                limit=40, render_kw={"class": "w-20", "spellcheck": "false"})


class ExpenseForm(Form):
    date = DateInputField(_l("Date of service"), [F.required(_l("Enter the date of service"))],
                          description=_l("The date on the invoice, for example 3 11 2026"))
    provider = F.TextField(_l("Provider"), _l("Enter the name of the doctor, dentist, hospital or pharmacy"),
                           limit=120, hint=_l("Doctor, dentist, hospital or pharmacy."))
    description = F.TextField(_l("Description"), _l("Enter what the expense was for"), limit=200,
                              hint=_l("For example: consultation, X-ray, prescription medicine."))
    amount = AmountField(_l("Amount"), render_kw={"inputmode": "decimal", "class": "w-10",
                                              "spellcheck": "false"},
                         description=_l("As on the invoice, for example 120.50"))
    currency = F.CurrencyField(_l("Currency"), _l("Select the currency of the invoice"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        amount = getattr(self.amount, "amount", None)
        if ok and amount is not None:
            try:
                F.check_minor_units(amount, self.currency.data, self.amount.label.text)
            except ValidationError as exc:
                self.amount.errors = [str(exc)]
                return False
        return ok


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
                     render_kw={"data-hint": _l("Without complete bank details Cigna typically pays "
                                                "by cheque in %(currency)s.",
                                                currency=RULES.cheque_currency)}),
    ])


class BankForm(Form):
    holder = F.TextField(_l("Name of the account holder"), _l("Enter the name of the account holder"),
                         limit=100, render_kw={"spellcheck": "false"})
    country = F.CountryField(_l("Country of the bank"), _l("Select the country of the bank"))


class BankIbanForm(Form):
    iban = F.TextField(_l("IBAN"), _l("Enter the IBAN"), limit=42,
                       hint=_l("On your bank statement, for example BE71 0961 2345 6769."),
                       render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-30"})
    bic = F.TextField(_l("BIC (SWIFT code)"), _l("Enter the BIC (SWIFT code)"), limit=11,
                      hint=_l("8 or 11 letters and numbers, for example GEBABEBB."),
                      render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-10"})

    def validate_iban(self, field):
        if field.data:
            field.data = F.normalise_iban(field.data, answer("bank", "country")(self.answers))

    def validate_bic(self, field):
        F.bic(self, field)


class BankLocalForm(Form):
    account_number = F.TextField(_l("Account number"), _l("Enter the account number"), limit=40,
                                 render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-20"})
    bank_code = F.TextField(_l("Bank code (optional)"), "", limit=20, optional=True,
                            hint=_l("Routing number, sort code, BSB or IFSC, if your bank has one."),
                            render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-10"})
    bic = F.TextField(_l("BIC (SWIFT code)"), _l("Enter the BIC (SWIFT code)"), limit=11,
                      hint=_l("8 or 11 letters and numbers."),
                      render_kw={"spellcheck": "false", "autocomplete": "off", "class": "w-10"})
    bank_name = F.TextField(_l("Name of the bank"), _l("Enter the name of the bank"), limit=100)
    bank_address = F.ParagraphField(_l("Address of the bank"), _l("Enter the address of the bank"),
                                    limit=300, render_kw={"rows": 3})

    def validate_bic(self, field):
        F.bic(self, field)


class DeclarationForm(Form):
    confirm = BooleanField(
        _l("I confirm that the information I have given is true and complete to the best of my "
        "knowledge, and that I have told Cigna about any amount paid by another insurer."),
        [F.required(_l("Confirm that the information is true and complete"))])
    signature = F.NameField(_l("Your full name, as your signature"), _l("Enter your full name to sign"))

    def extra_answers(self):
        # The server's date, but never before a date in the claim: east of UTC a visit may be
        # on what is still tomorrow here, and a form signed before its treatment looks wrong.
        answers = getattr(self, "answers", None) or {}
        dates = [line.get("date") for line in (answers.get("expenses") or {}).get("items", [])]
        dates.append((answers.get("accident") or {}).get("date"))
        return {"signed_on": max([clock.today().isoformat(), *filter(None, dates)])}


# --- derived facts used by documents and emails ----------------------------------------------

def patient(answers: Answers) -> dict:
    member = answers.get("member") or {}
    if answer("patient", "who")(answers) == "family":
        fam = answers.get("family-member") or {}
        return {"name": fam.get("name", ""), "date_of_birth": fam.get("date_of_birth"),
                "relationship": choice_label(FamilyMemberForm.relationship, fam.get("relationship"))}
    return {"name": member.get("full_name", ""), "date_of_birth": member.get("date_of_birth"),
            "relationship": "Member"}


def totals(answers: Answers) -> "OrderedDict[str, Decimal]":
    """Totals per currency, in the order currencies first appear; never converted."""
    sums: OrderedDict[str, Decimal] = OrderedDict()
    for item in (answers.get("expenses") or {}).get("items") or []:
        sums[item["currency"]] = sums.get(item["currency"], Decimal(0)) + Decimal(item["amount"])
    return sums


def describe_expense(item: dict) -> str:
    return (f"{format_date(item['date'])} · {item['provider']} · {item['description']} · "
            f"{format_money(item['amount'], item['currency'])}")


def uses_iban_bank(answers: Answers) -> bool:
    return F.uses_iban(answer("bank", "country")(answers))


def pays_by_bank(answers: Answers) -> bool:
    return answer("payment", "method")(answers) == "bank"


EXPENSE_TEXTS = ListTexts(
    item=_l("Expense %(n)d"),
    add_first=_l("Add an expense"),
    add_another=_l("Add another expense"),
    change=_l("Change expense %(n)d"),
    save=_l("Save expense"),
    added=lambda n: ngettext("you have added %(num)d expense", "you have added %(num)d expenses", n),
    at_least=_l("Add at least one expense"),
    too_many=_l("You can add up to %(max)d expenses to one claim"),
    removed=_l("Expense %(n)d removed"),
    add_or_remove=_l("Add or remove expenses"),
)


CLAIM = Wizard(
    slug="claim",
    title=_l("Claim reimbursement"),
    reference_prefix="CLM",
    start_hint=_l("One claim covers one patient. Have your receipts and bank details ready."),
    steps=[
        Step("member", _l("Your details"), MemberForm),
        Step("patient", _l("The patient"), PatientForm),
        Step("family-member", _l("About the patient"), FamilyMemberForm,
             show_if=when("patient", "who", "family")),
        Step("treatment", _l("About the treatment"), TreatmentForm),
        Step("accident", _l("About the accident"), AccidentForm,
             show_if=when("treatment", "accident", "yes")),
        Step("other-insurance", _l("Other insurance"), OtherInsuranceForm,
             show_if=when("treatment", "other_insurance", "yes")),
        ListStep("expenses", _l("Expenses"), ExpenseForm, texts=EXPENSE_TEXTS,
                 describe=describe_expense,
                 totals=lambda a: [(_l("Total in %(currency)s", currency=c), format_money(v, c))
                                   for c, v in totals(a).items()],
                 defaults=lambda a: {"currency": F.currency_for_country(answer("treatment", "country")(a))}),
        Step("payment", _l("How you want to be paid"), PaymentForm,
             defaults=lambda a: {"currency": F.currency_for_country(answer("member", "country")(a))}),
        Step("bank", _l("Bank account"), BankForm, show_if=pays_by_bank,
             defaults=lambda a: {"country": answer("member", "country")(a)}),
        Step("bank-iban", _l("Bank account: IBAN"), BankIbanForm,
             show_if=lambda a: pays_by_bank(a) and uses_iban_bank(a)),
        Step("bank-local", _l("Bank account details"), BankLocalForm,
             show_if=lambda a: pays_by_bank(a) and not uses_iban_bank(a)),
        UploadStep("receipts", _l("Receipts and documents"), noun="document", kinds=RULES.document_kinds,
                   hint=_l("Upload itemised invoices and proofs of payment, and the signed Cigna "
                        "claim form if you have it. PDF, JPG or PNG, up to 10 MB each.")),
    ],
    declaration=DeclarationForm,
)


# --- what the finished claim produces ---------------------------------------------------------

def packet_context(answers: Answers, reference: str, attachments: list) -> dict:
    """Plain values for the packet template: the review rows, the expenses and totals."""
    member = answers["member"]
    return {
        "reference": reference,
        "member": member,
        "patient": patient(answers),
        "expenses": (answers.get("expenses") or {}).get("items") or [],
        "totals": totals(answers),
        "sections": [(step.title, rows) for step, rows in CLAIM.review(answers)
                     if step.kind != "upload"],
        "declaration": answers.get("declaration") or {},
        "declaration_text": DeclarationForm.confirm.args[0],
        "attachments": attachments,
        "qr_payload": f"MIP CLAIM {reference} REF {member['reference']}",
    }


def subject(answers: Answers) -> str:
    return (f"Claim reimbursement – {answers['member']['reference']} – "
            f"{patient(answers)['name']}")


def email_context(answers: Answers, reference: str, attachments: list) -> dict:
    """What the email says. No bank details or diagnosis: those are in the attached packet,
    and a mailto: link can end up in browser history."""
    return {"answers": answers, "reference": reference, "patient": patient(answers),
            "totals": totals(answers), "attachments": attachments,
            "expense_count": len((answers.get("expenses") or {}).get("items") or [])}


CLAIM.outputs = Outputs(
    packet_template="pdf/claim_packet.html",
    packet_prefix="claim",
    context=packet_context,
    subject=subject,
    email_template="email/claim.txt",
    email_context=email_context,
    recipients=(CIGNA.claims_email,),
    member_email=lambda a: a["member"]["email"],
    upload_step="receipts",
    document_name=_l("claim packet"),
    item_name=_l("claim"),
    next_steps=_l("%(administrator)s processes the claim and pays to the account or by the means "
                  "you chose. Keep your claim reference and the original receipts.",
                  administrator=CIGNA.name),
    another_hint=_l("Each patient needs a claim of their own. Your own details are kept for the next one."),
    sender=lambda a: Sender(a["member"]["full_name"], a["member"]["reference"], a["member"]["phone"],
                            reply_email=a["member"]["email"], address=a["member"]["address"]),
    cover_subject=lambda a: "Claim reimbursement",
)
