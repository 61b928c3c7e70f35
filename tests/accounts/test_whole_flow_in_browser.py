"""Issue 14's "Done when", walked in Chromium from start to end over a real server, with the
sign-in links and the reminder received by a real SMTP server and the clock moved by the test:

1. on a phone the member signs in with the link from the mail, finishes a claim ticking
   "Remember for my next claim" for their details, currency and bank account, and sends it;
2. on a laptop (a new browser context) they sign in again, find the claim on My claims,
   download its PDF and record "paid, CHF 390.00";
3. the next claim starts with their details, currency and account (the IBAN masked), and the
   same receipt uploaded again is named with the earlier reference; it is sent too;
4. 15 business days later the second claim (no answer) gets its reminder, the paid one none;
5. the export zip holds what was entered and both PDFs;
6. "Delete everything" leaves no row of theirs in any table."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.accounts import sign_in_in_browser
from tests.support.clicking import (answer_treatment, choose, fill_date, fill_expense, fill_member_details, heading,
                                    label, no_full_iban, save, sign_and_finish)
from tests.support.files import jpeg_bytes
from tests.support.followups import mailto_in, reminders_to, run_reminders, text_of
from tests.support.member_rows import every_row, rows_left
from tests.support.pdf import flat, pdf_text
from tests.support.samples import CLAIM, EXPENSES, MEMBER
from workflows.administrators.cigna import CIGNA
from workflows.store.database import token_key
from workflows.store.members import email_key

ZOE = "zoe.whole-flow@example.org"
REMEMBER = "Remember for my next claim"
ACCOUNT = "IBAN ending 6769, Zoë Ørsted"
IBAN = CLAIM["bank-iban"]["iban"]
SCAN = jpeg_bytes(color="beige")  # the receipt, uploaded with both claims
FIRST_LINE = {**EXPENSES[1], "amount": "390.00"}  # CHF 390.00 at Zahnklinik Basel
SECOND_LINE = EXPENSES[0]  # EUR 650.00 at Dr Anne Martin


@pytest.fixture
def devices(browser):
    """Two devices of the same member: a phone and a laptop (each its own cookies)."""
    phone, laptop = browser.new_context(accept_downloads=True), browser.new_context(accept_downloads=True)
    yield phone.new_page(), laptop.new_page()
    phone.close()
    laptop.close()


def draft_cookie(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "draft")


def my_claims(page):
    """The header's link."""
    return page.get_by_role("navigation", name="Site").get_by_role("link", name="My claims")


def expense(page, line: dict) -> None:
    expect(heading(page)).to_have_text("Add an expense")
    fill_expense(page, line)
    page.get_by_role("button", name="Save expense").click()
    expect(page.get_by_text("Expense 1 saved")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("How you want to be paid")


def upload_receipt(page, name: str) -> None:
    expect(heading(page)).to_have_text("Receipts and documents")
    choose(page, "What kind of document is it?", "Itemised invoice")
    label(page, "Choose files").set_input_files({"name": name, "mimeType": "image/jpeg", "buffer": SCAN})
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("button", name=f"Remove {name}")).to_be_visible()  # kept, on the same page


def sign_and_send(page) -> str:
    """On the check page: the declaration, finish, "Send it for me"; the claim's reference."""
    sign_and_finish(page)
    page.get_by_role("button", name="Send it for me").click()
    expect(heading(page)).to_have_text("Your claim packet was sent")
    return page.locator(".panel .ref").inner_text().strip()


def first_claim(page) -> str:
    """The whole claim, the member the patient, remembering details, currency and account."""
    page.get_by_role("link", name="Claim reimbursement").click()
    page.get_by_role("link", name="Start now").click()
    expect(heading(page)).to_have_text("Your details")
    expect(page.get_by_role("checkbox", name=REMEMBER)).not_to_be_checked()  # off by default
    fill_member_details(page, {**MEMBER, "email": ZOE})
    page.get_by_role("checkbox", name=REMEMBER).check()
    save(page)
    expect(heading(page)).to_have_text("Who received the treatment?")
    page.get_by_role("radio", name="I did (the member)").check()
    save(page)
    answer_treatment(page)
    expense(page, FIRST_LINE)
    choose(page, "Who should be paid?", "Me (the member)")
    label(page, "Currency you want to be paid in").select_option("CHF")
    choose(page, "How do you want to be paid?", "Bank transfer")
    page.get_by_role("checkbox", name=REMEMBER).check()
    save(page)
    expect(heading(page)).to_have_text("Bank account")
    label(page, "Name of the account holder").fill(MEMBER["full_name"])
    save(page)
    expect(heading(page)).to_have_text("Bank account: IBAN")
    label(page, "IBAN").fill(IBAN)
    label(page, "BIC (SWIFT code)").fill(CLAIM["bank-iban"]["bic"])
    page.get_by_role("checkbox", name=REMEMBER).check()
    save(page)
    upload_receipt(page, "scan.jpg")
    expect(page.get_by_role("note")).to_have_count(0)  # nothing claimed before
    page.get_by_role("button", name="Continue").click()
    return sign_and_send(page)


