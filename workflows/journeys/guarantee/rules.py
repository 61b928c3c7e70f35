"""When a guarantee is asked for: the urgency rules, pure functions of the answers, the
plan's rules (from the administrator's profile) and today."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ... import administrators
from ...engine import Answers, Notice, answer, clock, format_money
from ...engine.i18n import gettext as _, ngettext


def admission_date(answers: Answers) -> dt.date | None:
    value = answer("admission", "date")(answers)
    return dt.date.fromisoformat(value) if value else None


def is_emergency(answers: Answers) -> bool:
    return answer("admission", "kind")(answers) == "emergency"


def admission_date_problem(kind: str, date: dt.date, today: dt.date, rules=None,
                           latest: dt.date | None = None) -> str | None:
    """Why an admission date cannot be accepted, or None. With `latest`, "today" is any
    date from `today` (the earliest in force on Earth) to `latest`: a date is refused only
    if it is wrong for all of them."""
    latest = latest or today
    if date >= today:
        if (date - latest).days > 365:
            return _("Admission date must be within the next 12 months")
        return None
    if kind != "emergency":
        return _("Admission date must be today or in the future for a planned admission. "
                 "If the patient has already been admitted in an emergency, select Emergency")
    if (today - date).days > 365:
        return _("Admission date must be within the last 12 months")
    # An emergency told later than the plan's window is still a request to send, marked as a
    # late notification (see notices and late_days): refusing it left the member nowhere.
    return None


def late_days(answers: Answers, today: dt.date | None = None, rules=None) -> int:
    """How many days after the admission an emergency is notified, when later than the plan's
    window (0 otherwise). Judged against the earliest date in force on Earth, like the form."""
    rules = rules or administrators.current().rules
    date = admission_date(answers)
    if not is_emergency(answers) or date is None:
        return 0
    days = ((today or clock.earliest_today()) - date).days
    return days if days > rules.emergency_notification_days else 0


def lead_weeks(rules) -> dict:
    """The plan's lead time as the pages say it: "2–4 weeks"."""
    return {"low": rules.gop_lead_time_days // 7, "high": rules.gop_lead_time_ideal_days // 7}


def under_threshold(answers: Answers, rules=None) -> bool:
    """An estimated cost under the plan's guarantee threshold, when in the same currency: the app
    never converts, so a cost in another currency is not judged."""
    rules = rules or administrators.current().rules
    medical = answers.get("medical") or {}
    return (bool(medical.get("cost")) and medical.get("currency") == rules.guarantee_threshold_currency
            and Decimal(medical["cost"]) < rules.guarantee_threshold)


def short_notice(answers: Answers, today: dt.date, rules=None) -> bool:
    """A planned admission closer than the plan's lead time."""
    rules = rules or administrators.current().rules
    date = admission_date(answers)
    return (date is not None and not is_emergency(answers)
            and (date - today).days < rules.gop_lead_time_days)


def notices(answers: Answers, today: dt.date | None = None, rules=None) -> list[str]:
    """Urgency advice shown on the pages after the admission step, on the review and on the
    confirmation."""
    today = today or clock.today()
    rules = rules or administrators.current().rules
    out = []
    if late := late_days(answers, rules=rules):
        out.append(_("This emergency admission was %(days)d days ago: %(administrator)s asks to be told "
                     "within %(limit)d days. The request is marked as a late notification; send it, and "
                     "phone %(administrator)s on one of the numbers below.",
                     days=late, limit=rules.emergency_notification_days))
    elif is_emergency(answers) and admission_date(answers):
        out.append(_("This is an emergency admission: as well as emailing the request, phone "
                     "%(administrator)s on one of the numbers below."))
    elif short_notice(answers, today, rules):
        days = (admission_date(answers) - today).days
        if days <= 0:  # accepted for a hospital west of UTC, where it is still that day
            out.append(_("The admission is today: %(administrator)s asks for the request %(low)d–%(high)d "
                         "weeks before a planned admission. As well as emailing the request, phone "
                         "%(administrator)s on one of the numbers below.", **lead_weeks(rules)))
        else:
            out.append(ngettext("The admission is in %(num)d day: %(administrator)s asks for the request "
                                "%(low)d–%(high)d weeks before a planned admission. As well as emailing "
                                "the request, phone %(administrator)s on one of the numbers below.",
                                "The admission is in %(num)d days: %(administrator)s asks for the request "
                                "%(low)d–%(high)d weeks before a planned admission. As well as emailing "
                                "the request, phone %(administrator)s on one of the numbers below.",
                                days, **lead_weeks(rules)))
    if under_threshold(answers, rules):
        out.append(Notice(_("The estimated cost is under %(threshold)s: %(administrator)s issues a guarantee "
                            "of payment above that amount, and below it a verification of benefits, which "
                            "says what the plan covers. You can still send the request.",
                            threshold=format_money(rules.guarantee_threshold, rules.guarantee_threshold_currency))))
    return out
