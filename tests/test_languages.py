"""The interface in English, French and Spanish; everything sent to Cigna in English.

Each journey is walked, with the same answers and the same mistakes, in English and in
French or Spanish. A text that reads the same in both walks is English left behind, unless
it is the member's own answer, one of Cigna's facts (shown verbatim, marked lang="en"), or
a proper noun. The catalogues themselves are checked too: no English msgid shows through.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup, Doctype
from pypdf import PdfReader

from tests.conftest import (EXPENSES, GOP_PATIENT, HOSPITAL, MEDICAL, MEMBER, TREATMENT, WRITER,
                            Browserless, admission, fill_claim, fill_guarantee, parse)
from workflows.administrators.cigna import CIGNA

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
COVER_SENDER = {"name": "Zoë Ørsted", "reference": "MIP-0042317", "phone": "+32 3 555 01 23",
                "reply_fax": "", "reply_email": "zoe@example.org"}


class Recorder(Browserless):
    """Keeps every HTML page the member was shown, in order."""

    def __init__(self, client):
        super().__init__(client)
        self.pages: list[tuple[str, str]] = []

    def _keep(self, response):
        if response.mimetype == "text/html":
            self.pages.append((response.request.path, response.get_data(as_text=True)))
        return response

    def get(self, url, **kw):
        return self._keep(super().get(url, **kw))

    def post(self, url, data=None, follow=True, token_from=None, **kw):
        return self._keep(super().post(url, data, follow=follow, token_from=token_from, **kw))


def walk_claim(web):
    for url in ("/", "/contact", "/delete", "/no-such-page", "/claim/"):
        web.get(url)
    web.post("/claim/member", {**MEMBER, "full_name": "", "email": "not an address",
                               "date_of_birth-day": "31", "date_of_birth-month": "2"})
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", {})
    web.post("/claim/patient", {"who": "family"})
    web.post("/claim/family-member", {"relationship": "child"})
    web.post("/claim/patient", {"who": "member"})
    web.post("/claim/treatment", {**TREATMENT, "accident": "yes", "other_insurance": "yes"})
    web.post("/claim/accident", {})
    web.post("/claim/treatment", TREATMENT)
    web.post("/claim/expenses", {})
    web.post("/claim/expenses/new", {**EXPENSES[0], "amount": "-5", "currency": ""})
    web.post("/claim/payment", {"payee": "member", "currency": "EUR", "method": "bank"})
    web.post("/claim/bank-iban", {"iban": "BE71 0961 2345 6760", "bic": "X"})
    fill_claim(web, finish=False)
    web.post("/claim/check", {})
    web.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    web.post("/claim/done/send", {}, token_from="/claim/done")


def walk_guarantee(web):
    web.get("/guarantee/")
    web.post("/guarantee/writer", {"role": "family", "phone": "12"})
    web.post("/guarantee/writer", WRITER)
    web.post("/guarantee/patient", {**GOP_PATIENT, "patient_dob-year": "20"})
    web.post("/guarantee/patient", GOP_PATIENT)
    web.post("/guarantee/admission", admission(kind="planned", days_ahead=-3))
    web.post("/guarantee/admission", admission(kind="planned", days_ahead=5, time="", nights=""))
    web.post("/guarantee/hospital", {})
    web.post("/guarantee/hospital", HOSPITAL)
    web.post("/guarantee/medical", {**MEDICAL, "icd10": "123"})
    fill_guarantee(web, admission_answers=admission(kind="planned", days_ahead=5, time=""),
                   finish=False)
    web.get("/guarantee/check")
    web.post("/guarantee/check", {})
    web.post("/guarantee/done/send", {}, token_from="/guarantee/done")


def walk_cover(web):
    web.get("/cover/")
    web.post("/cover/sender", {"name": "Zoë Ørsted"})
    web.post("/cover/sender", COVER_SENDER)
    web.post("/cover/sending", {"method": "fax", "subject": "other", "pages": "0"})
    web.post("/cover/sending", {"method": "fax", "subject": "claim", "pages": "3", "paper": "A4"})
    web.get("/cover/check")
    web.post("/cover/check", {})


WALKS = {"claim": walk_claim, "guarantee": walk_guarantee, "cover": walk_cover}


def shown_in(make_app, walk, language):
    client = make_app().test_client()
    client.set_cookie("lang", language)
    web = Recorder(client)
    walk(web)
    return web.pages


# --- what may read the same in every language ----------------------------------------------------

def _values(*dicts):
    for d in dicts:
        for value in d.values():
            if isinstance(value, str):
                yield value
                yield from value.splitlines()


def _facts():
    for value in vars(CIGNA).values():
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


ALLOWED = sorted({*_values(MEMBER, TREATMENT, WRITER, GOP_PATIENT, HOSPITAL, MEDICAL, COVER_SENDER,
                           *EXPENSES),
                  *_facts(), "English", "Français", "Español", "receipt.jpg", "A4", "Cigna", "MIP",
                  "IBAN", "BIC", "SWIFT", "PDF", "JPG", "PNG", "ICD-10", ".eml", "Outlook",
                  "Apple Mail", "Thunderbird", "GEBABEBB", "GEBA BE BB"} - {""}, key=len, reverse=True)
# Words that are spelt the same in English and the language: not English left behind.
SAME_WORDS = {"fr": {"Site", "Message", "Description", "page", "France"},
              "es": set()}
REFERENCE = re.compile(r"\b(CLM|GOP|COV)-[0-9A-Z]{4}-[0-9A-Z]{4}\b|\b[A-Z]{3}\b")


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


def english_left(text: str, language: str) -> bool:
    for allowed in ALLOWED:
        text = text.replace(allowed, " ")
    for word in SAME_WORDS[language]:
        text = re.sub(rf"\b{word}\b", " ", text)
    text = REFERENCE.sub(" ", text)
    return re.search(r"[^\W\d_]{3,}", text) is not None


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize("journey", WALKS)
def test_no_english_interface_text_is_left_in_a_journey(make_app, journey, language):
    english = shown_in(make_app, WALKS[journey], "en")
    translated = shown_in(make_app, WALKS[journey], language)
    assert [path for path, _ in translated] == [path for path, _ in english]
    assert len(translated) >= 7
    left = {}
    for (path, en_html), (_, html) in zip(english, translated):
        assert f'<html lang="{language}">' in html
        same = {t for t in texts(html) & texts(en_html) if english_left(t, language)}
        if same:
            left.setdefault(path, set()).update(same)
    assert left == {}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_catalogue_entry_is_translated_with_its_placeholders(language):
    catalogue = read_po((TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb"))
    template = read_po((TRANSLATIONS / "messages.pot").open("rb"))
    assert {m.id for m in catalogue if m.id} == {m.id for m in template if m.id}, \
        "run pybabel update: the catalogue and the template differ"

    def placeholders(text):
        return sorted(re.findall(r"%\(\w+\)[sd]", text))

    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {ids[0]!r}"
        assert not message.fuzzy, f"fuzzy: {ids[0]!r}"
        for string in strings:
            assert placeholders(string) == placeholders(ids[-1]), ids[0]


def test_the_language_comes_from_the_browser_and_the_switcher_keeps_the_answers(app):
    client = app.test_client()
    web = Browserless(client)
    home = client.get("/", headers={"Accept-Language": "es-AR,es;q=0.9,en;q=0.5"})
    assert parse(home).html["lang"] == "es"

    web.post("/claim/member", MEMBER, headers={"Accept-Language": "en"})
    page = client.get("/claim/start", headers={"Accept-Language": "en"})
    switch = parse(page).select_one('nav.languages a[lang="fr"]')  # no form here: a plain link
    assert switch is not None and switch.get_text() == "Français"

    moved = client.get(switch["href"])
    assert moved.status_code == 303 and moved.headers["Location"] == "/claim/start"
    cookie = moved.headers["Set-Cookie"]
    assert cookie.startswith("lang=fr;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    french = parse(client.get("/claim/member", headers={"Accept-Language": "en"}))
    assert french.html["lang"] == "fr"
    assert french.find("input", {"name": "full_name"})["value"] == MEMBER["full_name"]
    assert french.find("input", {"name": "reference"})["value"] == MEMBER["reference"]
    assert french.select_one('nav.languages [aria-current="true"]').get_text() == "Français"
    assert french.find("h1").get_text(strip=True) != "Your details"


@pytest.mark.parametrize("path, button_of, typed, saved", [
    ("/claim/member", "/claim/member", {**MEMBER, "full_name": "Zoë Ørsted-Lund", "phone": "12"},
     {"full_name": MEMBER["full_name"], "phone": MEMBER["phone"]}),
    ("/claim/expenses/new", "/claim/expenses/new", {**EXPENSES[0], "provider": "Dr Ana Lund", "amount": "abc"},
     {"provider": "", "amount": ""}),
])
def test_switching_language_keeps_what_was_typed_but_not_saved(app, path, button_of, typed, saved):
    """On a page with a form, the switcher is a button of that form: the typed values go to
    the draft (never a URL or cookie) and come back once, in the new language, unchecked."""
    web = Browserless(app.test_client())
    web.post("/claim/member", MEMBER)
    if path != "/claim/member":
        web.post("/claim/patient", {"who": "member"})
        web.post("/claim/treatment", TREATMENT)
    page = parse(web.get(path))
    switch = page.select_one('nav.languages button[lang="es"]')
    assert switch.get_text() == "Español" and switch["form"] == "answers" and switch["formmethod"] == "post"
    assert page.find("form", id="answers").find("input", {"name": "csrf_token"})
    moved = web.post(switch["formaction"], typed, follow=False, token_from=path)
    assert moved.status_code == 303 and moved.headers["Location"] == path
    assert not any(value in moved.headers.get("Set-Cookie", "") for value in typed.values() if len(value) > 3)

    spanish = parse(web.get(path))
    assert spanish.html["lang"] == "es"
    for name in saved:
        assert spanish.find("input", {"name": name})["value"] == typed[name]  # as typed
    assert spanish.select_one(".error-summary") is None  # kept, not checked: nothing was saved
    again = parse(web.get(path))  # shown once; what was saved is what stays
    for name, value in saved.items():
        assert again.find("input", {"name": name}).get("value", "") == value


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_the_switcher_returns_only_to_a_page_of_this_site(client, target):
    response = client.get("/language/es", query_string={"next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_unknown_languages_are_not_offered(client):
    assert client.get("/language/de").status_code == 404


def test_a_french_member_sees_french_dates_and_amounts_but_cigna_gets_english(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                   MAIL_DEFAULT_SENDER="MIP member forms <forms@example.org>")
    client = app.test_client()
    client.set_cookie("lang", "fr")
    web = Browserless(client)
    review = parse(fill_claim(web, finish=False)).get_text(" ")
    assert "3 avril 1970" in review and "650,00" in review and "Belgique" in review

    done = web.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    assert parse(done).html["lang"] == "fr"
    packet = client.get("/claim/done/packet.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(packet.data)).pages)
    assert "Claim cover sheet for Cigna" in text and "Enclosed documents" in text
    assert "3 April 1970" in text and "EUR 650.00" in text and "Belgium" in text
    assert "Broken molar, crown needed" in text  # the member's own words, as typed
    assert not re.search(r"avril|Belgique|Nom complet|Montant", text)

    web.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
    message = smtp_server.messages[-1]["message"]
    assert message["Subject"].startswith("Claim reimbursement – MIP-0042317 – Zoë Ørsted")
    body = message.get_body(("plain",)).get_content()
    assert body.startswith(f"Dear {CIGNA.name},") and "Total in EUR: EUR 650.00" in body

    eml = client.get("/claim/done/message.eml").data.decode()
    assert "Subject: Claim reimbursement" in eml
