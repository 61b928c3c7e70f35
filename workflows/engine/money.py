"""Amounts as members type them, and the currency's minor units."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal, get_currency_precision
from flask_babel import get_locale
from wtforms import StringField, ValidationError
from wtforms.validators import StopValidation

from .i18n import gettext as _


def format_amount(amount, places: int = 2) -> str:
    """"1,234.50" in English, the page language's grouping and decimal sign elsewhere."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return f"{Decimal(amount):,.{places}f}"
    return format_decimal(Decimal(amount), "#,##0" + ("." + "0" * places if places else ""), locale=locale)


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
# 1.234,50 and 1'234: a lone "12.345" stays a decimal (and is refused for its 3 places),
# since reading it as twelve thousand could overpay or underpay a claim a thousandfold.
_GROUPED_EUROPEAN = re.compile(r"^\d{1,3}(([.']\d{3})+,\d{1,2}|('\d{3})+|(\.\d{3}){2,})$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")
# "18.500" or "12.345": one full stop and three digits, which may have been meant as thousands.
_MAYBE_THOUSANDS = re.compile(r"^(\d{1,3})\.(\d{3})$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
MAX_AMOUNT = Decimal("10000000")


def parse_amount(text: str) -> Decimal:
    """Parse an amount as members type it: '120', '120.50', '1,234.50', '12,50', '1.234,50'.

    A comma with one or two digits after it is a decimal comma ('12,50' is 12.50); full
    stops or apostrophes between groups of three digits followed by a decimal comma are
    thousands separators. No exponents, signs, NaN or infinity: only digits and separators.
    """
    text = text.replace(" ", "").replace("\u00a0", "")
    if _GROUPED_EUROPEAN.match(text):
        text = text.replace(".", "").replace("'", "").replace(",", ".")
    elif _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    elif _GROUPED.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        raise ValueError(text)
    return Decimal(text)


def readings(text: str, places: int) -> list[Decimal]:
    """What "18.500" or "12.345" could have meant, when it has more decimal places than the
    currency: thousands (18500), and the decimal if it fits the currency (18.50). None
    for anything else: the app never guesses, it asks."""
    found = _MAYBE_THOUSANDS.match(text.replace(" ", "").replace("\u00a0", ""))
    if not found:
        return []
    out = [Decimal(found[1] + found[2])]
    decimal = Decimal(found[0])
    if decimal == decimal.quantize(Decimal(1).scaleb(-places)) and decimal > 0:
        out.append(decimal)
    return out


class AmountField(StringField):
    """Money amount as a Decimal. With `currency_field` (the form's field for its currency),
    the currency's minor units are checked here too, whatever the rest of the form holds:
    a check run by the form after the fields would report its error only once every other
    field passed, in a second round."""

    def __init__(self, label=None, validators=None, optional=False, message=None,
                 currency_field=None, called=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.optional = optional
        self.message = message  # when empty and required
        self.currency_field = currency_field
        self.called = called  # the amount's name in messages, if not its label

    def pre_validate(self, form):
        label = self.called or self.label.text
        if not self.data:
            if self.optional:
                raise StopValidation()
            raise StopValidation(self.message or _("Enter the amount"))
        if self.data.lstrip().startswith("-"):
            raise StopValidation(_("%(label)s must be more than 0", label=label))
        try:
            amount = parse_amount(self.data)
        except (ValueError, InvalidOperation):
            raise StopValidation(_("%(label)s must be a number, like 120.50", label=label)) from None
        if amount <= 0:
            raise StopValidation(_("%(label)s must be more than 0", label=label))
        if amount > MAX_AMOUNT:
            raise StopValidation(_("%(label)s must be less than 10,000,000", label=label))
        self.amount = amount
        currency = form[self.currency_field] if self.currency_field else None
        if currency is not None and currency.data and currency.data in {c[0] for c in currency.iter_choices()}:
            try:
                check_minor_units(amount, currency.data, label, typed=self.data)
            except ValidationError as exc:
                raise StopValidation(str(exc)) from None


def check_minor_units(amount: Decimal, currency: str, label: str, typed: str = ""):
    """More decimal places than the currency has is an error; when what was `typed` looks
    like thousands ("18.500"), the message offers the likely readings to choose from."""
    places = get_currency_precision(currency)
    if -amount.as_tuple().exponent <= places:
        return
    if places == 0:
        message = _("%(label)s in %(currency)s must be a whole number", label=label, currency=currency)
    else:
        message = _("%(label)s in %(currency)s can have at most %(places)d decimal places",
                    label=label, currency=currency, places=places)
    found = [format_amount(r, places) for r in readings(typed, places)]
    if len(found) == 2:
        message += ". " + _("Did you mean %(first)s or %(second)s?", first=found[0], second=found[1])
    elif found:
        message += ". " + _("Did you mean %(amount)s?", amount=found[0])
    raise ValidationError(message)
