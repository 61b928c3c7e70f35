"""Each journey completed with the keyboard only: Tab and Shift+Tab to move (reading
document.activeElement to know where the focus is), typing, arrow keys inside a radio group,
Space and Enter. No clicks and no locator fills. A file is chosen by pressing Space on the
focused file input; the chooser that opens is answered with set_files. Every focus stop on
the way shows a visible focus style."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.support.files import jpeg
from tests.support.keys import FocusKeys
from tests.support.pdf import pdf_text
from tests.support.samples import EXPENSES, GOP_PATIENT, HOSPITAL, MEDICAL, MEMBER, WRITER
from tests.support.servers import wait_for
from workflows.administrators.cigna import CIGNA
from workflows.engine import clock

SAVE = "Save and continue"


@pytest.fixture
def keys(page):
    return FocusKeys(page)


def parts(name, value):
    day, month, year = value.split("/")
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def assert_pdf(data: bytes, *texts):
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in texts:
        assert expected in text, expected


def test_claim_by_keyboard_only_reaches_the_done_page_and_sends(keys, live_server, smtp_server):
    page = keys.page
    page.goto(live_server.url + "/")
    keys.go("Claim reimbursement", "a")
    keys.go("Start now", "a")

    keys.heading("Your details")
    keys.fill({"full_name": MEMBER["full_name"], "reference": MEMBER["reference"]})
    keys.date("date_of_birth", "3", "4", "1970")
    keys.type("email", MEMBER["email"])
    keys.select("country", "Belgium", "BE")
    keys.fill({"phone": MEMBER["phone"], "address": MEMBER["address"]})  # Enter in a textarea: a new line
    keys.go(SAVE)

    keys.heading("Who received the treatment?")
    keys.go(SAVE)  # nothing chosen: the error summary gets the focus, its link leads to the field
    expect(page).to_have_title(re.compile(r"^Error: "))  # waits for the new page
    assert keys.active()["tag"] == "div" and page.evaluate("document.activeElement.className") == "error-summary"
    keys.tab_to_text("a", "Select who received the treatment")
    page.keyboard.press("Enter")
    assert keys.active()["name"] == "who"
    keys.choose("who", "member")
    keys.go(SAVE)

    keys.heading("About the treatment")
    keys.choose("kind", "dental")
    keys.type("reason", "Broken molar, crown needed")
    keys.select("country", "France", "FR")
    keys.choose("accident", "no")
    keys.choose("other_insurance", "no")
    keys.go(SAVE)

    for number, line in enumerate(EXPENSES):
        if number:
            keys.go("Add another expense", "a")
        keys.heading("Add an expense")
        keys.fill({k: line[k] for k in ("date-day", "date-month", "date-year", "provider", "city",
                                        "description", "amount")})
        if line["currency"] != "EUR":  # EUR is the default (treated in France); CHF is searched for
            keys.tab_to("#currency-filter")
            page.keyboard.type("swiss")  # narrows the list; EUR stays chosen, listed first
            page.keyboard.press("Enter")  # to the list,
            page.keyboard.press("ArrowDown")  # and the member chooses
            assert page.evaluate("document.getElementById('currency').value") == "CHF"
        keys.go("Save expense")
    keys.heading("Expenses: you have added 2 expenses")
    keys.go("Continue")

    keys.heading("How you want to be paid")
    keys.choose("payee", "member")
    keys.choose("method", "bank")
    keys.go(SAVE)
    keys.type("holder", MEMBER["full_name"])  # the bank's country defaults to Belgium
    keys.go(SAVE)
    keys.fill({"iban": "BE71 0961 2345 6769", "bic": "GEBABEBB"})
    keys.go(SAVE)

    keys.heading("Receipts and documents")
    keys.upload("invoice", "crown-receipt.jpg", jpeg(), "image/jpeg")
    expect(page.locator(".items")).to_contain_text("Itemised invoice: crown-receipt.jpg (1 page)")
    keys.go("Continue")

    keys.heading("Check your answers before finishing")
    keys.type("signature", MEMBER["full_name"])
    keys.tab_to('input[name="confirm"]', back=True)  # Shift+Tab back up to the declaration
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    keys.go("Finish and get my claim packet")

    keys.heading("Your claim packet is ready")
    reference = page.locator(".ref").inner_text().strip()
    assert_pdf(keys.download("Download the claim packet (PDF)"), reference, "EUR 650.00", "CHF 80.00")
    keys.check("copy")
    keys.go("Send it for me")
    expect(page.get_by_role("status")).to_contain_text(
        f"Sent. Your claim was emailed to {CIGNA.claims_email} with a copy to you.")
    assert wait_for(lambda: smtp_server.messages)
    [received] = smtp_server.messages
    assert {CIGNA.claims_email, MEMBER["email"]} <= set(received["rcpt_tos"])
    assert MEMBER["reference"] in received["message"]["Subject"]
    [packet] = [a for a in received["message"].iter_attachments() if a.get_content_type() == "application/pdf"]
    assert packet.get_filename() == f"claim-{reference}.pdf"
    assert_pdf(packet.get_content(), reference, MEMBER["full_name"])

    assert keys.stops > 100
    assert not keys.unseen, "focus not visible on:\n" + "\n".join(keys.unseen)


def test_guarantee_by_keyboard_only(keys, live_server):
    page = keys.page
    page.goto(live_server.url + "/")
    keys.go("Hospital guarantee of payment", "a")
    keys.go("Start now", "a")

    keys.heading("About you")
    keys.choose("role", "family")
    keys.fill({"name": WRITER["name"], "email": WRITER["email"], "phone": WRITER["phone"]})
    keys.go(SAVE)

    keys.heading("Member and patient")
    keys.fill({k: GOP_PATIENT[k] for k in ("member_name", "reference", "patient_name", "patient_dob-day",
                                           "patient_dob-month", "patient_dob-year")})
    keys.choose("relationship", "child")
    keys.go(SAVE)

    keys.heading("The admission")
    yesterday = clock.today() - dt.timedelta(days=1)
    keys.choose("kind", "emergency")
    keys.type("time", "21:15")  # revealed under "Emergency"
    keys.date("date", str(yesterday.day), str(yesterday.month), str(yesterday.year))
    keys.choose("care", "inpatient")
    keys.type("nights", "3")
    keys.choose("room", "unknown")
    keys.go(SAVE)

    keys.heading("The hospital")
    keys.fill({k: HOSPITAL[k] for k in ("name", "address")})
    keys.select("country", "Spain", "ES")
    keys.fill({k: HOSPITAL[k] for k in ("contact_name", "contact_phone", "contact_email", "doctor_name",
                                        "doctor_specialty")})
    keys.go(SAVE)

    keys.heading("Medical details")
    keys.fill({k: MEDICAL[k] for k in ("reason", "procedure", "icd10", "cost")})  # EUR: from Spain
    keys.go(SAVE)

    keys.heading("The patient's agreement")  # a relative writes
    keys.check("consent")
    keys.go(SAVE)

    keys.heading("Attachments")
    keys.upload("estimate", "estimate.jpg", jpeg(), "image/jpeg")
    keys.go("Continue")
    keys.heading("Check your answers before finishing")
    keys.go("Finish and get my guarantee of payment request")

    keys.heading("Your guarantee of payment request is ready")
    reference = page.locator(".ref").inner_text().strip()
    assert_pdf(keys.download("Download the guarantee of payment request (PDF)"), reference,
               GOP_PATIENT["patient_name"], "URGENT")
    assert not keys.unseen, "focus not visible on:\n" + "\n".join(keys.unseen)


def test_cover_sheet_by_keyboard_only(keys, live_server):
    page = keys.page
    page.goto(live_server.url + "/")
    keys.go("Fax or postal cover sheet", "a")
    keys.go("Start now", "a")

    keys.heading("About you")
    keys.fill({"name": MEMBER["full_name"], "reference": MEMBER["reference"], "phone": MEMBER["phone"],
               "reply_email": MEMBER["email"]})
    keys.go(SAVE)

    keys.heading("What you are sending")
    keys.choose("method", "fax")
    keys.choose("subject", "claim")
    keys.type("pages", "3")
    keys.choose("paper", "letter")
    keys.go(SAVE)
    keys.heading("Check your answers before finishing")
    # Change an answer from the review page, by keyboard, and come back to it.
    keys.go("Change How many pages follow this cover?", "a")
    keys.type("pages", "4")
    keys.go(SAVE)
    keys.heading("Check your answers before finishing")
    keys.go("Finish and get my cover sheet")

    keys.heading("Your cover sheet is ready")
    assert_pdf(keys.download("Download the cover sheet (PDF)"), "Total pages including this cover: 5",
               MEMBER["reference"])
    assert not keys.unseen, "focus not visible on:\n" + "\n".join(keys.unseen)
