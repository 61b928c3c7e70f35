"""The saved profile walked in Chromium (issue 14.2): on one device the member signs in and
ticks "Remember for my next claim" for their details, a family member, the currency and the
bank account; on another, without JavaScript and choosing by keyboard, the next claim starts
filled in, the account shows only its last 4 characters, and the administrator receives the
whole IBAN."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.accounts import sign_in_in_browser
from tests.support.clicking import (answer_treatment, fill_date, fill_expense, fill_member_details, heading, label,
                                    no_full_iban, save, sign_and_finish)
from tests.support.files import jpeg
from tests.support.pdf import pdf_text
from tests.support.samples import CLAIM, EXPENSES, MEMBER

ZOE = "zoe.member@example.org"
REMEMBER = "Remember for my next claim"
ANA = "Ana Ørsted, born 27 March 2012 (Child)"
ACCOUNT = "IBAN ending 6769, Zoë Ørsted"


@pytest.fixture
def devices(browser):
    """A phone with JavaScript, a laptop without it."""
    phone, laptop = browser.new_context(), browser.new_context(java_script_enabled=False)
    yield phone.new_page(), laptop.new_page()
    phone.close()
    laptop.close()


def remember(page):
    page.get_by_role("checkbox", name=REMEMBER).check()


def by_keyboard(page, radio: str):
    """Choose a radio and save, by keyboard only."""
    page.get_by_role("radio", name=radio, exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save and continue").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def treatment_and_expense(page):
    answer_treatment(page)
    fill_expense(page, EXPENSES[1])
    page.get_by_role("button", name="Save expense").click()
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("How you want to be paid")


def receipt_and_finish(page):
    page.get_by_role("group", name="What kind of document is it?").get_by_role(
        "radio", name="Itemised invoice").check()
    label(page, "Choose files").set_input_files({"name": "r.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    page.get_by_role("button", name="Continue").click()
    sign_and_finish(page)


def test_saved_on_one_device_prefilled_on_another_and_the_insurer_gets_the_iban(site, smtp_server, devices):
    phone, laptop = devices
    sign_in_in_browser(phone, site.url, smtp_server, ZOE)
    phone.goto(site.url + "/claim/member")
    expect(phone.get_by_role("checkbox", name=REMEMBER)).not_to_be_checked()  # off by default
    fill_member_details(phone)
    remember(phone)
    save(phone)
    phone.get_by_role("radio", name="A covered family member").check()
    save(phone)
    label(phone, "Patient's full name").fill("Ana Ørsted")
    fill_date(phone, "Patient's date of birth", {"day": "27", "month": "3", "year": "2012"})
    phone.get_by_role("radio", name="Child", exact=True).check()
    remember(phone)
    save(phone)
    treatment_and_expense(phone)
    phone.get_by_role("radio", name="Me (the member)").check()
    label(phone, "Currency you want to be paid in").select_option("CHF")
    phone.get_by_role("radio", name="Bank transfer").check()
    remember(phone)
    save(phone)
    label(phone, "Name of the account holder").fill(MEMBER["full_name"])
    save(phone)
    label(phone, "IBAN").fill(CLAIM["bank-iban"]["iban"])
    label(phone, "BIC (SWIFT code)").fill(CLAIM["bank-iban"]["bic"])
    remember(phone)
    save(phone)
    receipt_and_finish(phone)
    phone.get_by_role("link", name="Your saved details").click()
    expect(phone.locator(".saved-text")).to_have_count(4)
    expect(phone.locator(".saved-text").nth(1)).to_have_text(ANA)
    expect(phone.locator(".saved-text").nth(2)).to_have_text(ACCOUNT)
    expect(phone.locator(".saved-text").nth(3)).to_have_text("CHF – Swiss Franc")
    no_full_iban(phone)

    # Another device, without JavaScript: a new claim, filled in from the saved profile.
    sign_in_in_browser(laptop, site.url, smtp_server, ZOE)
    laptop.goto(site.url + "/cover/sender")  # a journey never begun: the details prefilled
    expect(label(laptop, "Your full name")).to_have_value(MEMBER["full_name"])
    laptop.goto(site.url + "/claim/done")
    laptop.get_by_role("button", name="Start another claim").click()
    expect(label(laptop, "Full name")).to_have_value(MEMBER["full_name"])
    save(laptop)
    by_keyboard(laptop, "A covered family member")
    by_keyboard(laptop, ANA)
    expect(heading(laptop)).to_have_text("About the treatment")
    treatment_and_expense(laptop)
    expect(label(laptop, "Currency you want to be paid in")).to_have_value("CHF")
    laptop.get_by_role("radio", name="Me (the member)").check()
    laptop.get_by_role("radio", name="Bank transfer").check()
    save(laptop)
    no_full_iban(laptop)
    by_keyboard(laptop, ACCOUNT)
    expect(heading(laptop)).to_have_text("Receipts and documents")
    receipt_and_finish(laptop)
    expect(laptop.get_by_text("IBAN ending 6769")).to_have_count(0)  # the done page names no account
    no_full_iban(laptop)
    laptop.get_by_role("button", name="Send it for me").click()
    expect(heading(laptop)).to_have_text("Your claim packet was sent")

    to_insurer = [m["message"] for m in smtp_server.messages if "wbg.mip@cigna.com" in m["rcpt_tos"]]
    packet = next(a for a in to_insurer[-1].iter_attachments() if a.get_content_type() == "application/pdf")
    printed = pdf_text(packet.get_content())
    assert "BE71 0961 2345 6769" in printed and "Ana Ørsted" in printed and "CHF" in printed
