"""Answers as members and the administrator read them: dates, money, choice labels."""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date as babel_date
from flask_babel import get_locale
from wtforms import BooleanField, Field, RadioField, SelectField

from .dates import DateInputField
from .i18n import gettext as _
from .money import AmountField, format_amount


def visible_fields(form):
    return [f for f in form if f.type not in ("CSRFTokenField", "HiddenField", "SubmitField")]


def form_answers(form) -> dict:
    """A form's data as JSON-able answers (dates as ISO strings, amounts as plain decimals)."""
    out = {}
    applies = getattr(form, "applies", lambda name: True)
    for f in visible_fields(form):
        if not applies(f.name):
            out[f.name] = None  # a question that does not apply keeps no answer
        elif isinstance(f, AmountField):
            # An optional amount left out of the post entirely is "" too, never "None".
            out[f.name] = str(f.amount) if getattr(f, "amount", None) is not None else (f.data or "")
        elif isinstance(f, DateInputField):
            out[f.name] = f.data.isoformat() if f.data else None
        else:
            out[f.name] = f.data
    if hasattr(form, "extra_answers"):
        out.update(form.extra_answers())
    return out


def format_date(value) -> str:
    """"3 April 1970" in English (pages and every document for the administrator); the page language's
    long form otherwise ("3 avril 1970", "3 de abril de 1970")."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    locale = get_locale()
    if locale is None or locale.language == "en":
        return f"{value.day} {value:%B %Y}"
    return babel_date(value, "long", locale=locale)


def format_money(amount, currency: str) -> str:
    """"EUR 1,234.50" in English; the code after the amount elsewhere ("1 234,50 EUR")."""
    if not currency:
        return format_amount(amount)
    locale = get_locale()
    if locale is None or locale.language == "en":
        return f"{currency} {format_amount(amount)}"
    return f"{format_amount(amount)}\u00a0{currency}"


def display(f: Field, value) -> str:
    """How an answer reads back to the member on the review page and in documents."""
    if value in (None, ""):
        return ""
    if isinstance(f, DateInputField):
        return format_date(value)
    if isinstance(f, AmountField):
        return format_amount(value)
    if isinstance(f, BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(f, (RadioField, SelectField)):
        return choice_label(f, value)
    return str(value)


def choice_label(f, value) -> str:
    """The label of a choice, from a bound field or from a form class's unbound one."""
    choices = f.choices if hasattr(f, "choices") else f.kwargs["choices"]
    for choice in choices:
        code, label = (choice.value, choice.label) if hasattr(choice, "value") else choice[:2]
        if code == value:
            return str(label)
    return str(value)
