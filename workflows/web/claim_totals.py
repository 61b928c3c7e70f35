"""Totals of a member's history, per year and per patient: the amount claimed and the
amount paid, each per currency (never converted: the administrator converts)."""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from typing import NamedTuple

from ..store import Record
from .answer_form import PAID


class Total(NamedTuple):
    label: str  # the year, or the patient's name
    claimed: "OrderedDict[str, Decimal]"
    paid: "OrderedDict[str, Decimal]"


def _add(sums: dict, currency: str, amount: str) -> None:
    if currency and amount:
        sums[currency] = sums.get(currency, Decimal(0)) + Decimal(amount)


def totals_by(records: list[Record], key) -> list[Total]:
    """One Total per value of key(record) (records without one are left out), in the order
    the (newest first) records give them."""
    found: "OrderedDict[str, Total]" = OrderedDict()
    for record in records:
        label = key(record)
        if not label:
            continue
        total = found.setdefault(label, Total(label, OrderedDict(), OrderedDict()))
        for currency, amount in (record.data.get("totals") or {}).items():
            _add(total.claimed, currency, amount)
        answer = record.data.get("answer") or {}
        if answer.get("status") in PAID:
            _add(total.paid, answer.get("currency", ""), answer.get("amount_paid", ""))
    return [t for t in found.values() if t.claimed or t.paid]


def per_year(records: list[Record]) -> list[Total]:
    return totals_by(records, lambda r: str(r.created_at.year))


def per_patient(records: list[Record]) -> list[Total]:
    return sorted(totals_by(records, lambda r: r.data.get("patient") or ""), key=lambda t: t.label.casefold())
