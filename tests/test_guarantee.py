"""The guarantee-of-payment journey: urgency rules, forms, the email the admissions office gets."""
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from tests.support.files import jpeg_bytes
from tests.support.pages import parse
from tests.support.pdf import pdf_text
from tests.support.samples import (GOP_PATIENT, HOSPITAL, MEDICAL, WRITER, admission, fill_guarantee, made_now,
                                   parts_of)
from tests.support.web import Browserless
from workflows.administrators import PlanRules
from workflows.administrators.cigna import CIGNA
from workflows.engine import clock, format_date
from workflows.journeys.guarantee import forms as G, rules as R

TODAY = dt.date(2026, 11, 27)  # a fixed "today" for the rules
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize("kind, days_from_today, problem", [
    ("planned", 0, None),
    ("planned", 30, None),
    ("planned", -1, "Admission date must be today or in the future for a planned admission. "
                    "If the patient has already been admitted in an emergency, select Emergency"),
    ("emergency", 0, None),
    ("emergency", -1, None),
    ("emergency", -2, None),  # the edge of the 2-day window
    ("emergency", -3, None),  # late: still a request, marked as a late notification
    ("emergency", -366, "Admission date must be within the last 12 months"),
    ("planned", 366, "Admission date must be within the next 12 months"),
])
def test_admission_date_rules(kind, days_from_today, problem):
    date = TODAY + dt.timedelta(days=days_from_today)
    assert R.admission_date_problem(kind, date, TODAY) == problem


def test_a_date_is_refused_only_if_wrong_for_every_date_in_force_on_earth():
    earliest, latest = TODAY, TODAY + DAY  # 10:00-24:00 UTC: Kiribati is already on tomorrow
    assert R.admission_date_problem("planned", TODAY + 366 * DAY, earliest, latest=latest) is None
    assert R.admission_date_problem("planned", TODAY + 367 * DAY, earliest, latest=latest) == (
        "Admission date must be within the next 12 months")
    assert R.admission_date_problem("planned", TODAY - DAY, earliest, latest=latest) is not None


def test_a_planned_admission_still_today_west_of_utc_is_told_as_today():
    notes = R.notices(answers_for("planned", -1), today=TODAY)  # accepted: in Lima it is that day
    assert notes and "The admission is today:" in notes[0]


def test_the_notification_window_is_plan_data():
    rules = PlanRules(emergency_notification_days=5)
    assert R.admission_date_problem("emergency", TODAY - dt.timedelta(days=4), TODAY, rules) is None


def answers_for(kind, days_from_today):
    date = TODAY + dt.timedelta(days=days_from_today)
    return {"admission": {"kind": kind, "date": date.isoformat()}}


@pytest.mark.parametrize("kind, days, warned", [
    ("planned", 13, True),   # inside the 14-day lead time
    ("planned", 14, False),  # exactly the lead time
    ("planned", 40, False),
    ("planned", 0, True),
    ("emergency", -1, True),
])
def test_short_notice_and_emergencies_get_phone_advice(kind, days, warned):
    notes = R.notices(answers_for(kind, days), today=TODAY)
    assert bool(notes) == warned
    if warned:
        assert "phone Cigna on one of the numbers below" in notes[0]
    if warned and kind == "planned":
        assert "asks for the request 2–4 weeks before a planned admission" in notes[0]
        assert (f"is in {days} day" if days else "The admission is today:") in notes[0]


def test_lead_time_is_plan_data():
    rules = PlanRules(gop_lead_time_days=30)
    assert R.notices(answers_for("planned", 20), today=TODAY, rules=rules)


@pytest.mark.parametrize("changes, field, message", [
    ({"time": ""}, "time", "Enter the time of the emergency admission, like 14:30"),
    ({"time": "25:00"}, "time", "Enter the admission time as hours and minutes, like 14:30"),
    ({"nights": ""}, "nights", "Enter the expected length of stay in nights"),
    ({"nights": "0"}, "nights", "Length of stay must be a number of nights from 1 to 365"),
    ({"nights": "three"}, "nights", "Length of stay must be a number of nights from 1 to 365"),
    ({"kind": ""}, "kind", "Select planned or emergency"),
    ({"room": ""}, "room", "Select the room type, or not known"),
    # days are counted from the earliest date on Earth: west of UTC it may still be yesterday
    (lambda: parts_of("date", clock.earliest_today() - 366 * DAY), "date",
     "Admission date must be within the last 12 months"),
    (lambda: {"kind": "planned", **parts_of("date", clock.earliest_today() - DAY)}, "date",
     "Admission date must be today or in the future for a planned admission. "
     "If the patient has already been admitted in an emergency, select Emergency"),
])
def test_admission_form_refuses(validate, changes, field, message):
    changes = made_now(changes)
    ok, errors, _ = validate(G.AdmissionForm, {**admission(), **changes})
    assert not ok and errors[field] == message


def test_a_planned_admission_today_is_accepted_wherever_the_hospital_is(validate):
    # At 06:00 UTC it is still yesterday evening in Lima: an admission planned for then is not past.
    ok, errors, _ = validate(G.AdmissionForm, {**admission("planned"), **parts_of("date", clock.earliest_today())})
    assert ok, errors


def test_admission_form_normalises_time_and_drops_nights_for_a_day_case(validate):
    from workflows.engine import form_answers
    ok, errors, form = validate(G.AdmissionForm, admission(time="915", care="day", nights="4"))
    assert ok, errors
    assert form_answers(form)["time"] == "09:15" and form_answers(form)["nights"] is None


@pytest.mark.parametrize("code, ok", [("K35.8", True), ("k358", False), ("S72.0", True),
                                      ("S72", True), ("U07.1", False), ("12.3", False), ("", True)])
