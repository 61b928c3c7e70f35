"""The interface speaks English, French or Spanish; everything sent to Cigna stays English.

The member's choice lives in a `lang` cookie (a preference, never an answer); without one,
the browser's Accept-Language decides.
"""
from __future__ import annotations

import functools

from flask import request
from flask_babel import force_locale

LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}
COOKIE = "lang"


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en")


def in_english(func):
    """Run `func` with the English interface: documents and emails for Cigna are English
    whatever language the member reads, while the member's own text stays as typed."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with force_locale("en"):
            return func(*args, **kwargs)
    return wrapper
