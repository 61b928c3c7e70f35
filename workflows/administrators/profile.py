"""What the app needs to know about a claims administrator: the profile type.

A profile holds the administrator's facts (names, mailboxes, numbers, postal address, the
contact sheet's prose) and the plan's rules that depend on it. Journeys, documents and
pages read them from the profile in force; none of them spells a fact. Prose says
%(administrator)s (the name as members say it, like "Cigna") or %(administrator_name)s
(the full name, as on a letter), and the i18n helpers fill both in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Phone:
    label: str
    number: str  # as printed on the contact sheet
    note: str = ""  # text printed after the number, e.g. an internal extension
    # Guidance for the member, in the member's language (marked N_, may say %(administrator)s):
    # who the number is for, in a few words ("Calling from outside the U.S."), then what a
    # caller should know that the contact sheet's own wording does not say.
    audience: str = ""
    guidance: str = ""

    @property
    def tel(self) -> str:
        """RFC 3966 form for tel: links: '+' and the digits of the printed number (the sheet's
        "+ 32-..." has a space after the plus that a phone's dialler may not take)."""
        return "+" + re.sub(r"\D", "", self.number)


@dataclass(frozen=True)
class PlanRules:
    """Rules that shape guidance: data with defaults, never hard-coded in views."""

    one_patient_per_claim: bool = True
    # Ask for a guarantee 2-4 weeks before a planned admission: closer than the first is short
    # notice (a warning); the pages advise the range, in whole weeks.
    gop_lead_time_days: int = 14
    gop_lead_time_ideal_days: int = 28
    emergency_notification_days: int = 2  # emergencies notified within 48 hours
    # A guarantee of payment is issued above this estimated cost; below it, a "verification
    # of benefits". The app never converts: only a cost in this currency is compared.
    guarantee_threshold: Decimal = Decimal(400)
    guarantee_threshold_currency: str = "USD"
    # A claim must reach the administrator by 31 December of the year this many years after
    # the year of service; lines this close to that date get a warning naming it.
    filing_deadline_years: int = 1
    filing_warning_days: int = 60
    # Follow-ups for signed-in members (issue 14.5): a claim with no answer recorded this
    # many business days (Monday to Friday) after it was sent gets a reminder with a ready
    # "where is my claim" email; a guarantee request with no reply recorded after this many
    # hours gets a reminder to call.
    claim_answer_business_days: int = 15
    guarantee_reply_hours: int = 48
    cheque_currency: str = "USD"  # incomplete bank details typically mean a cheque in USD
    mailto_body_limit: int = 1800  # some mail clients break mailto: links past ~2,000 chars


@dataclass(frozen=True)
class Administrator:
    slug: str
    name: str  # in full, as on a letter: %(administrator_name)s
    short_name: str  # as members say it in a sentence: %(administrator)s
    plan_name: str
    # Where each kind of message goes: a journey names the mailbox ("claims"), never the address.
    mailboxes: dict[str, str]
    # In the order a member should try them: the plan's members live outside the U.S., so the
    # number they can call from abroad comes first (pages list them in this order).
    phones: tuple[Phone, ...]
    fax: Phone  # shown as plain text, never a tel: link: a phone cannot call a fax line
    postal_lines: tuple[str, ...]
    rules: PlanRules = PlanRules()
    # The contact sheet's own prose, shown verbatim on the Contact page where given.
    plan_description: str = ""
    network_note: str = ""
    website: str = ""
    website_url: str = ""
    admissions_instruction: str = ""
    claim_form_name: str = ""
    # Whether a claim must also go on the administrator's own form (named above, to be had
    # from its website): then the packet goes with that form, never instead of it. When not,
    # the packet's claim form section is the claim form.
    claim_form_required: bool = False
    # The largest message (bytes, as the mail server counts them: headers and base64 included)
    # the administrator's mailboxes take. A claim that would be larger goes in numbered parts.
    # 10 MB is the default when the administrator states none (a common mailbox limit).
    largest_message: int = 10_000_000
    online_services_steps: tuple[str, ...] = ()
    online_services_first_time: str = ""
    us_network_note: str = ""

    @property
    def claims_email(self) -> str:
        return self.mailboxes["claims"]

    @property
    def admissions_email(self) -> str:
        return self.mailboxes["admissions"]

    @property
    def claim_form(self) -> str:
        """The official form's name when the administrator requires it, else ""."""
        return self.claim_form_name if self.claim_form_required else ""

    def names(self) -> dict[str, str]:
        """The values prose placeholders are filled with."""
        return {"administrator": self.short_name, "administrator_name": self.name}
