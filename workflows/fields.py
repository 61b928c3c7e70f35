"""Shared form fields and validators.

Messages follow the GOV.UK pattern: they say what to fix, in the member's words.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
import pycountry
from babel.numbers import get_currency_name, get_currency_precision, get_territory_currencies
from email_validator import EmailNotValidError, validate_email
from babel import Locale
from flask_babel import LazyString, get_locale, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from schwifty import BIC, IBAN
from schwifty import registry as iban_registry
from schwifty.exceptions import SchwiftyException
from wtforms import Field, RadioField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import StopValidation
from wtforms.fields.choices import SelectChoice

from . import clock

# Characters that reorder or hide text (Trojan-source style). They have no place in
# names or addresses and could make a printed claim read differently from what was typed.
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200E, 0x200F, 0x061C, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068,
     0x2069, 0xFEFF]
)


def clean_text(value):
    """Strip surrounding white space and invisible direction/zero-width characters."""
    if not isinstance(value, str):
        return value
    value = value.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", value).strip()


class Form(FlaskForm):
    """Base form: every field's input is cleaned before validation (notifications-admin style)."""

    class Meta:
        def get_translations(self, form):
            # Our messages are our own; without this, building a form needs a Flask app
            # context, and documents (pure functions) build forms to label answers.
            return None

        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", ()))
            if unbound_field.field_class is not DateInputField:
                filters.insert(0, clean_text)
            return unbound_field.bind(form=form, **{**options, "filters": filters})


# --- plain text -----------------------------------------------------------------------------

LINE_BREAKING = ("Cc", "Zl", "Zp")  # control characters, and U+2028/U+2029 separators


def single_line(form, field):
    """Refuse control characters and line separators: these values can reach mail headers."""
    if field.data and any(unicodedata.category(c) in LINE_BREAKING for c in field.data):
        raise ValidationError(_("%(label)s must be on one line", label=field.label.text))


def multi_line(form, field):
    if field.data and any(unicodedata.category(c) == "Cc" and c not in "\r\n\t" for c in field.data):
        raise ValidationError(_("%(label)s contains characters that cannot be printed",
                                label=field.label.text))


def required(message):
    def check(form, field):
        if field.data is None or field.data is False or field.data == "":
            raise ValidationError(message)
    check.field_flags = {"required": True}
    return check


def max_length(limit):
    def check(form, field):
        if field.data and len(field.data) > limit:
            raise ValidationError(_("%(label)s must be %(limit)d characters or fewer",
                                label=field.label.text, limit=limit))
    return check


def TextField(label, message, limit=200, hint="", optional=False, checks=(), **kw):
    """A one-line text input: required (with `message`) unless optional, then `checks`."""
    chain = ([] if optional else [required(message)]) + [single_line, max_length(limit), *checks]
    return StringField(label, chain, description=hint, **kw)


# The fields several journeys ask for, with their checks and autocomplete hints.

def NameField(label=_l("Your full name"), message=_l("Enter your full name"), autocomplete="name", **kw):
    return TextField(label, message, limit=100,
                     render_kw={"autocomplete": autocomplete, "spellcheck": "false"}, **kw)


def EmailField(label=_l("Email address"), message=_l("Enter your email address"), hint="",
               optional=False, autocomplete="email"):
    return TextField(label, message, limit=254, hint=hint, optional=optional, checks=[email_address],
                     render_kw={"type": "email", "autocomplete": autocomplete, "spellcheck": "false"})


def PhoneField(label=_l("Phone number"), message=_l("Enter your phone number"), region_field=None,
               hint=_l("With the country code, like +32 3 555 01 23."), optional=False,
               autocomplete="tel"):
    return TextField(label, message, limit=30, hint=hint, optional=optional,
                     checks=[phone_number(region_field)],
                     render_kw={"type": "tel", "autocomplete": autocomplete, "class": "w-20"})


