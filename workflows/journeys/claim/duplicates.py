"""The same expense or the same file twice within a claim (issue 12, point 5): a caution that
names both, on the expenses or upload page and on the check page; the member can go on."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ...engine import Answers, Caution
from ...engine.i18n import gettext as _
from .proofs import expense_name, files
from .rules import lines


def _same_line(a: dict, b: dict) -> bool:
    """Same date, provider (case and spacing aside) and amount in the same currency."""
    try:
        same_amount = Decimal(a["amount"]) == Decimal(b["amount"]) and a["currency"] == b["currency"]
    except (InvalidOperation, KeyError):
        same_amount = False
    return (same_amount and a.get("date") == b.get("date")
            and " ".join(str(a.get("provider", "")).split()).casefold()
            == " ".join(str(b.get("provider", "")).split()).casefold())


def duplicate_lines(answers: Answers) -> list[Caution]:
    items = lines(answers)
    return [Caution(_("%(first)s and %(second)s have the same date, provider and amount: check that "
                      "you have not entered the same expense twice.",
                      first=expense_name(i + 1), second=expense_name(j + 1)), "expenses", on_step=True)
            for i in range(len(items)) for j in range(i + 1, len(items)) if _same_line(items[i], items[j])]


def duplicate_files(answers: Answers) -> list[Caution]:
    found = files(answers)
    return [Caution(_("%(first)s and %(second)s are the same file: check that you have not uploaded "
                      "it twice.", first=a["name"], second=b["name"]), "receipts", on_step=True)
            for i, a in enumerate(found) for b in found[i + 1:]
            if a.get("sha256") and a.get("sha256") == b.get("sha256")]


def cautions(answers: Answers) -> list[Caution]:
    return duplicate_lines(answers) + duplicate_files(answers)
