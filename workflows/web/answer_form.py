"""The administrator's answer to a finished journey, as the member records it on the
record's page: its claim number, a status, the amount paid, the date and a note."""
from __future__ import annotations

from wtforms.fields.choices import SelectChoice

from ..engine import fields as F
from ..engine.i18n import gettext as _, lazy_gettext as _l

# In the order a claim goes through them.
STATUSES = (
    ("sent", _l("Sent, no answer yet")),
    ("acknowledged", _l("Acknowledged")),
    ("information-requested", _l("Information requested")),
    ("paid", _l("Paid")),
    ("partly-paid", _l("Partly paid")),
    ("refused", _l("Refused")),
)
PAID = ("paid", "partly-paid")


def status_label(status: str | None) -> str:
    return str(dict(STATUSES).get(status or "", _l("No answer recorded")))


class AnswerForm(F.Form):
    claim_number = F.TextField(_l("Claim number given by %(administrator)s"), "", limit=40, optional="say",
                               hint=_l("As it appears on their letter or email"),
                               render_kw={"autocomplete": "off", "spellcheck": "false", "class": "w-20"})
    status = F.RadioChoices(_l("What did they answer?"), _l("Select what they answered"),
                            [SelectChoice(value, label) for value, label in STATUSES])
    amount_paid = F.AmountField(_l("Amount paid"), optional=True, currency_field="currency",
                                render_kw={"inputmode": "decimal", "class": "w-10", "spellcheck": "false"},
                                description=_l("Only when they paid, all or part of it"))
    currency = F.CurrencyField(_l("Currency of the amount paid"))
    date = F.DateInputField(_l("Date of their answer"), description=_l("For example, 27 3 2026"))
    note = F.ParagraphField(_l("Note"), "", limit=1000, optional="say", render_kw={"rows": 3})

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        paid = self.status.data in PAID
        if paid and not self.amount_paid.data and not self.amount_paid.errors:
            self.amount_paid.errors = [_("Enter the amount paid")]
            ok = False
        if self.amount_paid.data and not self.currency.data and not self.currency.errors:
            self.currency.errors = [_("Select the currency of the amount paid")]
            ok = False
        if self.amount_paid.data and self.status.data and not paid and not self.amount_paid.errors:
            self.amount_paid.errors = [_("Leave the amount empty, or choose paid or partly paid")]
            ok = False
        return ok

    def answer(self) -> dict:
        amount = getattr(self.amount_paid, "amount", None)
        return {"claim_number": self.claim_number.data or "", "status": self.status.data,
                "amount_paid": f"{amount:.2f}" if amount is not None and self.amount_paid.data else "",
                "currency": (self.currency.data or "") if self.amount_paid.data else "",
                "date": self.date.data.isoformat() if self.date.data else "",
                "note": self.note.data or ""}


def form_for(answer: dict | None, formdata=None) -> AnswerForm:
    """The form, with what was recorded before (or what was just posted)."""
    if formdata is not None:
        return AnswerForm(formdata=formdata)
    kept = dict(answer or {})
    if kept.get("amount_paid") is None:
        kept.pop("amount_paid", None)
    return AnswerForm(formdata=None, data={k: v for k, v in kept.items() if v not in ("", None)})
