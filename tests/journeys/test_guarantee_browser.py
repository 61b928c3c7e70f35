"""The guarantee-of-payment journey in a real browser: a relative files an emergency request for
a member's child admitted yesterday, downloads the PDF, has it sent, and the received email is
checked. Then the planned-admission rules: short notice warned about, a past date refused."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.support.clicking import (choose, fill_admission, fill_hospital, fill_medical, heading, label,
                                    start_request, warning)
from tests.support.pdf import pdf_pages
from tests.support.samples import GOP_PATIENT, HOSPITAL, MEDICAL, WRITER
from tests.support.servers import wait_for
from workflows.administrators.cigna import CIGNA
from workflows.engine import clock, format_date

DOC = "guarantee of payment request"
CHECK_HEADING = "Check your answers before finishing"


def doctor_letter() -> bytes:
    from weasyprint import HTML
    return HTML(string="<h1>DOCTOR LETTER</h1><p>Leo Ruiz needs surgery tonight.</p>").write_pdf()


def test_relative_sends_an_emergency_request_for_a_child_admitted_yesterday(page, live_server, smtp_server):
    """Emergency admission yesterday at 21:15, one doctor's letter; the confirmation page,
    the downloaded PDF and the email received by the admissions mailbox are all checked."""
    yesterday = clock.today() - dt.timedelta(days=1)
    admitted = format_date(yesterday)  # like "26 November 2026"
    patient = GOP_PATIENT["patient_name"]
    phones = [p.number for p in CIGNA.phones]

    start_request(page, live_server)
    fill_admission(page, "Emergency", yesterday, time="21:15")

    # From here on, every page carries the emergency advice.
    for step in (fill_hospital, fill_medical):
        expect(warning(page)).to_contain_text("This is an emergency admission")
        step(page)

    expect(heading(page)).to_have_text("Attachments")
    expect(warning(page)).to_contain_text("This is an emergency admission")
    letter = doctor_letter()
    choose(page, "What kind of document is it?", "Doctor's letter")
    label(page, "Choose files").set_input_files(
        {"name": "doctor-letter.pdf", "mimeType": "application/pdf", "buffer": letter})
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Uploaded (1)")).to_be_visible()
    expect(page.locator(".items")).to_contain_text("Doctor's letter: doctor-letter.pdf (1 page)")
    page.get_by_role("button", name="Continue").click()

    expect(heading(page)).to_have_text(CHECK_HEADING)
    expect(warning(page)).to_contain_text(
        "This is an emergency admission: as well as emailing the request, phone Cigna on one "
        "of the numbers below.")
    main = page.locator("main")
    for shown in (GOP_PATIENT["reference"], patient, "Child", "K35.8", HOSPITAL["contact_email"],
                  "doctor-letter.pdf"):
        expect(main).to_contain_text(shown)
    page.get_by_role("button", name=f"Finish and get my {DOC}").click()

    # The confirmation page.
    expect(heading(page)).to_have_text(f"Your {DOC} is ready")
    reference = page.locator(".ref").inner_text().strip()
    assert re.fullmatch(r"GOP-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", reference), reference
    for number in phones:
        expect(warning(page)).to_contain_text(number)
    expect(warning(page)).to_contain_text("This is an emergency admission: as well as emailing the request")
    for phone in CIGNA.phones:  # the full list under "What happens next"
        expect(page.locator("main > ul.phones").get_by_role("link", name=phone.number, exact=True)
               ).to_have_attribute("href", f"tel:{phone.tel}")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Download the {DOC} (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"guarantee-request-{reference}.pdf"
    downloaded_texts = pdf_pages(Path(download.path()).read_bytes())
    downloaded_pages = len(downloaded_texts)

    expect(page.locator("form.panel-form").first).to_contain_text(
        f"We email the {DOC} to {CIGNA.admissions_email} for you, asking for the reply to go to "
        f"{WRITER['email']} and {HOSPITAL['contact_email']}.")
    expect(page.get_by_label(f"Send me a copy at {WRITER['email']}")).to_be_checked()
    page.get_by_role("button", name="Send it for me").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Sent. Your request was emailed to {CIGNA.admissions_email} with a copy to you.")

    # The email, as the admissions mailbox receives it.
    assert wait_for(lambda: smtp_server.messages)
    [received] = smtp_server.messages
    assert {CIGNA.admissions_email, WRITER["email"]} <= set(received["rcpt_tos"])
    message = received["message"]
    assert message["Subject"].startswith(
        f"URGENT – Guarantee of payment request – {GOP_PATIENT['reference']} – {patient} – "
        f"admission {admitted}"), message["Subject"]
    reply_to = {a.addr_spec for a in message["Reply-To"].addresses}
    assert {WRITER["email"], HOSPITAL["contact_email"]} <= reply_to, message["Reply-To"]

    body = message.get_body(("plain",)).get_content()
    assert body.startswith("URGENT – EMERGENCY ADMISSION"), body[:80]
    for line in (f"Request reference: {reference}",
                 f"Member: {GOP_PATIENT['member_name']}",
                 f"Personal reference number: {GOP_PATIENT['reference']}",
                 f"Patient: {patient}, born ",
                 "Relationship to the member: Child",
                 f"Admission: Emergency, {admitted} at 21:15",
                 "Type of stay: Inpatient, expected 3 nights",
                 "Room type: Not known yet",
                 f"Hospital: {HOSPITAL['name']}",
                 f"Admissions contact: {HOSPITAL['contact_name']}",
                 f"Email {HOSPITAL['contact_email']}",
                 f"Treating doctor: {HOSPITAL['doctor_name']} ({HOSPITAL['doctor_specialty']})",
                 f"Reason for admission or diagnosis: {MEDICAL['reason']}",
                 "ICD-10 code: K35.8",
                 "Estimated cost: EUR 9,500.00",
                 f"Request written by: {WRITER['name']} (A family member; patient's consent confirmed)",
                 f"Please reply to {WRITER['email']} and {HOSPITAL['contact_email']}"):
        assert line in body, line

    files = [(a.get_filename(), a.get_content_type(), a.get_content())
             for a in message.iter_attachments()]
    assert [(name, kind) for name, kind, _ in files] == [
        (f"guarantee-request-{reference}.pdf", "application/pdf"),
        ("doctor-letter.pdf", "application/pdf")]
    # The doctor's letter travels as its pages and what they show, rewritten without any
    # active content (issue 11.3): not byte for byte.
    assert pdf_pages(files[1][2]) == pdf_pages(letter), "the doctor's letter travels with every page"
    sent_texts = pdf_pages(files[0][2])
    sent_pages = len(sent_texts)
    for expected in ("Request for guarantee of payment", "URGENT", patient, reference,
                     GOP_PATIENT["reference"], "Page 1 of"):
        assert expected in sent_texts[0], expected
    assert sent_pages == downloaded_pages
    assert sent_texts[0] == downloaded_texts[0], "the downloaded PDF is the one that was sent"


def test_planned_admission_short_notice_is_warned_and_a_past_date_refused(page, live_server):
    """Five days ahead: the 14-day notice warning from the admission step on, up to the
    confirmation. Yesterday: refused, since only emergencies may be in the past."""
    today = clock.today()
    start_request(page, live_server)

    fill_admission(page, "Planned", clock.earliest_today() - dt.timedelta(days=1))  # past everywhere
    expect(heading(page)).to_have_text("The admission")
    expect(page).to_have_title(re.compile(r"^Error: "))
    problem = ("Admission date must be today or in the future for a planned admission. "
               "If the patient has already been admitted in an emergency, select Emergency")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=problem)).to_have_attribute("href", "#date")
    date_group = page.get_by_role("group", name="Admission date")
    expect(date_group.locator(".error-message")).to_have_text(f"Error: {problem}")
    expect(date_group.get_by_label("Day", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(warning(page)).to_have_count(0)

    in_five_days = today + dt.timedelta(days=5)
    fill_admission(page, "Planned", in_five_days)
    short_notice = re.compile(r"The admission is in 5 days: Cigna asks for the request 2–4 weeks "
                              r"before a planned admission\.")
    for step in (fill_hospital, fill_medical):
        expect(warning(page)).to_contain_text(short_notice)
        step(page)
    expect(heading(page)).to_have_text("Attachments")
    expect(warning(page)).to_contain_text(short_notice)
    page.get_by_role("button", name="Continue").click()  # attachments are optional

    expect(heading(page)).to_have_text(CHECK_HEADING)
    expect(warning(page)).to_contain_text(short_notice)
    expect(warning(page)).not_to_contain_text("emergency")
    page.get_by_role("button", name=f"Finish and get my {DOC}").click()

    expect(heading(page)).to_have_text(f"Your {DOC} is ready")
    expect(warning(page)).to_contain_text(short_notice)
    for phone in CIGNA.phones:  # labelled and tappable in the warning itself
        expect(warning(page).get_by_role("link", name=phone.number, exact=True)).to_have_attribute(
            "href", f"tel:{phone.tel}")
    # Planned: no urgency in the subject shown for copying, replies to the writer only.
    expect(page.locator("#mail-subject")).to_have_value(re.compile(
        rf"^Guarantee of payment request – {GOP_PATIENT['reference']} – "
        rf"{GOP_PATIENT['patient_name']} – admission {format_date(in_five_days)}$"))
    expect(page.locator("form.panel-form").first).to_contain_text(
        f"asking for the reply to go to {WRITER['email']}.")
