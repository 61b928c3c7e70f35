"""The reminder mails as pure functions of a record and the profile (delivery/reminders.py):
business days, and, for another administrator, its own facts and never Cigna's."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from tests.support.meridian import MERIDIAN
from workflows.delivery.reminders import (CALL, SILENT, FollowUp, Links, add_business_days, reminder_letter,
                                          sent_at)

RECORD = {"patient": "Ana Ørsted", "totals": {"CHF": "390.00"}, "answer": None,
          "deliveries": [{"how": "eml", "at": "2026-11-30T10:00:00Z"}, {"how": "sent", "at": "2026-12-01T08:00:00Z"}]}
LINKS = Links("https://forms.example.org/my-claims", "https://forms.example.org/my-claims/reminders")


@pytest.mark.parametrize("start, days, due", [
    (dt.datetime(2026, 11, 27, 9), 1, dt.datetime(2026, 11, 30, 9)),  # Friday: the Monday
    (dt.datetime(2026, 11, 28, 9), 1, dt.datetime(2026, 11, 30, 9)),  # Saturday: the Monday too
    (dt.datetime(2026, 11, 30, 9), 5, dt.datetime(2026, 12, 7, 9)),  # a week
    (dt.datetime(2026, 11, 27, 9), 15, dt.datetime(2026, 12, 18, 9)),  # three weeks
])
def test_business_days_skip_weekends(start, days, due):
    assert add_business_days(start, days) == due


def test_sent_is_the_first_delivery_else_the_finish():
    finished = dt.datetime(2026, 11, 29, 12)
    assert sent_at(finished, RECORD) == dt.datetime(2026, 11, 30, 10)
    assert sent_at(finished, {"deliveries": []}) == finished


def test_another_administrators_reminders_carry_its_facts_and_never_cignas(make_app):
    app = make_app(ADMINISTRATOR="tests.support.meridian")
    sent = dt.datetime(2026, 11, 30, 10)
    with app.app_context(), force_locale("en"):
        silent = reminder_letter(FollowUp(SILENT, "claim for reimbursement", "claims"), "CLM-AB12-CD34", RECORD,
                                 sent, MERIDIAN, "ana@example.org", LINKS)
        call = reminder_letter(FollowUp(CALL, "request for a guarantee of payment"), "GOP-AB12-CD34", RECORD,
                               sent, MERIDIAN, "ana@example.org", LINKS)
    assert silent.to == ("ana@example.org",) and "mailto:claims@meridian.example?" in silent.body
    assert "No answer from Meridian is recorded after 15 business days." in silent.body
    assert all(phone.number in call.body for phone in MERIDIAN.phones)
    assert call.subject == "Reminder: call Meridian about GOP-AB12-CD34"
    for letter in (silent, call):
        assert "Cigna" not in letter.subject + letter.body and "cigna" not in letter.body
        assert "32-3-217-5798" not in letter.body
