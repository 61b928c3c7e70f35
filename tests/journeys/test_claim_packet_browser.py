"""In Chromium: a new member claims for a pharmacy line after another insurer paid part of it,
is told on the check page which documents are missing, finishes anyway, and the packet's cover
lists them as to follow."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from playwright.sync_api import expect

from tests.support.clicking import (choose, fill_date, heading, label, parts, pay_member_by_iban, save,
                                    start_claim)
from tests.support.files import jpeg_bytes
from tests.support.pdf import flat, pdf_pages
from tests.support.samples import MEMBER
from workflows.administrators.cigna import CIGNA
from workflows.engine import clock


def test_pharmacy_and_another_insurer_missing_documents_follow(page, live_server):
    start_claim(page, live_server)
    choose(page, "Who received the treatment?", "I did (the member)")
    save(page)

    expect(heading(page)).to_have_text("About the treatment")
    choose(page, "What kind of treatment was it?", "Medical")
    label(page, "Reason for treatment or diagnosis").fill("Chest infection")
    label(page, "Country where treated").select_option("FR")
    choose(page, "Did the treatment follow an accident?", "No")
    choose(page, "Is any other insurance involved?", "Yes")
    save(page)  # outpatient is preselected

    expect(heading(page)).to_have_text("Other insurance")
    label(page, "Name of the other insurer").fill("Mutualité Chrétienne")
    label(page, "Policy number").fill("MC-552-190")
    label(page, "Amount the other insurer paid (optional)").fill("10.00")
    label(page, "Currency of that amount").select_option("EUR")
    save(page)

    expect(heading(page)).to_have_text("Add an expense")
    fill_date(page, "Date of service", parts(clock.today() - dt.timedelta(days=10)))
    choose(page, "What was it for?", "Medicine from a pharmacy")
    label(page, "Provider").fill("Pharmacie du Centre")
    label(page, "Provider's town or city").fill("Lyon")
    expect(label(page, "Provider's country")).to_have_value("FR")  # the country of treatment
    label(page, "Description").fill("Antibiotics")
    label(page, "Amount").fill("23.40")
    page.get_by_role("button", name="Save expense").click()
    page.get_by_role("button", name="Continue").click()

    pay_member_by_iban(page)

    expect(page.locator(".claim-form-note")).to_contain_text(CIGNA.claim_form_name)
    choose(page, "What kind of document is it?", "Itemised invoice")
    label(page, "Choose files").set_input_files({"name": "pharmacy.jpg", "mimeType": "image/jpeg",
                                                 "buffer": jpeg_bytes()})
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Continue").click()

    # Told what is missing, with a way to add it; finishing is still possible.
    expect(heading(page)).to_have_text("Check your answers before finishing")
    missing = page.locator("ul.missing")
    for item in ("Proof of payment: 1 missing", "Prescription: 1 missing", "Other insurer's statement: 1 missing",
                 f"Signed {CIGNA.claim_form_name}: 1 missing"):
        expect(missing).to_contain_text(item)
    expect(page.get_by_role("link", name="Add documents")).to_have_attribute("href", "/claim/receipts?change=1")
    page.get_by_role("checkbox").check()
    page.get_by_label("Your full name, as your signature", exact=True).fill(MEMBER["full_name"])
    page.get_by_role("button", name="Finish and get my claim packet").click()

    expect(heading(page)).to_have_text("Your claim packet is ready")
    expect(page.locator(".advice")).to_contain_text("tape small ones onto A4 paper")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the claim packet (PDF)").click()
    pages = pdf_pages(Path(download_info.value.path()).read_bytes())
    cover = flat(pages[0])
    assert "Itemised invoice: pharmacy.jpg page 4" in cover or "Itemised invoice: pharmacy.jpg page 3" in cover
    for item in ("Proof of payment: 1 to follow", "Prescription: 1 to follow (one for each medicine)",
                 "Other insurer's statement: 1 to follow (the other insurer paid part of the claim)",
                 f"Signed {CIGNA.claim_form_name}: 1 to follow"):
        assert item in cover, item
    assert "Other insurance Mutualité Chrétienne, policy MC-552-190, amount paid EUR 10.00" in flat(" ".join(pages))