def download(page, link_name: str) -> bytes:
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    return Path(started.value.path()).read_bytes()


def record_paid(page, url: str, reference: str) -> None:
    """Find the claim on My claims, download its PDF, record "paid, CHF 390.00"."""
    page.goto(url + "/")
    my_claims(page).click()
    expect(heading(page)).to_have_text("My claims")
    page.get_by_role("heading", level=2, name=re.compile(reference)).get_by_role("link").click()
    expect(heading(page)).to_have_text("Claim reimbursement")
    expect(page.locator("dl.summary")).to_contain_text(reference)
    pdf = download(page, f"Download the PDF {reference}")
    assert pdf.startswith(b"%PDF-")
    printed = flat(pdf_text(pdf))
    assert reference in printed and "Zahnklinik Basel" in printed and "390.00" in printed

    label(page, "Claim number given by Cigna (optional)").fill("CL-390")
    choose(page, "What did they answer?", "Paid")
    label(page, "Amount paid").fill("390.00")
    label(page, "Currency of the amount paid").select_option("CHF")
    fill_date(page, "Date of their answer", {"day": "27", "month": "11", "year": "2026"})
    label(page, "Note (optional)").fill("Paid in full")
    page.get_by_role("button", name="Save their answer").click()
    expect(page.get_by_text("Their answer is recorded.")).to_be_visible()


def paid_on_my_claims(page, reference: str) -> None:
    page.get_by_role("link", name="Back to My claims").click()
    expect(heading(page)).to_have_text("My claims")
    answer = page.locator("dl.summary", has_text=reference).locator(".summary-row", has_text="Their answer")
    expect(answer).to_contain_text("Paid: CHF 390.00")
    expect(answer).to_contain_text("Their claim number: CL-390")
    went = page.locator("dl.summary", has_text=reference).locator(".summary-row", has_text="How it went")
    expect(went).to_contain_text("Sent by this service")
    year = page.get_by_role("table", name="Per year").get_by_role("row", name=re.compile("^2026"))
    expect(year.get_by_role("cell")).to_have_text(["CHF 390.00", "CHF 390.00"])  # claimed, paid
    patient = page.get_by_role("table", name="Per patient").get_by_role("row", name=re.compile("^Zoë Ørsted"))
    expect(patient.get_by_role("cell")).to_have_text(["CHF 390.00", "CHF 390.00"])


def second_claim(page, url: str, first: str) -> str:
    """Prefilled from the saved profile; the same receipt again is named with `first`."""
    page.goto(url + "/claim/done")
    page.get_by_role("button", name="Start another claim").click()
    expect(heading(page)).to_have_text("Your details")
    for name, value in (("Full name", MEMBER["full_name"]), ("Personal reference number", MEMBER["reference"]),
                        ("Email address", ZOE), ("Country where you live", MEMBER["country"]),
                        ("Phone number", MEMBER["phone"])):
        expect(label(page, name)).to_have_value(value)
    save(page)
    expect(heading(page)).to_have_text("Who received the treatment?")
    page.get_by_role("radio", name="I did (the member)").check()
    save(page)
    answer_treatment(page)
    expense(page, SECOND_LINE)
    expect(label(page, "Currency you want to be paid in")).to_have_value("CHF")
    choose(page, "Who should be paid?", "Me (the member)")
    choose(page, "How do you want to be paid?", "Bank transfer")
    save(page)
    saved = page.get_by_role("radio", name=ACCOUNT, exact=True)
    expect(saved).to_be_visible()
    no_full_iban(page)  # only its last 4 characters
    saved.check()
    save(page)
    upload_receipt(page, "same-scan-again.jpg")
    expect(page.get_by_role("note")).to_contain_text(
        f"same-scan-again.jpg was already sent with your earlier claim {first}: check that you are "
        "not claiming it twice.")
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_contain_text("Check your answers")
    expect(page.get_by_role("note")).to_contain_text(f"your earlier claim {first}")  # here too
    return sign_and_send(page)


def packet_received(inbox, reference: str) -> None:
    """The claims mailbox got the claim once: its packet, with the whole IBAN."""
    packets = [pdf_text(a.get_content()) for m in inbox.messages if CIGNA.claims_email in m["rcpt_tos"]
               for a in m["message"].iter_attachments() if a.get_content_type() == "application/pdf"]
    (printed,) = [text for text in packets if reference in flat(text)]
    assert MEMBER["reference"] in printed and IBAN in printed


