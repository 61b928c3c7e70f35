"""Every error on a page is reported at once, over real HTTP and in Chromium: a check that
reads two fields (an amount's decimal places against its currency) runs whatever the other
fields hold, not in a second round. An amount that may have been meant as thousands
("18.500") gets the readings it may have meant, shaped by the number and the currency."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.support.browser import hand_over
from tests.support.pages import field_error, parse, path_of, summary
from tests.support.samples import EXPENSES, GOP_PATIENT, HOSPITAL, MEDICAL, MEMBER, TREATMENT, WRITER, admission, parts_of
from tests.support.servers import Server
from tests.support.web import Browserless
from workflows.engine import clock

TOMORROW_AND_MORE = dt.timedelta(days=3)  # in the future wherever the member is on Earth


@pytest.fixture
def member(app):
    server = Server(app)
    yield server.member()
    server.stop()


def to_expenses(web, treated_in="FR"):
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", {"who": "member"})
    web.post("/claim/treatment", dict(TREATMENT, country=treated_in))


def future_line(amount, currency="EUR"):
    return {**EXPENSES[0], **parts_of("date", clock.today() + TOMORROW_AND_MORE), "amount": amount,
            "currency": currency}


def test_a_future_date_and_too_many_decimals_are_reported_together(member):
    to_expenses(member)
    response = member.post("/claim/expenses/new", future_line("12.345"))
    assert path_of(response) == "/claim/expenses/new"
    assert summary(response) == ["Date of service must be today or in the past",
                                 "Amount in EUR can have at most 2 decimal places. Did you mean 12,345.00?"]
    assert field_error(response, "date") == summary(response)[0]
    assert field_error(response, "amount") == summary(response)[1]
    page = parse(response)
    assert page.find(id="amount")["value"] == "12.345"  # as typed
    assert page.find(id="date-year")["value"] == str((clock.today() + TOMORROW_AND_MORE).year)


@pytest.mark.parametrize("typed, currency, message", [
    ("18.500", "EUR", "Amount in EUR can have at most 2 decimal places. Did you mean 18,500.00 or 18.50?"),
    ("1.050", "USD", "Amount in USD can have at most 2 decimal places. Did you mean 1,050.00 or 1.05?"),
    ("12.345", "EUR", "Amount in EUR can have at most 2 decimal places. Did you mean 12,345.00?"),
    ("18.500", "JPY", "Amount in JPY must be a whole number. Did you mean 18,500?"),
    ("12.3456", "EUR", "Amount in EUR can have at most 2 decimal places"),  # no thousands in sight
    ("18.50", "JPY", "Amount in JPY must be a whole number"),
])
def test_an_amount_that_may_be_thousands_offers_its_likely_readings(member, typed, currency, message):
    to_expenses(member)
    line = {**EXPENSES[0], "amount": typed, "currency": currency}
    response = member.post("/claim/expenses/new", line)
    assert summary(response) == [message]
    assert field_error(response, "amount") == message
    assert parse(response).find(id="amount")["value"] == typed


def test_a_three_place_currency_takes_three_decimals(member):
    to_expenses(member)
    response = member.post("/claim/expenses/new", {**EXPENSES[0], "amount": "12.345", "currency": "KWD"})
    assert path_of(response) == "/claim/expenses"


def test_the_guarantee_estimate_reports_its_decimals_with_the_other_errors(member):
    member.post("/guarantee/writer", WRITER)
    member.post("/guarantee/patient", GOP_PATIENT)
    member.post("/guarantee/admission", admission())
    member.post("/guarantee/hospital", HOSPITAL)
    response = member.post("/guarantee/medical", dict(MEDICAL, reason="", cost="9.500"))
    assert summary(response) == ["Enter the reason for admission or the diagnosis",
                                 "Estimated cost in EUR can have at most 2 decimal places. "
                                 "Did you mean 9,500.00 or 9.50?"]


def test_in_chromium_both_errors_show_at_once_and_a_reading_can_be_taken(page, live_server):
    web = Browserless(live_server.app.test_client())
    to_expenses(web)
    hand_over(page, web.client, live_server.url)
    page.goto(live_server.url + "/claim/expenses/new")
    line = future_line("18.500")
    for part in ("day", "month", "year"):
        page.locator(f"#date{'' if part == 'day' else '-' + part}").fill(line[f"date-{part}"])
    for name in ("Provider", "Description", "Amount"):
        page.get_by_label(name, exact=True).fill(line[name.lower()])
    page.get_by_label("Provider's town or city", exact=True).fill(line["city"])
    page.get_by_role("button", name="Save expense").click()
    errors = page.locator(".error-summary")
    expect(errors).to_be_focused()
    expect(errors.get_by_role("link")).to_have_text([
        "Date of service must be today or in the past",
        "Amount in EUR can have at most 2 decimal places. Did you mean 18,500.00 or 18.50?"])
    expect(page.get_by_label("Amount", exact=True)).to_have_value("18.500")
    # The member meant eighteen thousand five hundred, and was treated last week.
    for part, value in parts_of("date", clock.today() - dt.timedelta(days=7)).items():
        page.locator(f"#{part.replace('-day', '')}").fill(value)
    page.get_by_label("Amount", exact=True).fill("18,500.00")
    page.get_by_role("button", name="Save expense").click()
    expect(page.locator(".totals")).to_contain_text("EUR 18,500.00")
