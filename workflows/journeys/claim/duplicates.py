"""The same expense or the same file twice within a claim (issue 12, point 5): a caution that
names both, on the expenses or upload page and on the check page; the member can go on.
For a signed-in member, also against the history (issue 14, point 6): a file already sent
with an earlier claim (the same content), or a line with the same patient, date, provider
and amount as a line of one, gets a caution naming the earlier reference."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ...engine import Answers, Caution
from ...engine.i18n import gettext as _
from .proofs import expense_name, files
from .rules import lines
from .steps import patient


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


def _same_name(a, b) -> bool:
    return " ".join(str(a or "").split()).casefold() == " ".join(str(b or "").split()).casefold()


def earlier_cautions(answers: Answers, earlier) -> list[Caution]:
    """Lines and files of this claim already in an earlier one (`earlier()`: the member's
    finished journeys, each its record's data with its "reference"), newest first."""
    items, found = lines(answers), [f for f in files(answers) if f.get("sha256")]
    if not items and not found:
        return []  # nothing to compare: the history is not read
    history = earlier()
    name = patient(answers)["name"] if "patient" in answers else ""
    out = []
    for n, item in enumerate(items, start=1):
        reference = next((r["reference"] for r in history for old in r.get("lines") or ()
                          if _same_name(old.get("patient"), name) and _same_line(item, old)), None)
        if reference:
            out.append(Caution(_("%(expense)s has the same patient, date, provider and amount as an expense "
                                 "of your earlier claim %(reference)s: check that you are not claiming it "
                                 "twice.", expense=expense_name(n), reference=reference), "expenses",
                               on_step=True))
    for f in found:
        reference = next((r["reference"] for r in history for old in r.get("receipts") or ()
                          if old.get("sha256") == f["sha256"]), None)
        if reference:
            out.append(Caution(_("%(file)s was already sent with your earlier claim %(reference)s: check "
                                 "that you are not claiming it twice.", file=f["name"], reference=reference),
                               "receipts", on_step=True))
    return out
