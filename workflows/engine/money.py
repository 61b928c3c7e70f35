"""Amounts as members type them, and the currency's minor units."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from wtforms import StringField, ValidationError
from wtforms.validators import StopValidation

from .i18n import gettext as _

_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
# 1.234,50 and 1'234: a lone "12.345" stays a decimal (and is refused for its 3 places),
# since reading it as twelve thousand could overpay or underpay a claim a thousandfold.
_GROUPED_EUROPEAN = re.compile(r"^\d{1,3}(([.']\d{3})+,\d{1,2}|('\d{3})+|(\.\d{3}){2,})$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")
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


class AmountField(StringField):
    """Money amount as a Decimal; the currency's minor units are checked by the form."""

    def __init__(self, label=None, validators=None, optional=False, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.optional = optional
        self.message = message  # when empty and required

    def pre_validate(self, form):
        label = self.label.text
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


def check_minor_units(amount: Decimal, currency: str, label: str):
    places = get_currency_precision(currency)
    if -amount.as_tuple().exponent > places:
        if places == 0:
            raise ValidationError(_("%(label)s in %(currency)s must be a whole number",
                                    label=label, currency=currency))
        raise ValidationError(_("%(label)s in %(currency)s can have at most %(places)d decimal places",
                                label=label, currency=currency, places=places))
