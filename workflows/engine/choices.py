"""Choices: countries and currencies (long lists, named in the page's language), radios."""
from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies
from flask_babel import LazyString
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from . import clock
from .i18n import current_language, gettext as _, lazy_gettext as _l


@lru_cache(maxsize=1)
def country_choices() -> list[SelectChoice]:
    # Labels are lazy: the member's language on pages, English in documents for the administrator.
    countries = sorted(pycountry.countries, key=lambda c: getattr(c, "common_name", c.name))
    return [SelectChoice("", _l("Choose a country"))] + [
        SelectChoice(c.alpha_2, LazyString(country_name, c.alpha_2)) for c in countries
    ]


def country_name(code: str) -> str:
    return _country_name(code, current_language())


@lru_cache(maxsize=None)
def _country_name(code: str, language: str) -> str:
    if language != "en":
        name = Locale.parse(language).territories.get(code)
        if name:
            return name
    c = pycountry.countries.get(alpha_2=code)
    return getattr(c, "common_name", c.name) if c else code


@lru_cache(maxsize=1)
def currency_choices() -> list[SelectChoice]:
    # Codes that are not money you get reimbursed in (funds, metals, accounting units,
    # testing) are left out. Names come from CLDR (Babel): "South Korean Won", not "Won".
    skip = {"XAU", "XAG", "XPD", "XPT", "XTS", "XXX", "XBA", "XBB", "XBC", "XBD", "XDR",
            "XSU", "XUA", "XAD", "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW"}
    return [SelectChoice("", _l("Choose a currency"))] + [
        SelectChoice(c.alpha_3, LazyString(currency_label, c.alpha_3))
        for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3) if c.alpha_3 not in skip
    ]


def currency_label(code: str) -> str:
    return _currency_label(code, current_language())


@lru_cache(maxsize=None)
def _currency_label(code: str, language: str) -> str:
    return f"{code} – {get_currency_name(code, locale=language)}"


def currency_for_country(code: str | None) -> str | None:
    """The currency in use today in a country (Babel's CLDR data), for defaults only."""
    if not code:
        return None
    found = get_territory_currencies(code, clock.today())
    return found[0] if found else None


class _OneOf:
    """Choice fields: nothing chosen gets the field's own message, not WTForms' generic
    "Not a valid choice."; neither does a value that is not offered (a tampered form)."""

    def __init__(self, label=None, validators=None, message="", **kwargs):
        super().__init__(label, validators, validate_choice=False, **kwargs)
        self.message = message

    def pre_validate(self, form):
        offered = {(c.value if hasattr(c, "value") else c[0]) for c in self.choices}
        if self.data in (None, ""):
            if self.message:
                raise StopValidation(self.message)
        elif self.data not in offered:
            raise StopValidation(self.message or _("Select an option from the list"))


class ChoiceSelectField(_OneOf, SelectField):
    pass


class ChoiceRadioField(_OneOf, RadioField):
    pass


def RadioChoices(label, message, choices, hint="", **kw):
    return ChoiceRadioField(label, choices=choices, message=message, description=hint, **kw)


def CountryField(label, message, hint="", **kw):
    return ChoiceSelectField(label, choices=country_choices(), message=message, description=hint, **kw)


def CurrencyField(label, message="", hint="", **kw):
    # app.js reads data-filter* to add a box that narrows the long list (JavaScript only).
    kw["render_kw"] = {"data-filter": _l("Find a currency: type a code or a name, like CHF or franc"),
                       "data-filter-count": _l("{n} matching currencies in the list"),
                       "data-filter-none": _l("No currency matches: the list is unchanged"),
                       "data-filter-kept": _l("{n} matching currencies in the list. Still chosen: {chosen}"),
                       **kw.get("render_kw", {})}
    return ChoiceSelectField(label, choices=currency_choices(), message=message, description=hint, **kw)
