"""The interface in English, French and Spanish; everything sent to Cigna in English.

Each journey is walked, with the same answers and the same mistakes, in English and in
French or Spanish. A text that reads the same in both walks is English left behind, unless
it is the member's own answer, one of Cigna's facts (shown verbatim, marked lang="en"), or
a proper noun. The catalogues themselves are checked too: no English msgid shows through.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.support.languages import english_left, shown_in, texts
from tests.support.pages import parse
from tests.support.pdf import pdf_text
from tests.support.samples import (EXPENSES, GOP_PATIENT, HOSPITAL, MEDICAL, MEMBER, SENDER, TREATMENT, WRITER,
                                   admission, fill_claim, fill_guarantee)
from tests.support.web import Browserless
from workflows.administrators.cigna import CIGNA

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


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
    web.post("/cover/sender", SENDER)
    web.post("/cover/sending", {"method": "fax", "subject": "other", "pages": "0"})
    web.post("/cover/sending", {"method": "fax", "subject": "claim", "pages": "3", "paper": "A4"})
    web.get("/cover/check")
    web.post("/cover/check", {})


WALKS = {"claim": walk_claim, "guarantee": walk_guarantee, "cover": walk_cover}


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
    text = pdf_text(packet.data)
    assert "Claim cover sheet for Cigna" in text and "Enclosed" in text and "To follow" in text
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
