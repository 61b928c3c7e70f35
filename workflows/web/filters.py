"""Template filters and globals for pages."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import format_decimal
from markupsafe import Markup, escape

from ..delivery import ONLY_THE_COPY_SENT
from ..documents.templating import configure
from ..engine import display, format_date
from ..engine.i18n import LANGUAGES, current_language, gettext as _


def install(env) -> None:
    """The page-only filters and globals, over what pages share with documents."""
    configure(env)
    env.filters.update(display=display, sheet=sheet_markup, select_options=select_options,
                       moment=moment, megabytes=megabytes)
    env.globals.update(outcome_reason=outcome_reason, ONLY_THE_COPY_SENT=ONLY_THE_COPY_SENT,
                       languages=LANGUAGES, current_language=current_language)


_options_cache: dict[tuple, tuple[list, list, dict]] = {}


def _collation_key(label: str) -> str:
    """Alphabetical order as readers expect it: accents and case do not count."""
    return "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c)).casefold()


def select_options(field) -> Markup:
    """A select's <option>s. Country and currency lists are long and never change, so their
    escaped HTML is built once per list and language; only the selected option differs per
    request. (WTForms copies the list into every form, but the choices in it stay the same
    objects.) Other languages sort by the translated names; the first option is the prompt."""
    choices = field.choices
    language = current_language()
    key = (language, len(choices), *(id(c) for c in choices[:1] + choices[-1:]))
    cached = _options_cache.get(key)
    if cached is None:
        labelled = [(c.value, str(c.label)) for c in choices]
        if language != "en":
            labelled[1:] = sorted(labelled[1:], key=lambda c: _collation_key(c[1]))
        parts = [f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in labelled]
        # The list is kept with its HTML so its choices stay alive and their ids stay theirs.
        cached = _options_cache[key] = (list(choices), parts, {v: i for i, (v, _label) in enumerate(labelled)})
    _choices, parts, index = cached
    chosen = index.get(field.data)
    if chosen is not None:
        parts = list(parts)
        parts[chosen] = parts[chosen].replace('">', '" selected>', 1)
    return Markup("".join(parts))


_REASON = re.compile(r"(?P<reason>.*?)(?P<code> \([\w.]+\))?")


def outcome_reason(detail: str, capital: bool = True) -> str:
    """Why a send did not go through, in the page's language: the outbox keeps the English
    reason (from delivery.py), with an SMTP code or error name in brackets after it."""
    found = _REASON.fullmatch(detail or "")
    text = (_(found["reason"]) + (found["code"] or "")
            if found["reason"] else "")
    return text[:1].upper() + text[1:] if capital else text


_AUTOLINK = re.compile(r"&lt;(https?://[^&\s]+)&gt;")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def sheet_markup(text: str) -> Markup:
    """The contact sheet's two bits of markup (<url> and **bold**), as HTML, after escaping."""
    html = str(escape(text))
    html = _AUTOLINK.sub(r'<a href="\1">\1</a>', html)
    return Markup(_BOLD.sub(r"<strong>\1</strong>", html))


def moment(value) -> str:
    """When something happened, in the page's language: the outbox keeps UTC, and the
    member may be anywhere, so the page says UTC rather than guess a time zone."""
    if value is None:
        return ""
    time = value.strftime("%H:%M")
    return _("%(date)s at %(time)s UTC", date=format_date(value.date()), time=time)


def megabytes(size: int) -> str:
    """A size in (decimal) megabytes, as mailbox limits are given: "10", "0.6" ("0,6" in French)."""
    return format_decimal(round(size / 1_000_000, 1), format="#,##0.#")
