"""The administrator's facts: verbatim from the contact sheet, in one module, on the Contact page."""
import re
from pathlib import Path

import pytest

from tests.support.pages import parse
from workflows.administrators.cigna import CIGNA

ROOT = Path(__file__).resolve().parent.parent
SHEET = (Path(__file__).parent / "fixtures" / "insurer-contacts.txt").read_text()

FACTS = [
    CIGNA.name, CIGNA.website, CIGNA.claims_email, CIGNA.admissions_email, CIGNA.claim_form_name,
    CIGNA.fax.number, CIGNA.network_note, CIGNA.plan_description, CIGNA.admissions_instruction,
    CIGNA.online_services_first_time, CIGNA.us_network_note,
    *CIGNA.postal_lines, *CIGNA.online_services_steps,
    *(p.number for p in CIGNA.phones), *(p.label for p in CIGNA.phones),
]
# The distinctive values no other file may spell (labels and prose may be echoed in tests).
SPELLED_ONCE = [CIGNA.claims_email, CIGNA.admissions_email, CIGNA.fax.number, "692140",
                *(p.number for p in CIGNA.phones), "cignahealthbenefits", "Antwerp"]


@pytest.mark.parametrize("fact", FACTS)
def test_every_fact_is_verbatim_from_the_contact_sheet(fact):
    assert fact in SHEET


def test_phone_notes_follow_their_numbers_on_the_sheet():
    for phone in CIGNA.phones:
        if phone.note:
            assert f"{phone.number} {phone.note}" in SHEET


def test_online_steps_are_numbered_as_on_the_sheet():
    for number, step in enumerate(CIGNA.online_services_steps, start=1):
        assert f"{number}. {step}" in SHEET


def test_no_other_app_file_spells_the_facts():
    app_files = [ROOT / "app.py", *(ROOT / "workflows").rglob("*.*"),
                 *(ROOT / "templates").rglob("*.*"), *(ROOT / "static").rglob("*.*")]
    offenders = []
    for path in app_files:
        if path.name == "cigna.py" or path.suffix in (".woff2", ".ttf", ".png", ".pyc"):
            continue
        text = path.read_text(errors="ignore")
        offenders += [(path.relative_to(ROOT).as_posix(), fact) for fact in SPELLED_ONCE if fact in text]
    assert offenders == []


def test_contact_page_shows_every_fact_with_links(client):
    page = parse(client.get("/contact"))
    text = re.sub(r"\s+", " ", page.get_text(" "))
    for fact in [CIGNA.name, CIGNA.website, CIGNA.claims_email, CIGNA.admissions_email,
                 CIGNA.fax.number, *CIGNA.postal_lines, CIGNA.us_network_note,
                 CIGNA.online_services_first_time, *(p.number for p in CIGNA.phones)]:
        assert fact in text
    hrefs = {a["href"] for a in page.find_all("a")}
    assert {"tel:+18666697930", "tel:+3232175798", "tel:+12024738666"} <= hrefs
    assert {f"mailto:{CIGNA.claims_email}", f"mailto:{CIGNA.admissions_email}"} <= hrefs
    assert "http://www.cignahealthbenefits.com/" in hrefs
    steps = [li.get_text() for li in page.find("h2", string="Access Online Services")
             .find_next("ol").find_all("li")]
    assert steps[0] == "Enter http://www.cignahealthbenefits.com/ in your browser."
    assert steps[2].endswith("(Note: Your personal reference number is indicated in your Cigna membership card.)")
    assert "1-202-473-8666 or x38666" in text


def test_contact_page_guides_a_caller_abroad_around_the_verbatim_numbers(client):
    page = parse(client.get("/contact"))
    rows = [(re.sub(r"\s+", " ", row.dt.get_text(" ", strip=True)), row.dd)
            for row in page.select(".summary-row")]
    phones = [(label, dd) for label, dd in rows if dd.find("a", href=re.compile("^tel:"))]
    # The number a member abroad needs comes first, said so in so many words.
    first_label, first = phones[0]
    assert first_label == "Calling from outside the U.S. Direct Telephone for Cigna International Toll-Free"
    link = first.find("a")
    assert link.get_text() == "+ 32-3-217-5798" and link["href"] == "tel:+3232175798"
    assert "Belgium" in first.get_text() and "international call" in first.get_text()
    assert [label.split(" Toll-Free")[0] for label, _dd in phones[1:]] == [
        "Calling from within the U.S.", "Calling from Canada or the U.S."]
    washington = phones[2][1].get_text()
    assert "1-202-473-8666 or x38666" in washington and "Washington, D.C." in washington
    # The fax number is printed, not dialled.
    fax = next(dd for label, dd in rows if label == "Fax")
    assert fax.find("a") is None and CIGNA.fax.number in fax.get_text()
    assert not page.find("a", href="tel:+3236632857")


def test_contact_guidance_is_in_the_members_language(client):
    client.set_cookie("lang", "fr")
    text = parse(client.get("/contact")).get_text(" ")
    assert "Depuis l'extérieur des États-Unis" in text and "Belgique" in text
    assert "+ 32-3-217-5798" in text and "Direct Telephone for Cigna International Toll-Free" in text