def ReferenceField(label=_l("Personal reference number"),
                   message=_l("Enter your personal reference number"),
                   hint=_l("It is on your Cigna membership card.")):
    return TextField(label, message, limit=30, hint=hint, checks=[reference_number],
                     render_kw={"autocomplete": "off", "spellcheck": "false", "class": "w-20"})


def ParagraphField(label, message, limit=2000, hint="", optional=False, **kw):
    checks = ([] if optional else [required(message)]) + [multi_line, max_length(limit)]
    return TextAreaField(label, checks, description=hint, **kw)


# --- dates ----------------------------------------------------------------------------------

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


# --- money ----------------------------------------------------------------------------------

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


# --- countries, currencies ------------------------------------------------------------------

def current_language() -> str:
    """The page's language; "en" outside a request and while rendering for Cigna."""
    locale = get_locale()
    return locale.language if locale else "en"


@lru_cache(maxsize=1)
def country_choices() -> list[SelectChoice]:
    # Labels are lazy: the member's language on pages, English in documents for Cigna.
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
                       **kw.get("render_kw", {})}
    return ChoiceSelectField(label, choices=currency_choices(), message=message, description=hint, **kw)


def reference_number(form, field):
    """Personal reference numbers: letters and digits with common separators only."""
    if field.data and not all(c.isalnum() or c in " -/." for c in field.data):
        raise ValidationError(_("%(label)s must only include letters, numbers, spaces, hyphens, "
                                "full stops and slashes", label=field.label.text))


# --- contact details ------------------------------------------------------------------------

def email_address(form, field):
    if not field.data:
        return
    if any(unicodedata.category(c) in LINE_BREAKING for c in field.data):
        raise ValidationError(_("Enter an email address in the correct format, like name@example.com"))
    try:
        # ASCII addresses only: mail servers without SMTPUTF8 refuse the others, and a
        # member's address goes into the envelope when they ask for a copy.
        field.data = validate_email(field.data, check_deliverability=False,
                                    allow_smtputf8=False).normalized
    except EmailNotValidError:
        raise ValidationError(
            _("Enter an email address in the correct format, like name@example.com")) from None


def phone_number(region_field: str | None = None):
    """Accept any possible number; without a leading + it is read in the country of residence."""
    def check(form, field):
        if not field.data:
            return
        region = getattr(form, region_field).data if region_field else None
        try:
            number = phonenumbers.parse(field.data, region or None)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise ValidationError(
                _("Enter a phone number with its country code, like +32 3 555 01 23"))
        field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return check


# --- bank details ---------------------------------------------------------------------------

def uses_iban(country_code: str | None) -> bool:
    try:
        iban_registry.get_iban_spec(country_code or "")
        return True
    except SchwiftyException:
        return False


def normalise_iban(text: str, expected_country: str | None = None) -> str:
    """Check an IBAN (mod-97 and the country's length, via schwifty); return it grouped."""
    try:
        value = IBAN(text)
    except SchwiftyException as exc:
        name = type(exc).__name__
        if name == "InvalidChecksumDigits":
            raise ValidationError(_("IBAN is not valid: check it for a mistyped character")) from None
        if name == "InvalidLength":
            raise ValidationError(_("IBAN has the wrong number of characters for its country")) from None
        raise ValidationError(_("Enter an IBAN in the correct format, like BE71 0961 2345 6769")) from None
    if expected_country and value.country_code != expected_country:
        raise ValidationError(_(
            "This IBAN is for another country (%(iban_country)s) than the bank's (%(bank_country)s): "
            "check the IBAN or change the bank's country",
            iban_country=country_name(value.country_code), bank_country=country_name(expected_country)))
    return value.formatted


def bic(form, field):
    if not field.data:
        return
    try:
        field.data = str(BIC(field.data.replace(" ", "")))
    except SchwiftyException:
        raise ValidationError(
            _("Enter a BIC (SWIFT code) of 8 or 11 letters and numbers, like GEBABEBB")) from None
