"""Reading the app's answers: the HTML of a page (from Flask's test client, HttpMember,
LiveClient or a requests session alike), its form token, heading and messages, and the
headers every response must carry."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlparse

from bs4 import BeautifulSoup


def html_of(response) -> str:
    if hasattr(response, "get_data"):  # Flask's test response, Reply, LiveResponse
        return response.get_data(as_text=True)
    return response.text  # requests


def parse(response) -> BeautifulSoup:
    """The page's HTML tree, parsed once per response: tests read a page's heading, error
    summary and fields in turn (and nothing here changes the tree)."""
    tree = getattr(response, "_parsed_html", None)
    if tree is None:
        tree = BeautifulSoup(html_of(response), "html.parser")
        try:
            response._parsed_html = tree
        except AttributeError:  # a reply that takes no new attributes is parsed each time
            pass
    return tree


# The form token is read with a pattern, not a parse: every form post needs it, and it is
# not something a test asserts on.
_TOKEN_FIELD = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def csrf_of(response) -> str:
    field = _TOKEN_FIELD.search(html_of(response))
    value = _VALUE.search(field.group(0)) if field else None
    return unescape(value.group(1)) if value else ""


def heading(response) -> str:
    return parse(response).h1.get_text(" ", strip=True)


def summary(response) -> list[str]:
    """The error summary's messages, in order."""
    return [a.get_text(" ", strip=True) for a in parse(response).select(".error-summary a")]


def field_error(response, field_id: str) -> str:
    """The message printed next to a field (without the visually hidden "Error:")."""
    found = parse(response).find(id=f"{field_id}-error")
    return found.get_text(" ", strip=True).removeprefix("Error:").strip() if found else ""


def listed(response) -> list[str]:
    """The items of a list or upload page, each as one line of text."""
    return [" ".join(li.select_one(".item-text").get_text().split()) for li in parse(response).select(".item")]


def path_of(response) -> str:
    """The path a requests response came from (after its redirects)."""
    return urlparse(response.url).path


def outcome(response) -> str:
    """What the confirmation page says about sending, on one line."""
    return " ".join(parse(response).select_one(".outcome").get_text().split())


# --- what every response carries -------------------------------------------------------------------

def csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response, what: str, no_store: bool):
    h = response.headers
    csp = csp_directives(h.get("Content-Security-Policy", ""))
    assert csp.get("default-src") == ["'self'"], what
    assert csp.get("frame-ancestors") == ["'none'"], what
    for directive, sources in csp.items():  # nothing but the app itself, anywhere
        assert set(sources) <= {"'self'", "'none'"}, (what, directive, sources)
    assert h.get("X-Content-Type-Options") == "nosniff", what
    assert h.get("Referrer-Policy") == "no-referrer", what
    if no_store:
        assert "no-store" in h.get("Cache-Control", ""), what
