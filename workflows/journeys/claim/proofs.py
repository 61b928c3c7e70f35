"""Which document proves which expense line, and what is worth a second look before sending:
lines without a document, documents without a line.

Each uploaded file keeps the ids of the lines it covers ("covers"); a document can cover
several lines and a line can have several documents. The packet's fee table points each line
to the pages of its documents; the check page shows the cautions. None of them stops the member.
"""
from __future__ import annotations

from typing import NamedTuple

from ...engine import Answers, Caution, format_date, format_money
from ...engine.i18n import gettext as _, lazy_gettext as _l
from .rules import line_id, lines


# An expense line's name, here and in the expenses list (steps.EXPENSE_TEXTS).
EXPENSE_ITEM = _l("Expense %(n)d")


def expense_name(n: int) -> str:
    return str(EXPENSE_ITEM) % {"n": n}


def expense_options(answers: Answers) -> list[tuple[str, str]]:
    """The lines a document can cover, as the member reads them:
    "Expense 1: 12 March 2026 · Dr Martin · EUR 650.00"."""
    return [(line_id(item, n), _("%(label)s: %(value)s", label=expense_name(n),
                                 value=f"{format_date(item['date'])} · {item['provider']} · "
                                       f"{format_money(item['amount'], item['currency'])}"))
            for n, item in enumerate(lines(answers), start=1)]


def files(answers: Answers) -> list[dict]:
    return list((answers.get("receipts") or {}).get("files") or [])


class Proof(NamedTuple):
    """A document that proves a fee line, and the id of its first page in the packet."""

    label: str
    ref: str


def first_page_id(f: dict) -> str:
    """The packet's id for a document's first page (templates/pdf/_attachment_pages.html)."""
    return f"slot-{f['id']}-0" if f.get("media_type") == "application/pdf" else f"att-{f['id']}"


def proofs(answers: Answers, enclosed_ids: set[str] | None = None) -> list[list[Proof]]:
    """For each line, in order, the documents that cover it (of those enclosed)."""
    out = []
    for n, item in enumerate(lines(answers), start=1):
        key = line_id(item, n)
        out.append([Proof(f.get("kind_label") or "Document", first_page_id(f)) for f in files(answers)
                    if key in (f.get("covers") or []) and (enclosed_ids is None or f["id"] in enclosed_ids)])
    return out


def unproven(answers: Answers) -> list[Caution]:
    """Lines no document covers, and documents that cover no line."""
    found = files(answers)
    covered = {c for f in found for c in f.get("covers") or []}
    keys = [line_id(item, n) for n, item in enumerate(lines(answers), start=1)]
    out = [Caution(_("%(expense)s has no document: say which documents cover it, or upload one.",
                     expense=expense_name(n)), "receipts")
           for n, key in enumerate(keys, start=1) if key not in covered]
    out += [Caution(_("%(file)s does not cover any expense.", file=f["name"]), "receipts", file=f["id"])
            for f in found if not set(f.get("covers") or []) & set(keys)]
    return out


def cautions(answers: Answers) -> list[Caution]:
    return unproven(answers)
