"""What a finished claim produces: the claim packet, the email to the claims mailbox, and
the sender and subject of a fax or postal cover."""
from __future__ import annotations

from decimal import Decimal

from ...documents import Sender
from ...engine import Answers
from ...engine.i18n import N_, lazy_gettext as _l
from ..contract import Document, Email, Finished, Outputs, Paper
from . import claim_form
from .forms import DeclarationForm
from .rules import checklist
from .steps import patient, totals


def packet_context(f: Finished) -> dict:
    """Plain values for the packet template: the claim form section (third person, in the
    order of the administrator's form), the fees and totals, and the documents checklist:
    what is enclosed and what is to follow."""
    answers = f.answers
    items = checklist(answers, administrator=f.administrator)
    return {
        "member": answers["member"],
        "patient": patient(answers),
        "expenses": (answers.get("expenses") or {}).get("items") or [],
        "totals": totals(answers),
        "claim_form": claim_form.sections(answers),
        "fees": claim_form.fees(answers, {a.id for a in f.attachments}),
        "reimbursement": claim_form.reimbursement(answers),
        "to_follow": [item for item in items if item.missing],
        "declaration": answers.get("declaration") or {},
        "declaration_text": DeclarationForm.confirm.args[0],
    }


def qr_text(f: Finished) -> str:
    return f"MIP CLAIM {f.reference} REF {f.answers['member']['reference']}"


def part_facts(f: Finished) -> list[tuple[str, str]]:
    """What each part's cover names the claim by, for a processor matching the parts."""
    answers = f.answers
    return [("Personal reference number", answers["member"]["reference"]),
            ("Member", answers["member"]["full_name"]),
            ("Patient", patient(answers)["name"])]


def subject(answers: Answers) -> str:
    return (f"Claim reimbursement – {answers['member']['reference']} – "
            f"{patient(answers)['name']}")


def email_context(f: Finished) -> dict:
    """What the email says. No bank details or diagnosis: those are in the attached packet,
    and a mailto: link can end up in browser history."""
    answers = f.answers
    return {"answers": answers, "patient": patient(answers), "totals": totals(answers),
            "expense_count": len((answers.get("expenses") or {}).get("items") or [])}


def history(answers: Answers) -> dict:
    """What the member's history keeps: the patient, totals per currency and each line (for
    the duplicate guard), in plain strings."""
    name = patient(answers)["name"]
    lines = [{"patient": name, "date": item.get("date") or "", "provider": item.get("provider") or "",
              "amount": f"{Decimal(item['amount']):.2f}", "currency": item["currency"]}
             for item in (answers.get("expenses") or {}).get("items") or []]
    return {"patient": name, "totals": {c: f"{v:.2f}" for c, v in totals(answers).items()},
            "lines": lines, "title": "Claim reimbursement"}


OUTPUTS = Outputs(
    document=Document(
        name=_l("claim packet"),
        item=_l("claim"),
        prefix="claim",
        template="claim/packet.html",
        context=packet_context,
        qr=qr_text,
        next_steps=_l("%(administrator_name)s processes the claim and pays to the account or by "
                      "the means you chose. Keep your claim reference and the original receipts."),
        another_hint=_l("Each patient needs a claim of their own. Your own details are kept for "
                        "the next one."),
        mentions_claim_form=True,
        own_pages="Cover sheet and claim form",
        part_facts=part_facts,
        advice=(
            _l("Put your personal reference number on every document you send."),
            _l("If you post your receipts, tape small ones onto A4 paper rather than stapling them."),
            _l("Keep the original receipts until %(administrator)s has paid the claim."),
        ),
    ),
    email=Email(
        mailbox="claims",
        subject=subject,
        template="claim/email.txt",
        context=email_context,
        member=lambda a: a["member"]["email"],
    ),
    paper=Paper(
        title=N_("Claim reimbursement"),
        sender=lambda a: Sender(a["member"]["full_name"], a["member"]["reference"],
                                a["member"]["phone"], reply_email=a["member"]["email"],
                                address=a["member"]["address"]),
        subject=lambda a: "Claim reimbursement",
    ),
    uploads="receipts",
    history=history,
)
