"""The packet's claim form section: every field an international claim form asks for, in the
form's order and in the third person, for the claims processor.

Where the administrator requires its own form, the member copies these fields across, so the
order here is the form's: member, patient, treatment, itemised fees, reimbursement,
declaration. Built in English from the answers; never from the member's page labels ("Your
details", "Me (the member)"), which speak to the member.
"""
from __future__ import annotations

from typing import NamedTuple

from ...engine import Answers, answer, choice_label, format_date, format_money
from ...engine import fields as F
from .forms import FamilyMemberForm, TreatmentForm
from .proofs import Proof, proofs
from .steps import patient

# Printed values for the processor; the member's pages ask the same in their own words.
SETTINGS = {"outpatient": "Outpatient", "inpatient": "Inpatient"}
SERVICES = {"consultation": "Consultation", "medicine": "Medicine (pharmacy)", "hospital": "Hospital",
            "dental": "Dental", "vision": "Vision", "other": "Other"}
PAYEES = {"member": "The member", "provider": "The provider"}
METHODS = {"bank": "Bank transfer", "cheque": "Cheque"}


class Field(NamedTuple):
    label: str
    value: str


class Fee(NamedTuple):
    """One line of the itemised fees. `proof`: the documents the member said cover it, each
    with the id of its first page in the packet (the template prints that page's number)."""

    number: int
    date: str
    provider: str
    city: str
    country: str
    service: str
    description: str
    amount: str
    currency: str
    proof: tuple[Proof, ...] = ()


def _member(a: Answers) -> list[Field]:
    m = a["member"]
    return [Field("Personal reference number", m["reference"]), Field("Name", m["full_name"]),
            Field("Address", f"{m['address']}\n{F.country_name(m['country'])}"),
            Field("Phone", m["phone"]), Field("Email", m["email"])]


def _patient(a: Answers) -> list[Field]:
    p = patient(a)
    relationship = ("The member" if answer("patient", "who")(a) != "family"
                    else choice_label(FamilyMemberForm.relationship, (a.get("family-member") or {}).get("relationship")))
    return [Field("Name", p["name"]),
            Field("Date of birth", format_date(p["date_of_birth"]) if p["date_of_birth"] else "Not given"),
            Field("Relationship to the member", relationship)]


def _accident(a: Answers) -> str:
    if answer("treatment", "accident")(a) != "yes":
        return "No"
    acc = a.get("accident") or {}
    work = "work-related" if acc.get("work_related") == "yes" else "not work-related"
    return f"Yes, on {format_date(acc['date'])}, {work}: {acc.get('description', '')}"


def _other_insurance(a: Answers) -> str:
    if answer("treatment", "other_insurance")(a) != "yes":
        return "None"
    o = a.get("other-insurance") or {}
    paid = (f"amount paid {format_money(o['amount_paid'], o.get('paid_currency') or '')}"
            if o.get("amount_paid") else "nothing paid yet")
    return f"{o.get('insurer', '')}, policy {o.get('policy_number', '')}, {paid}"


def _treatment(a: Answers) -> list[Field]:
    t = a["treatment"]
    return [Field("Country where treated", F.country_name(t["country"])),
            Field("Diagnosis or reason for treatment", t["reason"]),
            Field("Claim type", choice_label(TreatmentForm.kind, t["kind"])),
            Field("Inpatient or outpatient", SETTINGS.get(t.get("setting"), "Not given")),
            Field("Accident", _accident(a)),
            Field("Other insurance", _other_insurance(a))]


def fees(a: Answers, enclosed_ids: set[str] | None = None) -> list[Fee]:
    """The fee lines, each with the documents enclosed (`enclosed_ids`) that prove it."""
    items = (a.get("expenses") or {}).get("items") or []
    return [Fee(n, format_date(e["date"]), e["provider"], e.get("city", ""),
                F.country_name(e["country"]) if e.get("country") else "", SERVICES.get(e.get("service"), "Not given"),
                e["description"], format_money(e["amount"], ""), e["currency"], tuple(proof))
            for (n, e), proof in zip(enumerate(items, start=1), proofs(a, enclosed_ids))]


def _bank(a: Answers) -> str:
    if "bank" not in a:
        return "None (cheque)"
    bank = a["bank"]
    lines = [f"Account holder: {bank['holder']}", f"Bank's country: {F.country_name(bank['country'])}"]
    if "bank-iban" in a:
        lines += [f"IBAN: {a['bank-iban']['iban']}", f"BIC: {a['bank-iban']['bic']}"]
    elif "bank-local" in a:
        local = a["bank-local"]
        lines += [f"Account number: {local['account_number']}",
                  *([f"Bank code: {local['bank_code']}"] if local.get("bank_code") else []),
                  f"BIC: {local['bic']}", f"Bank: {local['bank_name']}", f"Bank's address: {local['bank_address']}"]
    return "\n".join(lines)


def _reimbursement(a: Answers) -> list[Field]:
    pay = a["payment"]
    return [Field("Pay", PAYEES.get(pay["payee"], pay["payee"])), Field("Currency", pay["currency"]),
            Field("Method", METHODS.get(pay["method"], pay["method"])), Field("Bank details", _bank(a))]


def sections(a: Answers) -> list[tuple[str, list[Field]]]:
    """The labelled parts of the claim form before the fees, and the reimbursement after them."""
    return [("Member", _member(a)), ("Patient", _patient(a)), ("Treatment", _treatment(a))]


def reimbursement(a: Answers) -> list[Field]:
    return _reimbursement(a)