def reminder_when_due(site, inbox, clock, first: str, second: str) -> None:
    """Both claims were sent on Friday 27 November, 09:00 (the test's clock); only the second
    is unanswered. 15 business days later is Friday 18 December, 09:00."""
    clock.advance(days=21, minutes=-1)
    assert run_reminders(site.app).get("sent", 0) == 0 and reminders_to(inbox, ZOE) == []
    clock.advance(minutes=1)
    counts = run_reminders(site.app)
    assert counts["sent"] == 1 and counts["answered"] == 1  # the paid claim gets none
    (reminder,) = reminders_to(inbox, ZOE)
    assert reminder["Subject"] == f"Reminder: no answer yet to {second}"
    text = text_of(reminder)
    assert f"{second} was sent on 27 November 2026" in text and first not in text
    assert "Totals: EUR 650.00." in text
    to, subject, body = mailto_in(text)
    assert to == CIGNA.claims_email and subject == f"Where is my claim? {second}"
    assert f"I sent a claim for reimbursement on 27 November 2026, reference {second}" in body
    assert "Totals claimed: EUR 650.00." in body and "BE71" not in body


def export_holds_what_was_entered(page, first: str, second: str) -> None:
    my_claims(page).click()
    expect(heading(page)).to_have_text("My claims")
    z = zipfile.ZipFile(io.BytesIO(download(page, "Download all my data (.zip)")))
    assert sorted(z.namelist()) == sorted(["my-data.json", f"packets/claim-{first}.pdf",
                                           f"packets/claim-{second}.pdf"])
    data = json.loads(z.read("my-data.json"))
    assert data["member"]["email"] == ZOE
    kept = json.dumps(data["member"]["profile"], ensure_ascii=False)
    for typed in (MEMBER["full_name"], MEMBER["reference"], MEMBER["phone"], "CHF", IBAN.replace(" ", "")[-4:]):
        assert typed in kept, typed
    records = {r["reference"]: r for r in data["records"]}
    assert set(records) == {first, second}
    assert records[first]["patient"] == records[second]["patient"] == MEMBER["full_name"]
    assert records[first]["totals"] == {"CHF": "390.00"} and records[second]["totals"] == {"EUR": "650.00"}
    assert records[first]["answer"] == {"claim_number": "CL-390", "status": "paid", "amount_paid": "390.00",
                                        "currency": "CHF", "date": "2026-11-27", "note": "Paid in full"}
    assert not (records[second].get("answer") or {}).get("status")
    for reference in (first, second):
        assert reference in flat(pdf_text(z.read(f"packets/claim-{reference}.pdf")))


def delete_everything(page) -> None:
    page.get_by_role("link", name="Delete everything").click()
    expect(heading(page)).to_have_text("Delete everything")
    expect(page.get_by_text("2 finished items in My claims")).to_be_visible()
    page.get_by_role("button", name="Delete everything").click()
    expect(heading(page)).to_have_text("Everything has been deleted")


def test_issue_14_done_when(site, smtp_server, clock, devices):
    phone, laptop = devices
    app, store = site.app, site.app.extensions["store"]
    before = every_row(app)  # nobody has used the app yet

    # 1. Phone: signed in by the link in the mail, the profile saved, the claim sent.
    sign_in_in_browser(phone, site.url, smtp_server, ZOE)
    first = first_claim(phone)
    expect(phone.locator("#main").get_by_role("link", name="My claims")).to_have_attribute(
        "href", f"/my-claims/{first}")  # the done page leads to its record
    packet_received(smtp_server, first)

    # 2. Laptop: signed in again, the claim found, its PDF downloaded, the answer recorded.
    sign_in_in_browser(laptop, site.url, smtp_server, ZOE)
    record_paid(laptop, site.url, first)
    paid_on_my_claims(laptop, first)

    # 3. The next claim, prefilled; the same receipt is named with the earlier reference.
    second = second_claim(laptop, site.url, first)
    assert second.startswith("CLM") and second != first
    packet_received(smtp_server, second)

    # 4. The reminder for the unanswered claim, when due.
    reminder_when_due(site, smtp_server, clock, first, second)

    # 5. The export.
    export_holds_what_was_entered(laptop, first, second)

    # 6. Delete everything: no row of theirs in any table, signed out on both devices.
    member_id = store.members.session(draft_cookie(laptop)).member_id
    secret = app.config["SECRET_KEY"]
    marks = {member_id, email_key(secret, ZOE), token_key(store.members.draft_token(member_id)), first, second,
             ZOE, token_key(draft_cookie(phone)), token_key(draft_cookie(laptop))}
    assert len(rows_left(app, before, marks)) > 20  # what the check finds while they are there
    delete_everything(laptop)
    assert rows_left(app, before, marks) == []
    for device in (phone, laptop):  # signed out on both
        device.goto(site.url + "/my-claims")
        expect(heading(device)).to_have_text("Sign in")
