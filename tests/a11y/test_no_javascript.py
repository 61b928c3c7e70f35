"""Each journey completed in Chromium with JavaScript disabled, to the confirmation page and
the PDF it offers: JavaScript only enhances (focus on the error summary, the currency search
box, copy to clipboard)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import switch_language_keeping
from tests.support.clicking import (answer_patient_and_treatment, fill_admission, fill_date, fill_hospital,
                                    fill_medical, heading, save, start_claim, start_request)
from tests.support.files import jpeg
from tests.support.pdf import pdf_text
from tests.support.samples import EXPENSES, GOP_PATIENT, MEMBER
from tests.support.servers import wait_for
from workflows.administrators.cigna import CIGNA
from workflows.engine import clock


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def pdf_from(page, name: str, role="link") -> str:
    """Follow a download link (or press a button) and return the PDF's text."""
    with page.expect_download() as info:
        page.get_by_role(role, name=name, exact=True).click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF-"), data[:20]
    return pdf_text(data)


def test_claim_without_javascript(page, live_server, smtp_server):
    start_claim(page, live_server)
    answer_patient_and_treatment(page)

    for number, line in enumerate(EXPENSES):
        if number:
            page.get_by_role("link", name="Add another expense").click()
        # No search box without JavaScript: the plain list of every currency.
        expect(page.locator("#currency-filter")).to_have_count(0)
        assert page.locator("#currency option").count() > 150
        fill_date(page, "Date of service", {k: line[f"date-{k}"] for k in ("day", "month", "year")})
        for label in ("Provider", "Description", "Amount"):
            page.get_by_label(label, exact=True).fill(line[label.lower()])
        page.get_by_label("Provider's town or city", exact=True).fill(line["city"])
        page.get_by_label("Currency", exact=True).select_option(line["currency"])
        page.get_by_role("button", name="Save expense").click()
    expect(heading(page)).to_contain_text("you have added 2 expenses")
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("radio", name="Me (the member)").check()
    page.get_by_role("radio", name="Bank transfer").check()
    save(page)
    page.get_by_label("Name of the account holder", exact=True).fill(MEMBER["full_name"])
    save(page)
    page.get_by_label("IBAN", exact=True).fill("BE71 0961 2345 6769")
    page.get_by_label("BIC (SWIFT code)", exact=True).fill("GEBABEBB")
    save(page)

    page.get_by_role("radio", name="Itemised invoice").check()
    page.get_by_label("Choose files", exact=True).set_input_files(
        {"name": "receipt.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".items")).to_contain_text("receipt.jpg")
    page.get_by_role("button", name="Continue").click()

    # An error without JavaScript: the summary is there, the focus stays where the browser puts it.
    page.get_by_label("Your full name, as your signature", exact=True).fill(MEMBER["full_name"])
    page.get_by_role("button", name="Finish and get my claim packet").click()
    expect(page).to_have_title(re.compile(r"^Error: "))  # waits for the new page
    expect(page.get_by_role("link", name="Confirm that the information is true and complete")).to_be_visible()
    assert page.evaluate("document.activeElement === document.body")
    expect(page.get_by_label("Your full name, as your signature", exact=True)).to_have_value(MEMBER["full_name"])
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Finish and get my claim packet").click()

    expect(heading(page)).to_have_text("Your claim packet is ready")
    reference = page.locator(".ref").inner_text().strip()
    expect(page.locator("[data-copy]")).to_have_attribute("hidden", "")  # copying needs JavaScript
    text = pdf_from(page, "Download the claim packet (PDF)")
    assert reference in text and "EUR 650.00" in text and "CHF 80.00" in text
    fax = pdf_from(page, "Fax it instead: get the fax-ready PDF", role="button")
    assert "Total pages including this cover:" in fax and reference in fax

    page.get_by_role("button", name="Send it for me").click()
    expect(page.get_by_role("status")).to_contain_text(f"Sent. Your claim was emailed to {CIGNA.claims_email}")
    assert wait_for(lambda: smtp_server.messages)


def test_guarantee_without_javascript(page, live_server):
    start_request(page, live_server)
    fill_admission(page, "Emergency", clock.today() - dt.timedelta(days=1), time="21:15")
    fill_hospital(page)
    fill_medical(page)
    expect(heading(page)).to_have_text("Attachments")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Finish and get my guarantee of payment request").click()

    expect(heading(page)).to_have_text("Your guarantee of payment request is ready")
    reference = page.locator(".ref").inner_text().strip()
    text = pdf_from(page, "Download the guarantee of payment request (PDF)")
    assert reference in text and GOP_PATIENT["patient_name"] in text and "URGENT" in text


def test_cover_sheet_without_javascript(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Fax or postal cover sheet").click()
    page.get_by_role("link", name="Start now").click()
    for label, value in (("Your full name", MEMBER["full_name"]),
                         ("Personal reference number", MEMBER["reference"]),
                         ("Phone number", MEMBER["phone"]),
                         ("Email address for replies", MEMBER["email"])):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("radio", name="By post", exact=False).check()
    page.get_by_role("radio", name="Claim reimbursement").check()
    page.get_by_label("How many pages follow this cover?", exact=True).fill("2")
    expect(page.get_by_role("radio", name="A4")).to_be_hidden()  # a paper size only for a fax
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Finish and get my cover sheet").click()

    expect(heading(page)).to_have_text("Your cover sheet is ready")
    text = pdf_from(page, "Download the cover sheet (PDF)")
    assert CIGNA.postal_lines[0] in text and MEMBER["reference"] in text and "2 pages" in text


def test_switching_language_without_javascript_keeps_what_was_typed(page, live_server):
    """The switcher is a button of the page's form: a plain form post, no script needed."""
    page.goto(live_server.url + "/claim/member")
    expect(heading(page)).to_have_text("Your details")
    switch_language_keeping(page, "Español", "es",
                            {"full_name": "Zoë Ørsted", "address": "Rue de la Loi 1\n1000 Brussels"})
    assert page.url.endswith("/claim/member")


def test_enter_in_a_field_saves_the_page_and_does_not_switch_language(page, live_server):
    """The language buttons belong to the page's form but come first in the page: Enter must
    still press the page's own button."""
    start_claim(page, live_server)  # saves "Your details" with the Save button
    page.get_by_role("link", name="Back").click()
    expect(heading(page)).to_have_text("Your details")
    page.get_by_label("Full name", exact=True).fill("Zoë Ørsted-Lund")
    page.get_by_label("Full name", exact=True).press("Enter")
    expect(heading(page)).not_to_have_text("Your details")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Zoë Ørsted-Lund")  # saved
