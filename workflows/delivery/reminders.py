"""Follow-ups for a signed-in member's finished journeys (issue 14.5), as pure functions of a
record (its reference, when it was made, its data) and the administrator's profile: when a
reminder is due, whether an answer makes it moot, and the reminder mail itself.

Two kinds, declared by a journey (`FollowUp`), never named by the pages:
- SILENT: no answer recorded N business days (PlanRules) after it was sent: a reminder with a
  ready "where is my claim" email to one of the administrator's mailboxes;
- CALL: no reply recorded some hours (PlanRules) after it was sent: a reminder to call, with
  the administrator's numbers.
The reminder speaks the member's language (the caller picks it); the ready email to the
administrator is English, like everything sent to it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..administrators import Administrator, PlanRules
from ..engine.display import format_date, format_money
from ..engine.i18n import gettext as _, in_english
from .letter import Letter, mailto_href

SILENT = "silent"
CALL = "call"


@dataclass(frozen=True)
class FollowUp:
    kind: str  # SILENT or CALL
    what: str  # in English, marked N_: "claim for reimbursement" (the letters name it)
    mailbox: str = ""  # SILENT: the administrator's mailbox the ready email goes to


@dataclass(frozen=True)
class Links:
    """Absolute links for the mail (PUBLIC_URL); empty when the site's address is unknown."""

    my_claims: str
    settings: str


def add_business_days(start: dt.datetime, days: int) -> dt.datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day: from a
    Friday, 1 business day is the Monday; from a Saturday, too."""
    moment = start
    while days > 0:
        moment += dt.timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def sent_at(created_at: dt.datetime, data: dict) -> dt.datetime:
    """When it went to the administrator: its first delivery, else when it was finished."""
    times = []
    for delivery in data.get("deliveries") or ():
        try:
            moment = dt.datetime.fromisoformat(str(delivery.get("at", "")))
        except ValueError:
            continue
        times.append(moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment)
    return min(times) if times else created_at


def due_at(follow_up: FollowUp, sent: dt.datetime, rules: PlanRules) -> dt.datetime:
    if follow_up.kind == SILENT:
        return add_business_days(sent, rules.claim_answer_business_days)
    return sent + dt.timedelta(hours=rules.guarantee_reply_hours)


def answered(data: dict) -> bool:
    """Whether the member recorded the administrator's answer ("sent" is no answer yet)."""
    answer = data.get("answer") or {}
    return bool(answer.get("status")) and answer.get("status") != "sent"


def _totals(data: dict) -> str:
    return ", ".join(format_money(amount, currency) for currency, amount in (data.get("totals") or {}).items())


@in_english
def where_is_my_claim(follow_up: FollowUp, reference: str, data: dict, sent: dt.datetime,
                      administrator: Administrator) -> Letter:
    """The ready email to the administrator's mailbox (English): the reference, the date sent
    and the totals; no bank or medical detail, so it fits a mailto: link."""
    patient = f", for {data['patient']}" if data.get("patient") else ""
    totals = _totals(data)
    body = (f"Hello,\n\nI sent a {follow_up.what} on {format_date(sent.date())}, reference "
            f"{reference}{patient}.\n" + (f"Totals claimed: {totals}.\n" if totals else "")
            + "\nI have not had an answer yet. Could you tell me where it stands, and whether "
              "anything is missing?\n\nThank you.\n")
    return Letter(to=(administrator.mailboxes[follow_up.mailbox],),
                  subject=f"Where is my claim? {reference}", body=body, short_body=body)


def _footer(links: Links) -> str:
    return "\n\n-- \n" + _("You get this reminder because you signed in to MIP member forms and "
                           "sent this through it. To turn reminders off: %(url)s",
                           url=links.settings or _("My claims, Reminders"))


def reminder_letter(follow_up: FollowUp, reference: str, data: dict, sent: dt.datetime,
                    administrator: Administrator, address: str, links: Links) -> Letter:
    """The reminder to the member, in the language in force (the caller's force_locale)."""
    what = _(follow_up.what)
    record_it = links.my_claims or _("My claims")
    if follow_up.kind == SILENT:
        ready = where_is_my_claim(follow_up, reference, data, sent, administrator)
        totals = _totals(data)
        body = (_("Your %(what)s %(reference)s was sent on %(date)s.", what=what, reference=reference,
                  date=format_date(sent.date()))
                + (" " + _("Totals: %(totals)s.", totals=totals) if totals else "") + " "
                + _("No answer from %(administrator)s is recorded after %(days)d business days.",
                    days=administrator.rules.claim_answer_business_days)
                + "\n\n" + _("Has %(administrator)s answered? Record the answer on My claims, and the "
                             "reminders stop:") + f"\n{record_it}\n\n"
                + _("If not, ask %(administrator)s where it is. This link opens the email, ready to "
                    "send to %(mailbox)s:", mailbox=ready.to[0]) + f"\n{mailto_href(ready)}\n\n"
                + _("Or copy this email to %(mailbox)s:", mailbox=ready.to[0])
                + "\n\n" + _("Subject:") + f" {ready.subject}\n\n{ready.body}" + _footer(links))
        subject = _("Reminder: no answer yet to %(reference)s", reference=reference)
    else:
        numbers = "\n".join(f"{_(p.audience) if p.audience else p.label}: {p.number}"
                            + (f" ({p.note})" if p.note else "") for p in administrator.phones)
        body = (_("Your %(what)s %(reference)s was sent on %(date)s. No reply is recorded after "
                  "%(hours)d hours.", what=what, reference=reference, date=format_date(sent.date()),
                  hours=administrator.rules.guarantee_reply_hours)
                + "\n\n" + _("Call %(administrator)s to check that it arrived and is being handled; "
                             "have the reference %(reference)s ready:", reference=reference)
                + f"\n\n{numbers}\n\n"
                + _("Has %(administrator)s replied? Record the reply on My claims, and the "
                    "reminders stop:") + f"\n{record_it}" + _footer(links))
        subject = _("Reminder: call %(administrator)s about %(reference)s", reference=reference)
    return Letter(to=(address,), subject=subject, body=body, short_body="")
