"""The GOV.UK date input: three boxes, checked against the dates in force on Earth."""
from __future__ import annotations

import datetime as dt
import re

from wtforms import Field
from wtforms.validators import StopValidation

from . import clock
from .i18n import gettext as _, lazy_gettext as _l

# Whole sentences per combination of missing boxes, so each language can phrase them.
MISSING_PARTS = {
    ("day",): _l("%(label)s must include a day"),
    ("month",): _l("%(label)s must include a month"),
    ("year",): _l("%(label)s must include a year"),
    ("day", "month"): _l("%(label)s must include a day and month"),
    ("day", "year"): _l("%(label)s must include a day and year"),
    ("month", "year"): _l("%(label)s must include a month and year"),
}


class DateInputField(Field):
    """GOV.UK date input: three boxes (day, month, year) in one fieldset.

    Raw parts are kept so the page shows exactly what was typed after an error.
    """

    widget_kind = "date"

    def __init__(self, label=None, validators=None, past_only=False, future_ok=False,
                 min_year=1900, autocomplete=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.autocomplete = autocomplete  # "bday" gives bday-day, bday-month, bday-year
        self.past_only = past_only
        self.future_ok = future_ok
        self.min_year = min_year
        self.parts = {"day": "", "month": "", "year": ""}

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.data = None
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in self.parts):
            self.parts = {p: (formdata.get(f"{self.name}-{p}") or "").strip()[:10] for p in self.parts}
            self.raw_data = list(self.parts.values())
            return
        value = self.default() if callable(self.default) else self.default
        if data is not None:
            value = data
        if isinstance(value, str) and value:
            value = dt.date.fromisoformat(value)
        if isinstance(value, dt.date):
            self.data = value
            self.parts = {"day": str(value.day), "month": str(value.month), "year": str(value.year)}

    def pre_validate(self, form):
        if self.raw_data is None:
            return
        label = self.label.text
        missing = [p for p, v in self.parts.items() if not v]
        if len(missing) == 3:
            return  # empty: the field's `required` validator has the message, if any
        if missing:
            raise StopValidation(MISSING_PARTS[tuple(missing)] % {"label": label})
        if not all(re.fullmatch(r"[0-9]+", v) for v in self.parts.values()):
            raise StopValidation(_("%(label)s must be a real date, in numbers, like 27 3 1980",
                                   label=label))
        day, month, year = (int(self.parts[p]) for p in ("day", "month", "year"))
        if len(self.parts["year"]) != 4:
            raise StopValidation(_("%(label)s must include a year with 4 numbers, like 1980",
                                   label=label))
        try:
            value = dt.date(year, month, day)
        except ValueError:
            raise StopValidation(_("%(label)s must be a real date", label=label)) from None
        today = clock.latest_today()  # a member east of UTC may already be on tomorrow
        if value.year < self.min_year:
            raise StopValidation(_("%(label)s must be after %(year)d", label=label, year=self.min_year))
        if self.past_only and value >= today:
            raise StopValidation(_("%(label)s must be in the past", label=label))
        if not self.future_ok and value > today:
            raise StopValidation(_("%(label)s must be today or in the past", label=label))
        self.data = value

    def _value(self):
        return self.data.isoformat() if self.data else ""
