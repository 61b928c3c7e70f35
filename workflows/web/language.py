"""Which language a page speaks: the member's choice in a `lang` cookie (a preference,
never an answer), else the browser's Accept-Language."""
from __future__ import annotations

from flask import request

from ..engine.i18n import LANGUAGES

COOKIE = "lang"


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en")
