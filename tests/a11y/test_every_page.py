"""Every page of every journey, on a 360 x 740 phone screen: zero axe-core violations
(WCAG 2.2 AA tags; axe also runs at 1280 px), no horizontal scrolling (at 360 px, and at
WCAG's 320 px reflow width), under 50 KB of HTML, CSS and JavaScript, no request outside the
app, labels and hints tied to their inputs. Each step is also submitted
empty or with bad values: the error page has a summary linking to each field, gets the focus,
says "Error:" in its title and keeps what was typed."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.support.accounts import last_link
from tests.support.audit import Audit
from tests.support.browser import PHONE
from tests.support.files import jpeg
from tests.support.samples import EXPENSES, GOP_PATIENT, HOSPITAL, MEDICAL, MEMBER, TREATMENT, WRITER, date_parts
from workflows.engine import clock

SAVE = "Save and continue"


@pytest.fixture
def audit(browser, live_server):
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    yield Audit(page, live_server.url)
    context.close()


def claim_pages(a: Audit):
    a.goto("/", "home")
    a.goto("/contact", "contact Cigna")
    a.goto("/claim/", "claim start")
    a.follow("Start now", "claim: your details")
    a.expect_autocomplete({"full_name": "name", "email": "email", "phone": "tel", "country": "country",
                           "address": "street-address", "date_of_birth-day": "bday-day",
                           "date_of_birth-month": "bday-month", "date_of_birth-year": "bday-year"})
    a.fails(SAVE, "claim: your details, bad values", {
        "full_name": MEMBER["full_name"], "reference": "MIP#42", "date_of_birth-day": "31",
        "date_of_birth-month": "2", "date_of_birth-year": "1970", "email": "zoe@", "phone": "12"})
    a.press(SAVE, "claim: the patient", **MEMBER)
    a.fails(SAVE, "claim: the patient, empty")
    a.press(SAVE, "claim: about the patient", who="family")
    a.fails(SAVE, "claim: about the patient, bad values", {
        "name": "Emil Ørsted", "date_of_birth-day": "12", "date_of_birth-month": "13",
        "date_of_birth-year": "2012"})
    a.press(SAVE, "claim: the treatment", **{"date_of_birth-month": "3", "relationship": "child"})
    a.goto("/claim/", "claim start, resuming")
    a.goto("/claim/treatment", "claim: the treatment")
    a.fails(SAVE, "claim: the treatment, bad values", {"reason": "Broken molar", "accident": "yes"})
    a.press(SAVE, "claim: the accident", **{**TREATMENT, "accident": "yes", "other_insurance": "yes"})
    a.fails(SAVE, "claim: the accident, bad values", {**date_parts("date", -30), "description": "Fell"})
    a.press(SAVE, "claim: other insurance", **date_parts("date", 41), work_related="no")
    a.fails(SAVE, "claim: other insurance, bad values", {"insurer": "Allianz\u2028Care"})
    a.press(SAVE, "claim: add an expense", insurer="Allianz Care", policy_number="AC-1234")
    a.fails("Save expense", "claim: add an expense, bad values",
            {**EXPENSES[0], "amount": "650.005", "provider": ""})
    a.press("Save expense", "claim: expenses (1)", **EXPENSES[0])

    # The list's own error: the only expense removed in another tab, then Continue here.
    other = a.page.context.new_page()
    other.goto(a.page.url)
    other.get_by_role("button", name="Remove expense 1").click()
    other.close()
    a.fails("Continue", "claim: expenses, none left")
    a.follow("Add another expense", "claim: add an expense")
    a.press("Save expense", "claim: expenses (1)", **EXPENSES[0])
    a.follow("Add another expense", "claim: add another expense")
    a.press("Save expense", "claim: expenses (2)", **EXPENSES[1])
    a.goto("/claim/expenses/0", "claim: change expense 1")
    a.fails("Save expense", "claim: change expense 1, bad values", {"amount": "-5", "currency": "JPY"})
    a.press("Save expense", "claim: expenses (2)", amount="650.00", currency="EUR")
    a.press("Continue", "claim: payment")

    a.fails(SAVE, "claim: payment, empty")
    a.press(SAVE, "claim: bank account", payee="member", method="bank")
    a.fails(SAVE, "claim: bank account, bad values", {"holder": "", "country": "US"})
    a.press(SAVE, "claim: bank account details (no IBAN)", holder=MEMBER["full_name"])
    a.fails(SAVE, "claim: bank account details, bad values", {"account_number": "0123 4567", "bic": "NOTABIC"})
    a.goto("/claim/bank", "claim: bank account")
    a.press(SAVE, "claim: IBAN", country="BE")
    a.fails(SAVE, "claim: IBAN, bad values", {"iban": "BE71 0961 2345 6760", "bic": "GEBABEBB"})
    a.press(SAVE, "claim: receipts", iban="BE71 0961 2345 6769")

    a.fails("Upload", "claim: receipts, nothing chosen")
    a.page.get_by_label("Choose files", exact=True).set_input_files(
        {"name": "receipt.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    a.press("Upload", "claim: receipts, one uploaded", kind="invoice")
    a.page.get_by_label("Choose files", exact=True).set_input_files(
        {"name": "receipt-copy.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    a.press("Upload", "claim: receipts, the same file twice", kind="invoice")
    a.follow("Choose expenses for receipt.jpg", "claim: which expenses a document covers")
    a.press("Save", "claim: receipts, expenses chosen")
    a.press("Continue", "claim: check your answers")

    a.fails("Finish and get my claim packet", "claim: check your answers, not signed",
            {"signature": MEMBER["full_name"]})
    a.expect_autocomplete({"signature": "name"})
    a.press("Finish and get my claim packet", "claim: finished", confirm=True)
    a.press("Send it for me", "claim: finished, sent")
    a.page.get_by_text("Other ways to send", exact=True).click()  # the folded ways, opened
    a.check("claim: finished, sent, other ways open")
    a.fails("Send it again", "claim: sent, sending again not confirmed")
    a.press("Send it again", "claim: sent again", again=True)
    a.goto("/claim/", "claim start, finished")


def guarantee_pages(a: Audit):
    a.goto("/guarantee/", "guarantee start")
    a.follow("Start now", "guarantee: about you")
    a.expect_autocomplete({"name": "name", "email": "email", "phone": "tel"})
    a.fails(SAVE, "guarantee: about you, bad values", {"name": WRITER["name"], "email": "ana at example",
                                                      "phone": "+34 600"})
    a.press(SAVE, "guarantee: member and patient", **WRITER)
    a.expect_autocomplete({"member_name": "off", "patient_name": "off"})
    a.fails(SAVE, "guarantee: member and patient, bad values",
            {**GOP_PATIENT, "patient_dob-year": "12"})
    a.press(SAVE, "guarantee: the admission", **GOP_PATIENT)
    past = clock.today() - dt.timedelta(days=10)
    a.fails(SAVE, "guarantee: the admission, bad values", {
        "kind": "planned", "date-day": str(past.day), "date-month": str(past.month),
        "date-year": str(past.year), "care": "inpatient", "nights": "0"})
    a.press(SAVE, "guarantee: the hospital (emergency notice)", kind="emergency", time="21:15",
            nights="3", room="unknown", **date_parts("date", 1))
    a.expect_autocomplete({"contact_phone": "off", "contact_email": "off", "contact_fax": "off"})
    a.fails(SAVE, "guarantee: the hospital, bad values",
            {**HOSPITAL, "contact_email": "admissions", "contact_phone": "x"})
    a.press(SAVE, "guarantee: medical details", **HOSPITAL)
    a.fails(SAVE, "guarantee: medical details, bad values",
            {**MEDICAL, "icd10": "K3", "cost": "9.500,123"})
    a.press(SAVE, "guarantee: the patient's agreement", **MEDICAL)  # a relative writes
    a.fails(SAVE, "guarantee: the patient's agreement, not confirmed", {"member_email": "jon"})
    a.press(SAVE, "guarantee: attachments", consent=True, member_email="jon@example.org")
    a.fails("Upload", "guarantee: attachments, nothing chosen")
    a.page.get_by_label("Choose files", exact=True).set_input_files(
        {"name": "estimate.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    a.press("Upload", "guarantee: attachments, one uploaded", kind="estimate")
    a.press("Continue", "guarantee: check your answers")
    a.press("Finish and get my guarantee of payment request", "guarantee: finished")
    a.press("Send it for me", "guarantee: finished, sent")


def cover_pages(a: Audit):
    a.goto("/cover/", "cover start")
    a.follow("Start now", "cover: about you")
    a.expect_autocomplete({"name": "name", "phone": "tel", "reply_fax": "fax tel", "reply_email": "email"})
    a.fails(SAVE, "cover: about you, bad values", {"name": "Zoë Ørsted", "reference": "MIP-0042317",
                                                  "phone": "123"})
    a.press(SAVE, "cover: what you are sending", name="Zoë Ørsted", reference="MIP-0042317",
            phone=MEMBER["phone"], reply_email=MEMBER["email"])
    a.fails(SAVE, "cover: what you are sending, bad values",
            {"method": "fax", "subject": "other", "pages": "many", "message": "Three receipts"})
    a.press(SAVE, "cover: check your answers", other="Receipts for claim", pages="3", paper="A4")
    a.press("Finish and get my cover sheet", "cover: finished")


def account_pages(a: Audit, inbox):
    """Signing in (the link from the test's mail server), the member's page, signing out."""
    a.follow("Sign in", "sign in")
    a.fails("Email me a sign-in link", "sign in, bad address", {"email": "ana at example"})
    a.press("Email me a sign-in link", "sign in: check your email", email="ana@example.org")
    token = last_link(inbox)
    a.goto(f"/sign-in/link/{token}", "sign-in link")
    a.press("Sign in", "signed in")
    a.follow("My claims", "my claims")
    a.goto(f"/sign-in/link/{token}", "sign-in link, used")
    a.press("Sign out everywhere", "signed out everywhere")


def other_pages(a: Audit):
    for path in ("/nowhere", "/claim/nowhere"):
        a.goto(path, "page not found")
        assert a.page.title().startswith("Page not found")
    a.goto("/delete", "delete my answers")
    a.press("Delete my answers", "answers deleted")
    a.goto("/delete", "delete my answers, nothing stored")
    # A form sent with a stale token (open too long): the "please try again" page.
    a.goto("/cover/sender", "cover: about you")
    a.page.locator('[name="csrf_token"]').evaluate("e => e.value = 'stale'")
    a.press(SAVE, "please try again (stale form)")


def test_every_page_is_accessible_fits_a_phone_and_stays_small(audit, smtp_server):
    claim_pages(audit)
    guarantee_pages(audit)
    cover_pages(audit)
    account_pages(audit, smtp_server)
    other_pages(audit)
    print("\n" + audit.report())
    assert not audit.problems, "\n".join(audit.problems)
    assert len(audit.checked) >= 60 and audit.error_pages >= 20


PLANT_JS = """() => {
  const main = document.querySelector('main');
  main.insertAdjacentHTML('beforeend', '<input id="planted"><div class="group"><div class="hint">loose hint</div></div>');
  const wide = document.createElement('div');
  wide.style.width = '500px';  // through the CSSOM: the CSP refuses inline style attributes
  wide.textContent = 'wide';
  main.append(wide);
}"""


def test_the_audit_sees_what_it_looks_for(audit):
    """The audit is not blind: on a clean page nothing is found; a planted unlabelled input, a
    hint tied to nothing and a 500 px wide block are all reported."""
    audit.goto("/claim/", "claim start")
    assert audit.problems == []
    audit.page.evaluate(PLANT_JS)
    audit.check("planted")
    found = "\n".join(audit.problems)
    assert "at 360 px: axe label (critical) on ['#planted']" in found, found
    assert "at 1280 px: axe label (critical) on ['#planted']" in found, found
    assert "no label: planted" in found
    assert "hint or error not tied to its input: loose hint" in found
    assert "px wide at 360 px (horizontal scroll)" in found
