"""In Chromium: a member pays two visits with one card payment, uploads its receipt once and
says it covers both expenses; the packet's fee table points both lines to its page."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.support.clicking import (answer_patient_and_treatment, fill_date, heading, label, parts,
                                    pay_member_by_iban, start_claim)
from tests.support.files import jpeg_bytes
from tests.support.pdf import flat, pdf_pages
from tests.support.samples import MEMBER
from workflows.engine import clock


def add_expense(page, days_ago, provider, amount):
    fill_date(page, "Date of service", parts(clock.today() - dt.timedelta(days=days_ago)))
    label(page, "Provider").fill(provider)
    label(page, "Provider's town or city").fill("Lyon")
    label(page, "Description").fill("Check-up")
    label(page, "Amount").fill(amount)
    page.get_by_role("button", name="Save expense").click()


def test_one_payment_receipt_covers_two_expenses(page, live_server):
    start_claim(page, live_server)
    answer_patient_and_treatment(page)
    add_expense(page, 20, "Dr Anne Martin", "650.00")
    page.get_by_role("link", name="Add another expense").click()
    add_expense(page, 10, "Dr Paul Roux", "90.00")
    page.get_by_role("button", name="Continue").click()
    pay_member_by_iban(page)

    expect(heading(page)).to_have_text("Receipts and documents")
    page.get_by_role("group", name="What kind of document is it?").get_by_role("radio", name="Proof of payment").check()
    covers = page.get_by_role("group", name="Which expenses does it cover?")
    expect(covers.get_by_role("checkbox")).to_have_count(2)
    covers.get_by_role("checkbox", name=re.compile("^Expense 1: .*Dr Anne Martin")).check()
    covers.get_by_role("checkbox", name=re.compile("^Expense 2: .*Dr Paul Roux")).check()
    label(page, "Choose files").set_input_files({"name": "card-payment.jpg", "mimeType": "image/jpeg",
                                                 "buffer": jpeg_bytes()})
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".item-covers")).to_have_text("Covers: Expense 1, Expense 2")
    page.get_by_role("button", name="Continue").click()

    expect(heading(page)).to_have_text("Check your answers before finishing")
    expect(page.locator(".warning")).to_have_count(0)
    page.get_by_role("checkbox").check()
    page.get_by_label("Your full name, as your signature", exact=True).fill(MEMBER["full_name"])
    page.get_by_role("button", name="Finish and get my claim packet").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the claim packet (PDF)").click()
    pages = pdf_pages(Path(download_info.value.path()).read_bytes())
    form = flat(" ".join(pages[1:3]))
    fees = form[form.index("Itemised fees"):form.index("Total in")]
    numbers = re.findall(r"Proof of payment: page (\d+)", fees)
    assert len(numbers) == 2 and numbers[0] == numbers[1], fees
    assert flat(pages[int(numbers[0]) - 1]).startswith("Proof of payment: card-payment.jpg")
