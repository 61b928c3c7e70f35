"""Each form's good and bad inputs, with the message the member reads."""
import datetime as dt

import pytest

from tests.support.samples import EXPENSES, MEMBER, made_now, parts_of
from workflows.engine import clock
from workflows.journeys.claim import forms as claim

DAY = dt.timedelta(days=1)


def on(name, day):
    """Date boxes filled when the test runs, not when it is collected: a run may cross midnight."""
    return lambda: parts_of(name, day())


def with_(base, **changes):
    data = dict(base)
    data.update(changes)
    return data


def test_member_form_accepts_good_answers(validate):
    ok, errors, form = validate(claim.MemberForm, MEMBER)
    assert ok, errors
    assert form.phone.data == "+32 3 555 01 23"
    assert form.date_of_birth.data == dt.date(1970, 4, 3)


@pytest.mark.parametrize("changes, field, message", [
    ({"full_name": ""}, "full_name", "Enter your full name"),
    ({"full_name": "   "}, "full_name", "Enter your full name"),
    ({"full_name": "x" * 101}, "full_name", "Full name must be 100 characters or fewer"),
    ({"full_name": "Zoë\r\nBcc: x@example.org"}, "full_name", "Full name must be on one line"),
    ({"reference": ""}, "reference", "Enter your personal reference number"),
    ({"reference": "12<34>"}, "reference", "Personal reference number must only include letters, numbers, spaces, hyphens, full stops and slashes"),
    ({"date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": ""}, "date_of_birth", "Enter your date of birth"),
    ({"date_of_birth-month": ""}, "date_of_birth", "Date of birth must include a month"),
    ({"date_of_birth-day": "31", "date_of_birth-month": "2"}, "date_of_birth", "Date of birth must be a real date"),
    ({"date_of_birth-year": "70"}, "date_of_birth", "Date of birth must include a year with 4 numbers, like 1980"),
    ({"date_of_birth-year": "0099"}, "date_of_birth", "Date of birth must be after 1900"),
    ({"date_of_birth-day": "x"}, "date_of_birth", "Date of birth must be a real date, in numbers, like 27 3 1980"),
    # "today" is the latest date anywhere on Earth: east of UTC it may already be tomorrow
    (on("date_of_birth", lambda: clock.latest_today() + DAY), "date_of_birth", "Date of birth must be in the past"),
    (on("date_of_birth", clock.latest_today), "date_of_birth", "Date of birth must be in the past"),
    ({"email": "zoe"}, "email", "Enter an email address in the correct format, like name@example.com"),
    ({"email": "zoe@example.org\nBcc: x@example.org"}, "email", "Email address must be on one line"),
    ({"country": ""}, "country", "Select the country where you live"),
    ({"country": "XX"}, "country", "Select the country where you live"),
    ({"phone": "12"}, "phone", "Enter a phone number with its country code, like +32 3 555 01 23"),
    ({"address": ""}, "address", "Enter your postal address"),
])
def test_member_form_refuses_bad_answers(validate, changes, field, message):
    changes = made_now(changes)
    ok, errors, _ = validate(claim.MemberForm, with_(MEMBER, **changes))
    assert not ok
    assert errors[field] == message


def test_phone_without_country_code_is_read_in_the_country_of_residence(validate):
    ok, errors, form = validate(claim.MemberForm, with_(MEMBER, phone="03 555 01 23", country="BE"))
    assert ok, errors
    assert form.phone.data == "+32 3 555 01 23"


def test_invisible_direction_characters_are_removed(validate):
    ok, _, form = validate(claim.MemberForm, with_(MEMBER, full_name="\u202eZoë Ørsted\u200b"))
    assert ok and form.full_name.data == "Zoë Ørsted"


EXPENSE = EXPENSES[0]


@pytest.mark.parametrize("amount, stored", [
    ("650", "650"), ("650.5", "650.5"), ("1,234.50", "1234.50"), ("12,50", "12.50"), (" 80 ", "80"),
    ("1.234,50", "1234.50"), ("1'234.50", None), ("1'234", "1234"), ("1.234.567", "1234567"),
])
def test_expense_amounts_are_read_as_members_type_them(validate, amount, stored):
    from workflows.engine import form_answers
    ok, errors, form = validate(claim.ExpenseForm, with_(EXPENSE, amount=amount))
    if stored is None:
        assert errors["amount"] == "Amount must be a number, like 120.50"
    else:
        assert ok, errors
        assert form_answers(form)["amount"] == stored


