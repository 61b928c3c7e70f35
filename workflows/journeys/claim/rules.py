"""The claim's rules, as data: which documents the answers call for, and the filing deadline.

The checklist is declared here (DOCUMENTS) and read by the check page, the packet's cover and
the confirmation page alike, so they cannot disagree. Whether the administrator also wants its
own form, and the deadline's terms, come from the administrator's profile (PlanRules).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable

from ... import administrators
from ...administrators import Administrator, PlanRules
from ...engine import Answers, Notice, answer, clock, format_date, format_money
from ...engine.i18n import N_, gettext as _


def lines(answers: Answers) -> list[dict]:
    return list((answers.get("expenses") or {}).get("items") or [])


def other_insurer_paid(answers: Answers) -> bool:
    paid = answer("other-insurance", "amount_paid")(answers)
    try:
        return answer("treatment", "other_insurance")(answers) == "yes" and bool(paid) and Decimal(paid) > 0
    except InvalidOperation:  # answers stored before the field was checked
        return False


def line_id(item: dict, n: int) -> str:
    """An expense line's id, as the documents that prove it name it ("covers")."""
    return item.get("id") or f"line-{n}"


def each_line(service: str | None = None) -> Callable[[Answers, Administrator], list[str]]:
    """One document for each expense line (of that service, if given): those lines' ids."""
    return lambda a, admin: [line_id(item, n) for n, item in enumerate(lines(a), start=1)
                             if service is None or item.get("service") == service]


def once_if(condition: Callable[[Answers, Administrator], bool]) -> Callable[[Answers, Administrator], int]:
    return lambda a, admin: 1 if condition(a, admin) else 0


def _have(wanted: int | list[str], documents: list[dict]) -> int:
    """How many of what is wanted the documents of its kind give: per line, the lines some
    document covers (one receipt may prove several), plus documents that name no line yet."""
    if isinstance(wanted, int):
        return len(documents)
    covered = {line for f in documents for line in f.get("covers") or ()}
    loose = sum(1 for f in documents if not f.get("covers"))
    return min(len(wanted), sum(1 for line in wanted if line in covered) + loose)


@dataclass(frozen=True)
class Needed:
    """A kind of document the answers call for. `kind` is the upload kind that counts for it;
    `label` and `why` are English (printed for the processor) and translated on pages."""

    kind: str
    label: str
    why: str
    # How many are wanted: a number, or the ids of the lines that each want one.
    count: Callable[[Answers, Administrator], int | list[str]]


DOCUMENTS = (
    Needed("invoice", N_("Itemised invoice"), N_("one for each expense"), each_line()),
    Needed("payment", N_("Proof of payment"), N_("one for each expense"), each_line()),
    Needed("prescription", N_("Prescription"), N_("one for each medicine"), each_line("medicine")),
    Needed("other-insurer", N_("Other insurer's statement"), N_("the other insurer paid part of the claim"),
           once_if(lambda a, admin: other_insurer_paid(a))),
    Needed("claim-form", N_("Signed %(form)s"), N_("%(administrator)s requires its own form"),
           once_if(lambda a, admin: admin.claim_form_required)),
)


@dataclass(frozen=True)
class Item:
    needed: Needed
    wanted: int
    have: int
    form: str = ""  # the administrator's form, named in the claim form's label

    @property
    def missing(self) -> int:
        return max(0, self.wanted - self.have)

    def label(self, translate=lambda text: text) -> str:
        return translate(self.needed.label) % {"form": self.form} if "%(form)s" in self.needed.label \
            else translate(self.needed.label)


def checklist(answers: Answers, administrator: Administrator | None = None) -> list[Item]:
    """What the answers call for, and how many of each the uploaded documents give: for a
    document per line, by the lines each document says it covers."""
    admin = administrator or administrators.current()
    uploaded = (answers.get("receipts") or {}).get("files") or []
    out = []
    for needed in DOCUMENTS:
        wanted = needed.count(answers, admin)
        if wanted:
            have = _have(wanted, [f for f in uploaded if f.get("kind") == needed.kind])
            count = wanted if isinstance(wanted, int) else len(wanted)
            out.append(Item(needed, count, have, admin.claim_form_name))
    return out


def missing_on_page(answers: Answers) -> list[str]:
    """The check page's list of what is missing, in the page's language."""
    return [_("%(document)s: %(num)d missing (%(why)s)", document=item.label(_), num=item.missing,
              why=_(item.needed.why))
            for item in checklist(answers) if item.missing]


# --- the filing deadline --------------------------------------------------------------------------

def filing_deadline(service: dt.date, rules: PlanRules) -> dt.date:
    """The date a claim for this service must reach the administrator by."""
    return dt.date(service.year + rules.filing_deadline_years, 12, 31)


def deadline_notices(answers: Answers, today: dt.date | None = None, rules: PlanRules | None = None) -> list[Notice]:
    """One notice per deadline that is near or past, naming the date; the member can still send."""
    today = today or clock.today()
    rules = rules or administrators.current().rules
    deadlines = sorted({filing_deadline(dt.date.fromisoformat(item["date"]), rules)
                        for item in lines(answers) if item.get("date")})
    out = []
    for deadline in deadlines:
        if today > deadline:
            out.append(Notice(_("Expenses from %(year)d had to reach %(administrator)s by %(date)s. "
                                "%(administrator)s may refuse them; you can still send the claim.",
                                year=deadline.year - rules.filing_deadline_years, date=format_date(deadline))))
        elif (deadline - today).days <= rules.filing_warning_days:
            out.append(Notice(_("Expenses from %(year)d must reach %(administrator)s by %(date)s: "
                                "send this claim before then.",
                                year=deadline.year - rules.filing_deadline_years, date=format_date(deadline))))
    return out


def due_soon(answers: Answers, today: dt.date | None = None, rules: PlanRules | None = None) -> list[tuple[str, dt.date]]:
    """Expense lines of a claim not sent yet whose filing deadline is near (within the plan's
    warning days) or past: ("12 March 2025 · Dr Martin · EUR 650.00", deadline), for My claims."""
    today = today or clock.today()
    rules = rules or administrators.current().rules
    out = []
    for item in lines(answers):
        if item.get("date"):
            deadline = filing_deadline(dt.date.fromisoformat(item["date"]), rules)
            if (deadline - today).days <= rules.filing_warning_days:
                out.append((f"{format_date(item['date'])} · {item.get('provider', '')} · "
                            f"{format_money(item['amount'], item['currency'])}", deadline))
    return sorted(out, key=lambda found: found[1])
