"""The claim journey in a real browser: a new member, two expenses in two currencies, one
receipt photo, a changed answer, the PDF downloaded and then sent by email for them."""
from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.support.clicking import answer_patient_and_treatment, fill_date, save, start_claim
from tests.support.pdf import pdf_pages
from tests.support.samples import EXPENSES, MEMBER, TREATMENT
from tests.support.servers import wait_for
from workflows.administrators.cigna import CIGNA


def receipt_photo() -> bytes:
    """A 2000x1500 phone photo of a receipt, stored sideways (EXIF orientation 6)."""
    image = Image.new("RGB", (2000, 1500), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 1900, 400), fill="navy")
    draw.text((150, 600), "Dr Anne Martin - Crown - EUR 650.00", fill="black", font_size=80)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def largest_image(data: bytes) -> Image.Image:
    last = PdfReader(io.BytesIO(data)).pages[-1]
    return max((i.image for i in last.images), key=lambda im: im.width * im.height)


def test_new_member_claims_two_currencies_changes_an_answer_and_sends(page, live_server, smtp_server):
    """From the landing page to a received email: two expenses (EUR and CHF), one receipt
    photo, the treatment reason changed on the review page, the PDF downloaded, then sent."""
    start_claim(page, live_server)
    answer_patient_and_treatment(page)

    for number, line in enumerate(EXPENSES):
        if number:
            page.get_by_role("link", name="Add another expense").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Add an expense")
        fill_date(page, "Date of service", {k: line[f"date-{k}"] for k in ("day", "month", "year")})
        for label in ("Provider", "Description", "Amount"):
            page.get_by_label(label, exact=True).fill(line[label.lower()])
        page.get_by_label("Provider's town or city", exact=True).fill(line["city"])
        page.get_by_label("Currency", exact=True).select_option(line["currency"])
        page.get_by_role("button", name="Save expense").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("you have added 2 expenses")
    expect(page.locator("table.totals")).to_contain_text("EUR 650.00")
    expect(page.locator("table.totals")).to_contain_text("CHF 80.00")
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("radio", name="Me (the member)").check()
    expect(page.get_by_label("Currency you want to be paid in", exact=True)).to_have_value("EUR")
    page.get_by_role("radio", name="Bank transfer").check()
    save(page)
    page.get_by_label("Name of the account holder", exact=True).fill(MEMBER["full_name"])
    save(page)  # country of the bank defaults to Belgium
    page.get_by_label("IBAN", exact=True).fill("BE71 0961 2345 6769")
    page.get_by_label("BIC (SWIFT code)", exact=True).fill("GEBABEBB")
    save(page)

    page.get_by_role("group", name="What kind of document is it?").get_by_role(
        "radio", name="Itemised invoice").check()
    page.get_by_label("Choose files", exact=True).set_input_files(
        {"name": "crown-receipt.jpg", "mimeType": "image/jpeg", "buffer": receipt_photo()})
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Uploaded (1)")).to_be_visible()
    expect(page.locator(".items")).to_contain_text("Itemised invoice: crown-receipt.jpg (1 page)")
    page.get_by_role("button", name="Continue").click()

    # Change an answer from the review page and come straight back to it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before finishing")
    page.get_by_role("link", name="Change reason for treatment or diagnosis").click()
    new_reason = "Cracked molar, crown fitted"
    page.get_by_label("Reason for treatment or diagnosis", exact=True).fill(new_reason)
    save(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before finishing")
    expect(page.locator("main")).to_contain_text(new_reason)
    expect(page.locator("main")).not_to_contain_text(TREATMENT["reason"])
    # The declaration is signed last, on the review page, once every answer is final.
    page.get_by_role("button", name="Finish and get my claim packet").click()
    expect(page.get_by_role("link", name="Confirm that the information is true and complete")).to_be_visible()
    page.get_by_role("checkbox").check()
    page.get_by_label("Your full name, as your signature", exact=True).fill(MEMBER["full_name"])
    page.get_by_role("button", name="Finish and get my claim packet").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your claim packet is ready")
    reference = page.locator(".ref").inner_text().strip()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the claim packet (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"claim-{reference}.pdf"
    downloaded = Path(download.path()).read_bytes()
    texts = pdf_pages(downloaded)
    pages = len(texts)
    text = "\n".join(texts)
    for expected in (MEMBER["full_name"], MEMBER["reference"], reference, "EUR 650.00", "CHF 80.00",
                     CIGNA.claims_email, new_reason):
        assert expected in text, expected
    footers = re.findall(r"Page (\d+) of (\d+)", texts[-1])
    assert footers and footers[-1] == (str(pages), str(pages))
    assert pages >= 3  # cover, summary, the receipt
    photo = largest_image(downloaded)
    assert photo.height > photo.width, "the sideways phone photo is turned upright (EXIF 6)"
    assert photo.convert("L").getextrema()[0] < 64, "the receipt is not blank"

    expect(page.get_by_label(f"Send me a copy at {MEMBER['email']}")).to_be_checked()
    page.get_by_role("button", name="Send it for me").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Sent. Your claim was emailed to {CIGNA.claims_email} with a copy to you.")

    assert wait_for(lambda: smtp_server.messages)
    [received] = smtp_server.messages
    assert {CIGNA.claims_email, MEMBER["email"]} <= set(received["rcpt_tos"])
    message = received["message"]
    assert MEMBER["reference"] in message["Subject"]
    assert message["Reply-To"] == MEMBER["email"]
    [attachment] = [a for a in message.iter_attachments() if a.get_content_type() == "application/pdf"]
    assert attachment.get_filename() == f"claim-{reference}.pdf"
    sent_texts = pdf_pages(attachment.get_content())
    sent_pages = len(sent_texts)
    assert sent_pages == pages
    assert sent_texts[0] == texts[0]


def test_back_from_step_two_keeps_step_one_answers(page, live_server):
    """The browser's Back button from step 2 shows step 1 with what the member typed."""
    start_claim(page, live_server)
    expect(page.get_by_role("heading", name="Who received the treatment?")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    expect(page.get_by_label("Full name", exact=True)).to_have_value(MEMBER["full_name"])
    expect(page.get_by_label("Personal reference number", exact=True)).to_have_value(MEMBER["reference"])
    expect(page.get_by_role("group", name="Date of birth").get_by_label("Year")).to_have_value("1970")
    expect(page.get_by_label("Email address", exact=True)).to_have_value(MEMBER["email"])
    expect(page.get_by_label("Country where you live", exact=True)).to_have_value(MEMBER["country"])
    expect(page.get_by_label("Postal address", exact=True)).to_have_value(MEMBER["address"])
