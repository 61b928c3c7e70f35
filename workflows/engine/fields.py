"""Every field and validator a journey declares its forms with, in one namespace:
`from workflows.engine import fields as F`, then F.NameField(), F.CountryField(...)."""
from .choices import (ChoiceRadioField, ChoiceSelectField, CountryField, CurrencyField, RadioChoices,
                      country_choices, country_name, currency_choices, currency_for_country)
from .contact import bic, bic_for_iban, email_address, normalise_iban, phone_number, reference_number, uses_iban
from .dates import DateInputField
from .forms import (EmailField, Form, NameField, ParagraphField, PhoneField, ReferenceField,
                    TextField)
from .money import MAX_AMOUNT, AmountField, check_minor_units, parse_amount
from .text import (LINE_BREAKING, clean_text, has_letter, max_length, multi_line, required,
                   single_line, visible)

__all__ = [
    "AmountField", "ChoiceRadioField", "ChoiceSelectField", "CountryField", "CurrencyField",
    "DateInputField", "EmailField", "Form", "LINE_BREAKING", "MAX_AMOUNT", "NameField",
    "ParagraphField", "PhoneField", "RadioChoices", "ReferenceField", "TextField", "bic", "bic_for_iban",
    "check_minor_units", "clean_text", "has_letter", "visible", "country_choices", "country_name", "currency_choices",
    "currency_for_country", "email_address", "max_length", "multi_line", "normalise_iban",
    "parse_amount", "phone_number", "reference_number", "required", "single_line", "uses_iban",
]
