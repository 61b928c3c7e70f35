"""Comparing a walk through the pages in English with the same walk in French or Spanish: a
text that reads the same in both is English left behind, unless it is the member's own
answer, one of the administrator's facts (shown verbatim, marked lang="en"), or a proper noun."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, Doctype

from tests.support.samples import EXPENSES, GOP_PATIENT, HOSPITAL, MEDICAL, MEMBER, SENDER, TREATMENT, WRITER
from tests.support.web import Recorder
from workflows.administrators.cigna import CIGNA


def answer_values(*dicts):
    """Every string typed in these answers, whole and line by line."""
    for d in dicts:
        for value in d.values():
            if isinstance(value, str):
                yield value
                yield from value.splitlines()


def sample_values(pages: dict):
    """Every string of a journey's sample answers (forms, list items; upload names)."""
    for data in pages.values():
        if isinstance(data, dict):
            yield from answer_values(data)
        else:
            for item in data:
                yield from (answer_values(item) if isinstance(item, dict) else item)


def facts(administrator=CIGNA):
    for value in vars(administrator).values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):  # the mailboxes
            yield from (v for v in value.values() if isinstance(v, str))
        elif isinstance(value, tuple):
            for item in value:
                yield from ([item] if isinstance(item, str) else [v for v in vars(item).values()
                                                                  if isinstance(v, str)])
        elif hasattr(value, "__dict__"):
            yield from (v for v in vars(value).values() if isinstance(v, str))


# Texts that read the same in every language, longest first.
KEPT = {*facts(), "English", "Français", "Español", "receipt.jpg", "A4", "Cigna", "MIP",
        "IBAN", "BIC", "SWIFT", "PDF", "JPG", "PNG", "ICD-10", ".eml", "Outlook",
        "Apple Mail", "Thunderbird", "GEBABEBB", "GEBA BE BB"}
ALLOWED = sorted({*answer_values(MEMBER, TREATMENT, WRITER, GOP_PATIENT, HOSPITAL, MEDICAL, SENDER,
                                 *EXPENSES), *KEPT} - {""}, key=len, reverse=True)
# Words that are spelt the same in English and the language: not English left behind.
SAME_WORDS = {"fr": {"Site", "Message", "Description", "page", "France"},
              "es": set()}
REFERENCE = re.compile(r"\b(CLM|GOP|COV)-[0-9A-Z]{4}-[0-9A-Z]{4}\b|\b[A-Z]{3}\b")


def allowed_with(values) -> list[str]:
    """ALLOWED and these typed values, longest first."""
    return sorted({*ALLOWED, *values} - {""}, key=len, reverse=True)


def texts(html: str) -> set[str]:
    """Every text a member reads or hears, outside parts marked as English on purpose."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "textarea"]):
        hidden.decompose()
    for option in soup("option"):
        if option.get("value"):  # country and currency names come from CLDR
            option.decompose()
    for english in soup.find_all(lambda tag: tag.name != "html" and tag.get("lang") == "en"):
        english.decompose()
    found = {s.strip() for s in soup.find_all(string=True) if not isinstance(s, Doctype) and s.strip()}
    found |= {tag["aria-label"] for tag in soup.find_all(attrs={"aria-label": True})}
    found |= {tag["value"] for tag in soup.find_all("input", attrs={"type": "submit"})}
    return found


def english_left(text: str, language: str, allowed: list[str] = ALLOWED) -> bool:
    for kept in allowed:
        text = text.replace(kept, " ")
    for word in SAME_WORDS[language]:
        text = re.sub(rf"\b{word}\b", " ", text)
    text = REFERENCE.sub(" ", text)
    return re.search(r"[^\W\d_]{3,}", text) is not None


def shown_in(make_app, walk, language):
    """The pages a member is shown walking through `walk(web)` in `language`: (path, HTML)."""
    client = make_app().test_client()
    client.set_cookie("lang", language)
    web = Recorder(client)
    walk(web)
    return web.pages
