"""The claim journey's pages, in order, and the facts they derive from the answers."""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from ...engine import (Answers, ListStep, ListTexts, Remember, Step, UploadStep, answer, choice_label,
                       format_date, format_money, when)
from ...engine import fields as F
from ...engine.i18n import N_, lazy_gettext as _l, ngettext
from . import proofs
from .forms import (AccidentForm, BankForm, BankIbanForm, BankLocalForm, ExpenseForm,
                    FamilyMemberForm, MemberForm, OtherInsuranceForm, PatientForm, PaymentForm,
                    TreatmentForm)

# The kinds of document a member uploads; stored and printed in English, shown translated.
DOCUMENT_KINDS = (
    ("invoice", N_("Itemised invoice")),
    ("payment", N_("Proof of payment")),
    ("claim-form", N_("Signed claim form")),
    ("prescription", N_("Prescription")),
    ("other-insurer", N_("Other insurer's statement")),
    ("report", N_("Medical report")),
)


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


# The service a line most likely is, given the claim type ("medical and dental" says nothing).
SERVICE_FOR_KIND = {"medical": "consultation", "dental": "dental", "vision": "vision"}


def expense_defaults(answers: Answers) -> dict:
    """A new line is most often in the country (and currency) of treatment, and the service the
    claim type suggests."""
    country = answer("treatment", "country")(answers)
    kind = answer("treatment", "kind")(answers)
    return {"currency": F.currency_for_country(country), "country": country,
            **({"service": SERVICE_FOR_KIND[kind]} if kind in SERVICE_FOR_KIND else {})}


def describe_expense(item: dict) -> str:
    return (f"{format_date(item['date'])} · {item['provider']} · {item['description']} · "
            f"{format_money(item['amount'], item['currency'])}")


def uses_iban_bank(answers: Answers) -> bool:
    return F.uses_iban(answer("bank", "country")(answers))


def pays_by_bank(answers: Answers) -> bool:
    return answer("payment", "method")(answers) == "bank"


EXPENSE_TEXTS = ListTexts(
    item=proofs.EXPENSE_ITEM,
    add_first=_l("Add an expense"),
    add_another=_l("Add another expense"),
    change=_l("Change expense %(n)d"),
    save=_l("Save expense"),
    saved=_l("Expense %(n)d saved"),
    added=lambda n: ngettext("you have added %(num)d expense", "you have added %(num)d expenses", n),
    at_least=_l("Add at least one expense"),
    too_many=_l("You can add up to %(max)d expenses to one claim"),
    removed=_l("Expense %(n)d removed"),
    add_or_remove=_l("Add or remove expenses"),
)


BANK_STEPS = ("payment", "bank", "bank-iban", "bank-local")


def carry_over(answers: Answers) -> Answers:
    """What the next claim of this visit starts with: the member's details, and the way to
    be paid with the bank account when the member asked to keep it (off by default)."""
    kept = {"member": answers["member"]} if "member" in answers else {}
    if any((answers.get(step) or {}).get("keep") for step in ("bank-iban", "bank-local")):
        kept.update({step: answers[step] for step in BANK_STEPS if step in answers})
    return kept


# Pages only some claims have join the section of the page that brings them in, so the
# progress indicator counts the same 7 sections on every page (Wizard.sections).
STEPS = [
        Step("member", _l("Your details"), MemberForm),
        Step("patient", _l("The patient"), PatientForm),
        Step("family-member", _l("About the patient"), FamilyMemberForm,
             show_if=when("patient", "who", "family"), section="patient"),
        Step("treatment", _l("About the treatment"), TreatmentForm,
             defaults=lambda a: {"setting": "outpatient"}),  # most claims are for outpatient care
        Step("accident", _l("About the accident"), AccidentForm,
             show_if=when("treatment", "accident", "yes"), section="treatment"),
        Step("other-insurance", _l("Other insurance"), OtherInsuranceForm,
             show_if=when("treatment", "other_insurance", "yes"), section="treatment"),
        ListStep("expenses", _l("Expenses"), ExpenseForm, texts=EXPENSE_TEXTS,
                 describe=describe_expense,
                 totals=lambda a: [(_l("Total in %(currency)s", currency=c), format_money(v, c))
                                   for c, v in totals(a).items()],
                 defaults=expense_defaults),
        Step("payment", _l("How you want to be paid"), PaymentForm,
             defaults=lambda a: {"currency": F.currency_for_country(answer("member", "country")(a))}),
        Step("bank", _l("Bank account"), BankForm, show_if=pays_by_bank, section="payment",
             defaults=lambda a: {"country": answer("member", "country")(a)}),
        Step("bank-iban", _l("Bank account: IBAN"), BankIbanForm,
             show_if=lambda a: pays_by_bank(a) and uses_iban_bank(a), section="payment"),
        Step("bank-local", _l("Bank account details"), BankLocalForm,
             show_if=lambda a: pays_by_bank(a) and not uses_iban_bank(a), section="payment"),
        UploadStep("receipts", _l("Receipts and documents"), noun="document", kinds=DOCUMENT_KINDS,
                   covers=lambda a: proofs.expense_options(a),
                   hint=_l("Upload an itemised invoice and a proof of payment for each expense, a "
                           "prescription for each medicine, and the other insurer's statement if it "
                           "paid part of the claim. PDF, or photos as JPG, PNG or HEIC.")),
]


# What a signed-in member may keep for the next claim, item by item (engine/saved.py).
REMEMBERS = (
    Remember("details", {"member": {"full_name": "name", "reference": "reference",
                                    "date_of_birth": "date_of_birth", "email": "email",
                                    "country": "country", "phone": "phone", "address": "address"}}),
    Remember("dependants", {"family-member": {"name": "name", "date_of_birth": "date_of_birth",
                                              "relationship": "relationship"}}, many=True),
    Remember("accounts", {"bank": {"holder": "holder", "country": "country"},
                          "bank-iban": {"iban": "iban", "bic": "bic"},
                          "bank-local": {"account_number": "account_number", "bank_code": "bank_code",
                                         "bic": "bic", "bank_name": "bank_name",
                                         "bank_address": "bank_address"}},
             many=True, saved_on=("bank-iban", "bank-local")),
    Remember("currency", {"payment": {"currency": "code"}}),
)
