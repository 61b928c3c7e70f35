"""The base form and the fields several journeys ask for, with their checks."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from .contact import email_address, phone_number, reference_number
from .dates import DateInputField
from .i18n import lazy_gettext as _l
from .text import clean_text, has_letter, max_length, multi_line, required, says_optional, single_line


class Form(FlaskForm):
    """Base form: every field's input is cleaned before validation (notifications-admin style).

    `revealed_by` declares, as data, the questions that apply only after one answer to a
    radio question of the same form: {"time": ("kind", "emergency")}. The page shows each
    under that answer (GOV.UK's conditional reveal: CSS without JavaScript, aria-expanded
    with it), and one that does not apply is neither checked nor kept: its answer is None.
    """

    revealed_by: dict[str, tuple[str, str]] = {}

    def applies(self, name: str) -> bool:
        rule = self.revealed_by.get(name)
        return rule is None or self[rule[0]].data == rule[1]

    def revealed_under(self, name: str, value) -> list:
        """The fields shown under answer `value` of radio question `name`, in form order."""
        return [self[f] for f, rule in self.revealed_by.items() if rule == (name, value)]

    def validate(self, extra_validators=None):
        skipped = {name for name in self.revealed_by if not self.applies(name)}
        fields = self._fields
        self._fields = {name: f for name, f in fields.items() if name not in skipped}
        try:
            ok = super().validate(extra_validators)
        finally:
            self._fields = fields
        for name in skipped:
            self[name].errors = []
        return ok

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


def _first(optional, message):
    """`required` for a required field; for one marked optional="say", the "(optional)" flag."""
    if not optional:
        return [required(message)]
    return [says_optional] if optional == "say" else []


def TextField(label, message, limit=200, hint="", optional=False, checks=(), **kw):
    """A one-line text input: required (with `message`) unless optional, then `checks`.
    optional="say": optional, and the page says so after the label."""
    chain = _first(optional, message) + [single_line, max_length(limit), *checks]
    return StringField(label, chain, description=hint, **kw)


# The fields several journeys ask for, with their checks and autocomplete hints.

def NameField(label=_l("Your full name"), message=_l("Enter your full name"), autocomplete="name", **kw):
    return TextField(label, message, limit=100, checks=[has_letter],
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
                   hint=_l("It is on your %(administrator)s membership card.")):
    return TextField(label, message, limit=30, hint=hint, checks=[reference_number],
                     render_kw={"autocomplete": "off", "spellcheck": "false", "class": "w-20"})


def ParagraphField(label, message, limit=2000, hint="", optional=False, **kw):
    checks = _first(optional, message) + [multi_line, max_length(limit)]
    return TextAreaField(label, checks, description=hint, **kw)
