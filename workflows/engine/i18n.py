"""The interface speaks English, French or Spanish; everything sent to the administrator
stays English. Messages that name the administrator say %(administrator)s or
%(administrator_name)s, filled from the profile in force when the text is shown.
"""
from __future__ import annotations

import functools

from flask_babel import LazyString, force_locale, get_locale
from flask_babel import gettext as _gettext, ngettext as _ngettext

from .. import administrators

LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}


def _with_names(text: str, variables: dict) -> dict:
    if "%(administrator" in text:
        for key, value in administrators.current().names().items():
            variables.setdefault(key, value)
    return variables


def gettext(text: str, **variables) -> str:
    return _gettext(text, **_with_names(text, variables))


def lazy_gettext(text: str, **variables) -> LazyString:
    """Translated, and the administrator named, when shown: forms are declared once at
    import, and each request shows them in its language for its app's profile."""
    return LazyString(gettext, text, **variables)


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    return _ngettext(singular, plural, num, **_with_names(singular, variables))


def N_(text: str) -> str:
    """Marks an English label for translation without translating it: it is stored with the
    answers and printed for the administrator in English; pages show it through gettext."""
    return text


def current_language() -> str:
    """The page's language; "en" outside a request and while rendering for the administrator."""
    locale = get_locale()
    return locale.language if locale else "en"


def in_english(func):
    """Run `func` with the English interface: documents and emails for the administrator are
    English whatever language the member reads, while the member's own text stays as typed."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with force_locale("en"):
            return func(*args, **kwargs)
    return wrapper
