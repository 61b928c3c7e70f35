"""Contact and bank details: reference numbers, email addresses, phone numbers, IBAN, BIC."""
from __future__ import annotations

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from schwifty import BIC, IBAN
from schwifty import registry as iban_registry
from schwifty.exceptions import SchwiftyException
from wtforms import ValidationError

from .choices import country_name
from .i18n import gettext as _
from .text import LINE_BREAKING


def reference_number(form, field):
    """Personal reference numbers: letters and digits with common separators only."""
    if field.data and not all(c.isalnum() or c in " -/." for c in field.data):
        raise ValidationError(_("%(label)s must only include letters, numbers, spaces, hyphens, "
                                "full stops and slashes", label=field.label.text))


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


def bic_for_iban(text: str) -> str | None:
    """The BIC of the IBAN's bank where schwifty's bank registry knows it (most of Belgium,
    Germany, France, ...), else None: then only the member can say."""
    try:
        found = IBAN(text).bic
    except SchwiftyException:
        return None
    return str(found) if found else None


def bic(form, field):
    if not field.data:
        return
    try:
        field.data = str(BIC(field.data.replace(" ", "")))
    except SchwiftyException:
        raise ValidationError(
            _("Enter a BIC (SWIFT code) of 8 or 11 letters and numbers, like GEBABEBB")) from None
