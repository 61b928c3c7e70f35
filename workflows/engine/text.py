"""Plain text as members type it: cleaned of invisible characters, checked line by line.

Messages follow the GOV.UK pattern: they say what to fix, in the member's words.
"""
from __future__ import annotations

import unicodedata

from wtforms import ValidationError

from .i18n import gettext as _

# Characters that print as nothing or reorder text (Trojan-source style): format characters
# (direction marks and overrides, zero-width space, word joiner, soft hyphen, tag characters,
# byte order mark), private-use and unassigned code points (noncharacters included), and the
# Hangul fillers. They have no place in names or addresses and could make a printed claim read
# differently from what was typed. The zero-width joiner and non-joiner stay: Persian, Indic
# scripts and emoji need them to shape text.
_KEPT_FORMAT = {"\u200c", "\u200d"}
_FILLERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}
_DROPPED = ("Cf", "Co", "Cn", "Cs")


def _invisible(c: str) -> bool:
    return (c in _FILLERS or unicodedata.category(c) in _DROPPED) and c not in _KEPT_FORMAT


def clean_text(value):
    """Strip surrounding white space and every invisible character (see _invisible)."""
    if not isinstance(value, str):
        return value
    value = "".join(c for c in value if not _invisible(c))
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", value).strip()


def visible(value: str) -> bool:
    """Does the text show anything: a letter, digit, punctuation mark or symbol?"""
    return any(unicodedata.category(c)[0] in "LNPS" for c in value)


LINE_BREAKING = ("Cc", "Zl", "Zp")  # control characters, and U+2028/U+2029 separators


def single_line(form, field):
    """Refuse control characters and line separators: these values can reach mail headers.
    So can an RFC 2047 encoded word (=?utf-8?q?...?=), which some Python releases decode
    into a raw line break when they write the header (CVE-2024-6923): "=?" is refused too."""
    if field.data and any(unicodedata.category(c) in LINE_BREAKING for c in field.data):
        raise ValidationError(_("%(label)s must be on one line", label=field.label.text))
    if field.data and "=?" in field.data:
        raise ValidationError(_("%(label)s must not include “=?” (an equals sign followed by a "
                                "question mark)", label=field.label.text))


def multi_line(form, field):
    if field.data and any(unicodedata.category(c) == "Cc" and c not in "\r\n\t" for c in field.data):
        raise ValidationError(_("%(label)s contains characters that cannot be printed",
                                label=field.label.text))


def required(message):
    def check(form, field):
        if field.data is None or field.data is False or field.data == "":
            raise ValidationError(message)
        if isinstance(field.data, str) and not visible(field.data):
            raise ValidationError(message)  # only marks or joiners: nothing that prints
    check.field_flags = {"required": True}
    return check


def says_optional(form, field):
    """Checks nothing: flags the field so that its page adds "(optional)" to its label, while
    the check-answers page and documents show the question alone."""


says_optional.field_flags = {"optional": True}


def has_letter(form, field):
    """A name needs at least one letter that prints."""
    if field.data and not any(unicodedata.category(c).startswith("L") for c in field.data):
        raise ValidationError(_("%(label)s must include at least one letter", label=field.label.text))


def max_length(limit):
    def check(form, field):
        if field.data and len(field.data) > limit:
            raise ValidationError(_("%(label)s must be %(limit)d characters or fewer",
                                label=field.label.text, limit=limit))
    return check
