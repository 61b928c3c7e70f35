"""The claim and the guarantee clicked through in a real browser (Playwright), from the
landing page, with the sample answers; shared by the journey tests and the tests without
JavaScript."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.support.samples import CLAIM, GOP_PATIENT, HOSPITAL, MEDICAL, MEMBER, TREATMENT, WRITER


def save(page):
    page.get_by_role("button", name="Save and continue").click()


def label(page, text):
    return page.get_by_label(text, exact=True)


def heading(page):
    return page.get_by_role("heading", level=1)


def warning(page):
    return page.get_by_role("note")


def choose(page, question, answer):
    page.get_by_role("group", name=question).get_by_role("radio", name=answer, exact=True).check()


def parts(day: dt.date) -> dict:
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def fill_date(page, legend, values):
    """The three boxes of the date group named `legend`: values["day"], ["month"], ["year"]."""
    group = page.get_by_role("group", name=legend)
    for part in ("Day", "Month", "Year"):
        group.get_by_label(part, exact=True).fill(values[part.lower()])


# --- the claim -------------------------------------------------------------------------------------

def fill_member_details(page, member: dict = MEMBER):
    """The "Your details" page's fields, from the sample member's answers."""
    label(page, "Full name").fill(member["full_name"])
    label(page, "Personal reference number").fill(member["reference"])
    fill_date(page, "Date of birth", {k: member[f"date_of_birth-{k}"] for k in ("day", "month", "year")})
    label(page, "Email address").fill(member["email"])
    label(page, "Country where you live").select_option(member["country"])
    label(page, "Phone number").fill(member["phone"])
    label(page, "Postal address").fill(member["address"])


def fill_expense(page, line: dict):
    """The "Add an expense" page's fields, from one of the sample expense lines."""
    fill_date(page, "Date of service", {k: line[f"date-{k}"] for k in ("day", "month", "year")})
    for name in ("Provider", "Description", "Amount"):
        label(page, name).fill(line[name.lower()])
    label(page, "Provider's town or city").fill(line["city"])
    label(page, "Currency").select_option(line["currency"])


def start_claim(page, live_server):
    """From the landing page through "Your details"."""
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Claim reimbursement").click()
    page.get_by_role("link", name="Start now").click()
    expect(heading(page)).to_have_text("Your details")
    fill_member_details(page)
    save(page)


def answer_patient_and_treatment(page):
    """The member is the patient; dental treatment in France, no accident or other insurer."""
    page.get_by_role("radio", name="I did (the member)").check()
    save(page)
    answer_treatment(page)


def answer_treatment(page):
    """The treatment page: dental treatment in France, no accident or other insurer."""
    expect(heading(page)).to_have_text("About the treatment")
    page.get_by_role("radio", name="Dental", exact=True).check()
    label(page, "Reason for treatment or diagnosis").fill(TREATMENT["reason"])
    label(page, "Country where treated").select_option(TREATMENT["country"])
    for question in ("Did the treatment follow an accident?", "Is any other insurance involved?"):
        choose(page, question, "No")
    save(page)


def pay_member_by_iban(page):
    """From the payment question: to the member, by transfer to the sample Belgian account."""
    choose(page, "Who should be paid?", "Me (the member)")
    choose(page, "How do you want to be paid?", "Bank transfer")
    save(page)
    label(page, "Name of the account holder").fill(MEMBER["full_name"])
    save(page)
    label(page, "IBAN").fill("BE71 0961 2345 6769")
    label(page, "BIC (SWIFT code)").fill("GEBABEBB")
    save(page)


def no_full_iban(page):
    """The sample IBAN appears nowhere in the page whole (a saved one shows its last 4 only)."""
    iban = CLAIM["bank-iban"]["iban"].replace(" ", "")
    assert iban not in re.sub(r"[^0-9A-Z]", "", page.content().upper()), page.url


def sign_and_finish(page):
    """On the check page: the IBAN not shown whole, the declaration ticked and signed, finished."""
    expect(heading(page)).to_contain_text("Check your answers")
    no_full_iban(page)
    page.get_by_role("checkbox").check()
    label(page, "Your full name, as your signature").fill(MEMBER["full_name"])
    page.get_by_role("button", name="Finish and get my claim packet").click()
    expect(heading(page)).to_have_text("Your claim packet is ready")


# --- the guarantee of payment ------------------------------------------------------------------------

def start_request(page, live_server):
    """From the landing page through the writer and patient steps."""
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Hospital guarantee of payment").click()
    page.get_by_role("link", name="Start now").click()

    expect(heading(page)).to_have_text("About you")
    choose(page, "Who is writing this request?", "A family member")
    label(page, "Your full name").fill(WRITER["name"])
    label(page, "Your email address").fill(WRITER["email"])
    label(page, "Your phone number").fill(WRITER["phone"])
    save(page)

    expect(heading(page)).to_have_text("Member and patient")
    expect(warning(page)).to_have_count(0)
    label(page, "Member's full name").fill(GOP_PATIENT["member_name"])
    label(page, "Member's personal reference number").fill(GOP_PATIENT["reference"])
    label(page, "Patient's full name").fill(GOP_PATIENT["patient_name"])
    fill_date(page, "Patient's date of birth",
              {k: GOP_PATIENT[f"patient_dob-{k}"] for k in ("day", "month", "year")})
    choose(page, "Patient's relationship to the member", "Child")
    save(page)
    expect(heading(page)).to_have_text("The admission")
    expect(warning(page)).to_have_count(0)


def fill_admission(page, kind, day: dt.date, time=""):
    choose(page, "Is the admission planned or an emergency?", kind)
    fill_date(page, "Admission date", parts(day))
    if time:  # asked for an emergency only
        label(page, "Admission time").fill(time)
    choose(page, "Type of stay", "Inpatient (staying at least one night)")
    label(page, "Expected length of stay, in nights").fill("3")
    choose(page, "Room type", "Not known yet")
    save(page)


def fill_hospital(page):
    expect(heading(page)).to_have_text("The hospital")
    label(page, "Name of the hospital").fill(HOSPITAL["name"])
    label(page, "Address of the hospital").fill(HOSPITAL["address"])
    label(page, "Country of the hospital").select_option(HOSPITAL["country"])
    label(page, "Admissions contact's name").fill(HOSPITAL["contact_name"])
    label(page, "Admissions contact's phone").fill(HOSPITAL["contact_phone"])
    label(page, "Admissions contact's email").fill(HOSPITAL["contact_email"])
    label(page, "Treating doctor's name").fill(HOSPITAL["doctor_name"])
    label(page, "Treating doctor's specialty").fill(HOSPITAL["doctor_specialty"])
    save(page)


def fill_medical(page):
    expect(heading(page)).to_have_text("Medical details")
    label(page, "Reason for admission or diagnosis").fill(MEDICAL["reason"])
    label(page, "Planned procedure or treatment").fill(MEDICAL["procedure"])
    label(page, "ICD-10 code, if known").fill("K35.8")
    label(page, "Estimated cost, if known").fill("9500")
    # The currency follows the hospital's country (Spain): the writer leaves it as it is.
    expect(label(page, "Currency of the estimate")).to_have_value("EUR")
    save(page)
    fill_consent(page)


def fill_consent(page):
    """The sample's writer is a relative: they confirm the patient agreed to share the details."""
    expect(heading(page)).to_have_text("The patient's agreement")
    page.get_by_role("checkbox").check()
    save(page)