@pytest.mark.parametrize("changes, field, message", [
    ({"amount": ""}, "amount", "Enter the amount"),
    ({"amount": "0"}, "amount", "Amount must be more than 0"),
    ({"amount": "-5"}, "amount", "Amount must be more than 0"),
    ({"amount": "0.00"}, "amount", "Amount must be more than 0"),
    ({"amount": "1e309"}, "amount", "Amount must be a number, like 120.50"),
    ({"amount": "NaN"}, "amount", "Amount must be a number, like 120.50"),
    ({"amount": "12.345"}, "amount", "Amount in EUR can have at most 2 decimal places. Did you mean 12,345.00?"),
    ({"amount": "12.3456"}, "amount", "Amount in EUR can have at most 2 decimal places"),
    ({"amount": "100.50", "currency": "JPY"}, "amount", "Amount in JPY must be a whole number"),
    ({"amount": "20000000"}, "amount", "Amount must be less than 10,000,000"),
    ({"currency": ""}, "currency", "Select the currency of the invoice"),
    ({"currency": "XAU"}, "currency", "Select the currency of the invoice"),
    ({"provider": ""}, "provider", "Enter the name of the doctor, dentist, hospital or pharmacy"),
    ({"description": ""}, "description", "Enter what the expense was for"),
    (on("date", lambda: clock.latest_today() + DAY), "date", "Date of service must be today or in the past"),
    ({"date-day": "", "date-month": "", "date-year": ""}, "date", "Enter the date of service"),
])
def test_expense_form_refuses_bad_answers(validate, changes, field, message):
    changes = made_now(changes)
    ok, errors, _ = validate(claim.ExpenseForm, with_(EXPENSE, **changes))
    assert not ok
    assert errors[field] == message


def test_a_visit_today_is_accepted_wherever_the_member_is(validate):
    # At 23:00 UTC it is already tomorrow in Auckland: a visit there that morning is not "in the future".
    ok, errors, form = validate(claim.ExpenseForm, with_(EXPENSE, **parts_of("date", clock.latest_today())))
    assert ok, errors


@pytest.mark.parametrize("utc, earliest, latest", [
    ("2026-11-27T23:00", "2026-11-27", "2026-11-28"),  # Auckland and Kiribati are on the 28th
    ("2026-11-28T09:59", "2026-11-27", "2026-11-28"),  # Baker Island is still on the 27th
    ("2026-11-28T10:00", "2026-11-27", "2026-11-29"),  # Kiribati reaches the 29th
    ("2026-11-28T12:00", "2026-11-28", "2026-11-29"),  # the 27th has ended everywhere
])
def test_the_dates_in_force_somewhere_on_earth(utc, earliest, latest):
    at = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.timezone.utc)
    assert (clock.earliest_today(at).isoformat(), clock.latest_today(at).isoformat()) == (earliest, latest)
    assert clock.today(at).isoformat() == utc[:10]


@pytest.mark.parametrize("iban, country, message", [
    ("BE71 0961 2345 6769", "BE", None),
    ("be71096123456769", "BE", None),
    ("BE72 0961 2345 6769", "BE", "IBAN is not valid: check it for a mistyped character"),
    ("BE71 0961 2345 676", "BE", "IBAN has the wrong number of characters for its country"),
    ("DE89 3704 0044 0532 0130 00", "BE", "This IBAN is for another country (Germany) than the bank's (Belgium): check the IBAN or change the bank's country"),
    ("hello", "BE", "Enter an IBAN in the correct format, like BE71 0961 2345 6769"),
    ("", "BE", "Enter the IBAN"),
])
def test_iban_is_checked_with_mod_97_and_the_bank_country(validate, iban, country, message):
    ok, errors, form = validate(claim.BankIbanForm, {"iban": iban, "bic": "GEBABEBB"},
                                answers={"bank": {"country": country}})
    if message is None:
        assert ok, errors
        assert form.iban.data == "BE71 0961 2345 6769"
    else:
        assert errors["iban"] == message


@pytest.mark.parametrize("bic, message", [
    ("GEBABEBB", None), ("gebabebbxxx", None),
    ("GEBABE", "Enter a BIC (SWIFT code) of 8 or 11 letters and numbers, like GEBABEBB"),
    ("GEBAXXBB", "Enter a BIC (SWIFT code) of 8 or 11 letters and numbers, like GEBABEBB"),
])
def test_bic_format(validate, bic, message):
    ok, errors, _ = validate(claim.BankIbanForm, {"iban": "BE71096123456769", "bic": bic},
                             answers={"bank": {"country": "BE"}})
    assert (errors.get("bic") if not ok else None) == message


def test_local_bank_details_need_number_name_and_address(validate):
    ok, errors, _ = validate(claim.BankLocalForm, {"bic": "CHASUS33"})
    assert errors == {"account_number": "Enter the account number",
                      "bank_name": "Enter the name of the bank",
                      "bank_address": "Enter the address of the bank"}


def test_declaration_needs_the_box_and_a_name(validate):
    ok, errors, _ = validate(claim.DeclarationForm, {})
    assert errors == {"confirm": "Confirm that the information is true and complete",
                      "signature": "Enter your full name to sign"}
    ok, errors, form = validate(claim.DeclarationForm, {"confirm": "y", "signature": "Zoë Ørsted"})
    before = clock.today().isoformat()
    signed = form.extra_answers()["signed_on"]
    assert ok and signed in {before, clock.today().isoformat()}  # the server's date, at signing


def test_a_claim_is_not_signed_before_its_treatment(validate):
    # East of UTC a visit may be on what is still tomorrow here: the signature is not dated before it.
    visit = clock.latest_today()
    ok, _, form = validate(claim.DeclarationForm, {"confirm": "y", "signature": "Zoë Ørsted"},
                           answers={"expenses": {"items": [{"date": "2020-01-02"}, {"date": visit.isoformat()}]},
                                    "accident": {"date": "2019-12-31"}})
    assert ok and form.extra_answers()["signed_on"] == max(clock.today(), visit).isoformat()
