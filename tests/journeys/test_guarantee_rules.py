"""Guarantee-of-payment rules as plan data (issue 12, point 6): a late emergency still makes a
request, marked late, with the phone numbers on the page; the lead time in weeks; the cost
threshold; the patient's consent and the member's copy when someone else writes."""
from __future__ import annotations

import re

import pytest

from tests.support.meridian import MERIDIAN
from tests.support.pages import parse
from tests.support.pdf import flat, pdf_text
from tests.support.samples import CONSENT, GOP_PATIENT, HOSPITAL, MEDICAL, WRITER, admission, fill_guarantee
from tests.support.web import Browserless
from workflows.administrators.cigna import CIGNA

LANGUAGES = ["en", "fr", "es"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_late_emergency_gives_a_request_marked_late_with_the_numbers_on_the_page(web, language):
    web.client.set_cookie("lang", language)
    web.post("/guarantee/writer", WRITER)
    web.post("/guarantee/patient", GOP_PATIENT)
    page = parse(web.post("/guarantee/admission", admission(days_ahead=-6)))
    assert page.select_one(".error-summary") is None and page.h1.get_text() != "The admission"
    warning = flat(page.select_one(".warning").get_text(" "))
    assert all(phone.number in warning for phone in CIGNA.phones)
    assert "Contact page" not in warning and "page de contact" not in warning
    done = fill_guarantee(web, admission(days_ahead=-6))
    assert parse(done).select_one(".ref") is not None
    request = flat(pdf_text(web.get("/guarantee/done/packet.pdf").data))
    assert "URGENT – EMERGENCY ADMISSION – LATE NOTIFICATION" in request
    assert re.search(r"Notification Late: \d+ days after the admission", request)


def test_late_notification_is_in_the_subject(web):
    fill_guarantee(web, admission(days_ahead=-6))
    subject = parse(web.get("/guarantee/done")).select_one("#mail-subject").get_text()
    assert subject.startswith("URGENT – LATE NOTIFICATION – Guarantee of payment request")


def test_an_emergency_within_the_window_is_not_late(web):
    fill_guarantee(web, admission(days_ahead=-1))
    assert "LATE NOTIFICATION" not in pdf_text(web.get("/guarantee/done/packet.pdf").data)


def test_lead_time_is_said_in_weeks_from_the_plan(web):
    web.post("/guarantee/writer", WRITER)
    web.post("/guarantee/patient", GOP_PATIENT)
    page = parse(web.post("/guarantee/admission", admission(kind="planned", days_ahead=5)))
    assert "Cigna asks for the request 2–4 weeks before a planned admission" in page.select_one(".warning").get_text()


@pytest.mark.parametrize("cost, currency, explained", [("300", "USD", True), ("9500", "USD", False),
                                                        ("300", "EUR", False)])
def test_a_cost_under_the_threshold_is_explained(web, cost, currency, explained):
    done = parse(fill_guarantee(web, admission(kind="planned", days_ahead=30),
                                medical={**MEDICAL, "cost": cost, "currency": currency}))
    text = flat(done.get_text(" "))
    assert ("under USD 400.00: Cigna issues a guarantee of payment above that amount" in text) == explained
    request = flat(pdf_text(web.get("/guarantee/done/packet.pdf").data))
    assert ("a verification of benefits is enough" in request) == explained


def test_a_relative_confirms_the_patients_consent(web):
    web.post("/guarantee/writer", WRITER)
    web.post("/guarantee/patient", GOP_PATIENT)
    web.post("/guarantee/admission", admission())
    web.post("/guarantee/hospital", HOSPITAL)
    web.post("/guarantee/medical", MEDICAL)
    page = parse(web.post("/guarantee/consent", {"consent": ""}))
    assert "Confirm that the patient agreed to share the medical details" in page.get_text()
    fill_guarantee(web)
    request = flat(pdf_text(web.get("/guarantee/done/packet.pdf").data))
    assert "Request written by Ana Ruiz (A family member; patient's consent confirmed)" in request


def test_the_member_writing_is_not_asked_for_consent(web):
    response = fill_guarantee(web, writer={**WRITER, "role": "member"})
    assert parse(response).select_one(".ref") is not None
    assert "consent" not in pdf_text(web.get("/guarantee/done/packet.pdf").data)


def test_the_member_gets_a_copy_when_someone_else_writes(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    fill_guarantee(web, consent={**CONSENT, "member_email": "jon@example.org"})
    web.post("/guarantee/done/send", {"copy": "yes"}, token_from="/guarantee/done")
    (received,) = smtp_server.messages
    assert received["rcpt_tos"] == [CIGNA.admissions_email, WRITER["email"], "jon@example.org"]


def test_meridian_rules_in_weeks_and_no_cigna(make_app):
    web = Browserless(make_app(ADMINISTRATOR="tests.support.meridian").test_client())
    web.post("/guarantee/writer", WRITER)
    web.post("/guarantee/patient", GOP_PATIENT)
    page = parse(web.post("/guarantee/admission", admission(days_ahead=-6)))
    warning = flat(page.select_one(".warning").get_text(" "))
    assert all(p.number in warning for p in MERIDIAN.phones) and "Cigna" not in warning
    assert "Meridian asks to be told within 3 days" in warning
