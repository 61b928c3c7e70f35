"""Member-typed text inside English documents, kept in its own direction."""
from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape


class Typed(str):
    """A value the member typed, as a part of a `Phrase`."""


class Phrase(str):
    """Fixed words around values the member typed: Phrase(Typed(name), ", born ", date). To
    emails and everything else it is the plain string; the PDFs' `bdi` filter isolates only
    its typed parts, so an Arabic name does not turn the English words around it."""

    parts: tuple[str, ...]

    def __new__(cls, *parts: str):
        phrase = super().__new__(cls, "".join(parts))
        phrase.parts = parts
        return phrase


def _isolate_line(line: str) -> Markup:
    for char in line:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return Markup('<bdi dir="%s">%s</bdi>') % ("ltr" if kind == "L" else "rtl", line)
    return escape(line)


def isolate(value) -> Markup:
    """Text the member typed, line by line as bidirectional runs of their own: <bdi> with the
    direction of the line's first strong character (what dir="auto" means; WeasyPrint does not
    implement "auto"). An Arabic or Hebrew name then reads right to left inside an English
    line, and pulls no neighbouring number or bracket into its run."""
    if isinstance(value, Phrase):
        return Markup("").join(isolate(part) if isinstance(part, Typed) else escape(part)
                               for part in value.parts)
    text = "" if value is None else str(value)
    return Markup("\n").join(_isolate_line(line) for line in text.split("\n"))
