"""Plain text as members type it: cleaned of invisible characters, checked line by line.

Messages follow the GOV.UK pattern: they say what to fix, in the member's words.
"""
from __future__ import annotations

import unicodedata

from wtforms import ValidationError

from .i18n import gettext as _

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