def test_icd10_is_optional_and_format_checked(validate, code, ok):
    valid, errors, _ = validate(G.MedicalForm, {**MEDICAL, "icd10": code})
    assert valid == ok, errors
    if not ok:
        assert errors["icd10"].startswith("Enter the ICD-10 code as a letter and 2 numbers")


def test_cost_and_currency_are_optional_together(validate):
    assert validate(G.MedicalForm, {**MEDICAL, "cost": "", "currency": ""})[0]
    ok, errors, _ = validate(G.MedicalForm, {**MEDICAL, "currency": ""})
    assert errors == {"currency": "Select the currency of the estimate"}


def test_hospital_form_requires_the_admissions_contact(validate):
    ok, errors, _ = validate(G.HospitalForm, {**HOSPITAL, "contact_email": "", "contact_phone": ""})
    assert errors == {"contact_email": "Enter the admissions contact's email address",
                      "contact_phone": "Enter the admissions contact's phone number"}


# --- the whole journey, received by a real SMTP server ----------------------------------------------

def test_an_emergency_request_reaches_the_admissions_mailbox(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    done = fill_guarantee(web, attachments=[("letter.pdf", _letter_pdf(), "doctor-letter"),
                                            ("estimate.jpg", jpeg_bytes(), "estimate")])
    page = parse(done)
    assert page.h1.get_text() == "Your guarantee of payment request is ready"
    assert "as well as emailing the request, phone Cigna" in page.select_one(".warning").get_text()
    reference = page.select_one(".ref").get_text()
    response = web.post("/guarantee/done/send", {"copy": "yes"}, token_from="/guarantee/done")
    assert "Sent." in response.get_data(as_text=True)
    (received,) = smtp_server.messages
    assert received["rcpt_tos"] == [CIGNA.admissions_email, WRITER["email"]]
    msg = received["message"]
    admitted = format_date(clock.today() - dt.timedelta(days=1))
    assert msg["Subject"] == (f"URGENT – Guarantee of payment request – {GOP_PATIENT['reference']} – "
                              f"Leo Ruiz – admission {admitted}")
    assert msg["Reply-To"] == f"{WRITER['email']}, {HOSPITAL['contact_email']}"
    body = msg.get_body(("plain",)).get_content()
    for line in [f"Request reference: {reference}", "Member: Jon Ruiz",
                 f"Personal reference number: {GOP_PATIENT['reference']}",
                 f"Admission: Emergency, {admitted} at 21:15", "Type of stay: Inpatient, expected 3 nights",
                 "Hospital: Hospital Universitario La Paz", "Admissions contact: Admissions office",
                 "Phone +34 917 27 70 00", "Email admisiones@hospital.example",
                 "Treating doctor: Dra. Marta Gil (Paediatric surgery)",
                 "Reason for admission or diagnosis: Acute appendicitis", "ICD-10 code: K35.8",
                 "Estimated cost: EUR 9,500.00", "Please reply to ana@example.org and admisiones@hospital.example"]:
        assert line in body, line
    assert body.startswith("URGENT – EMERGENCY ADMISSION")
    files = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
    assert list(files) == [f"guarantee-request-{reference}.pdf", "letter.pdf", "estimate.jpg"]
    request_pdf = pdf_text(files[f"guarantee-request-{reference}.pdf"])
    for text in ("Request for guarantee of payment", "URGENT – EMERGENCY ADMISSION", "Leo Ruiz",
                 "Acute appendicitis", "Page 1 of 1"):
        assert text in request_pdf
    assert "DOCTOR LETTER" in pdf_text(files["letter.pdf"])


def test_a_planned_admission_is_not_urgent_and_replies_go_to_the_writer(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    fill_guarantee(web, admission(kind="planned", days_ahead=30))
    web.post("/guarantee/done/send", {}, token_from="/guarantee/done")
    msg = smtp_server.messages[0]["message"]
    assert msg["Subject"].startswith("Guarantee of payment request – ")
    assert msg["Reply-To"] == WRITER["email"]
    assert smtp_server.messages[0]["rcpt_tos"] == [CIGNA.admissions_email]


def test_short_notice_warning_shows_from_the_admission_step_on(web):
    web.post("/guarantee/writer", WRITER)
    page = parse(web.get("/guarantee/patient", follow=True))
    assert page.select_one(".warning") is None
    web.post("/guarantee/patient", GOP_PATIENT)
    response = web.post("/guarantee/admission", admission(kind="planned", days_ahead=5))
    assert "Cigna asks for the request 2–4 weeks before" in parse(response).select_one(".warning").get_text()
    response = fill_guarantee(web, admission(kind="planned", days_ahead=5))
    assert "The admission is in 5 days" in parse(response).select_one(".warning").get_text()


def test_mailto_for_a_request_stays_short_and_leaves_out_the_diagnosis(web):
    from urllib.parse import parse_qs, unquote, urlsplit
    done = parse(fill_guarantee(web))
    href = done.find("a", string="Write the email in your mail app")["href"]
    assert urlsplit(href).path == CIGNA.admissions_email
    body = parse_qs(urlsplit(href).query)["body"][0]
    assert len(body) < 1800 and "appendicitis" not in unquote(href).lower()
    assert "Admissions contact: Admissions office" in body


def test_printable_copy_is_a_pdf_download(web):
    fill_guarantee(web)
    response = web.get("/guarantee/done/packet.pdf")
    assert response.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1


def _letter_pdf():
    from weasyprint import HTML
    return HTML(string="<h1>DOCTOR LETTER</h1><p>Admission required.</p>").write_pdf()
