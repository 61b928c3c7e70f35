"""Bank details in a real browser: the BIC filled in from a Belgian IBAN for the member to
check, asked (with where to find it) for a bank the registry does not know, and the account
offered again in the next claim of the visit only when the member asked for it."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.support.clicking import answer_patient_and_treatment, fill_expense, heading, label, save, start_claim
from tests.support.files import jpeg
from tests.support.samples import EXPENSES, MEMBER

KEEP = "Use these bank details for my next claim in this visit"


def to_bank_iban(page):
    """From the patient question to the IBAN page: one expense, paid to the member's account."""
    answer_patient_and_treatment(page)
    fill_expense(page, EXPENSES[0])
    page.get_by_role("button", name="Save expense").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("radio", name="Me (the member)").check()
    page.get_by_role("radio", name="Bank transfer").check()
    save(page)
    expect(heading(page)).to_have_text("Bank account")


def finish(page):
    page.get_by_role("group", name="What kind of document is it?").get_by_role(
        "radio", name="Itemised invoice").check()
    label(page, "Choose files").set_input_files({"name": "r.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("checkbox").check()
    label(page, "Your full name, as your signature").fill(MEMBER["full_name"])
    page.get_by_role("button", name="Finish and get my claim packet").click()
    expect(heading(page)).to_have_text("Your claim packet is ready")


def test_bic_from_the_iban_and_the_account_kept_only_when_asked(page, live_server):
    start_claim(page, live_server)
    to_bank_iban(page)
    label(page, "Name of the account holder").fill(MEMBER["full_name"])
    save(page)  # the bank's country: Belgium, from where the member lives

    # A Belgian bank the registry does not know: the BIC is asked, with where to find it.
    label(page, "IBAN").fill("BE68 5390 0754 7034")
    save(page)
    expect(page.locator(".error-summary")).to_contain_text("Enter the BIC (SWIFT code)")
    expect(page.locator("#bic-hint")).to_have_text(
        "8 or 11 letters and numbers, on your bank statement or in your online banking.")
    expect(label(page, "IBAN")).to_have_value("BE68 5390 0754 7034")

    # A known one: the BIC is filled in, shown to be checked, then saved as it stands.
    label(page, "IBAN").fill("BE71 0961 2345 6769")
    label(page, "BIC (SWIFT code)").fill("")
    save(page)
    expect(label(page, "BIC (SWIFT code)")).to_have_value("GKCCBEBB")
    expect(page.locator("[role=status]")).to_contain_text("We filled in the BIC from your IBAN")
    expect(page.locator(".error-summary")).to_have_count(0)
    keep = page.get_by_role("checkbox", name=KEEP)
    expect(keep).not_to_be_checked()  # off until the member says so
    keep.check()
    save(page)
    expect(heading(page)).to_have_text("Receipts and documents")
    finish(page)

    # The next claim of the visit: member details and the kept account are offered.
    page.get_by_role("button", name="Start another claim").click()
    expect(label(page, "Full name")).to_have_value(MEMBER["full_name"])
    save(page)
    to_bank_iban(page)
    expect(label(page, "Name of the account holder")).to_have_value(MEMBER["full_name"])
    save(page)
    expect(label(page, "IBAN")).to_have_value("BE71 0961 2345 6769")
    expect(label(page, "BIC (SWIFT code)")).to_have_value("GKCCBEBB")
    keep = page.get_by_role("checkbox", name=KEEP)
    expect(keep).to_be_checked()
    keep.uncheck()  # not for the one after
    save(page)
    finish(page)

    page.get_by_role("button", name="Start another claim").click()
    save(page)
    to_bank_iban(page)
    expect(label(page, "Name of the account holder")).to_have_value("")
    label(page, "Name of the account holder").fill(MEMBER["full_name"])
    save(page)
    expect(label(page, "IBAN")).to_have_value("")
    expect(label(page, "BIC (SWIFT code)")).to_have_value("")
