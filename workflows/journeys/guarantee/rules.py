"""When a guarantee is asked for: the urgency rules, pure functions of the answers, the
plan's rules (from the administrator's profile) and today."""
from __future__ import annotations

import datetime as dt

from ... import administrators
from ...engine import Answers, answer, clock
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
    rules = rules or administrators.current().rules
    if date >= today:
        if (date - latest).days > 365:
            return _("Admission date must be within the next 12 months")
        return None
    if kind != "emergency":
        return _("Admission date must be today or in the future for a planned admission. "
                 "If the patient has already been admitted in an emergency, select Emergency")
    if (today - date).days > rules.emergency_notification_days:
        return _("%(administrator)s must be told of an emergency admission within %(limit)d days. This "
                 "admission was %(days)d days ago: phone %(administrator)s instead, using the numbers on "
                 "the Contact page", limit=rules.emergency_notification_days,
                 days=(today - date).days)
    return None


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
    if is_emergency(answers) and admission_date(answers):
        return [_("This is an emergency admission: as well as emailing the request, phone "
                  "%(administrator)s on one of the numbers below.")]
    if short_notice(answers, today, rules):
        days = (admission_date(answers) - today).days
        if days <= 0:  # accepted for a hospital west of UTC, where it is still that day
            return [_("The admission is today: %(administrator)s asks for about %(lead)d days' notice before "
                      "a planned admission. As well as emailing the request, phone %(administrator)s on one "
                      "of the numbers below.", lead=rules.gop_lead_time_days)]
        return [ngettext("The admission is in %(num)d day: %(administrator)s asks for about %(lead)d days' "
                         "notice before a planned admission. As well as emailing the request, "
                         "phone %(administrator)s on one of the numbers below.",
                         "The admission is in %(num)d days: %(administrator)s asks for about %(lead)d days' "
                         "notice before a planned admission. As well as emailing the request, "
                         "phone %(administrator)s on one of the numbers below.",
                         days, lead=rules.gop_lead_time_days)]
    return []
