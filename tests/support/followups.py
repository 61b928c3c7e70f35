"""Follow-ups as a member meets them: a claim or guarantee request finished while signed in
(so it is in the member's records), the reminder mail the test's SMTP server received, and
the ready "where is my claim" email inside it, read back from its mailto: link."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.accounts import sign_in
from tests.support.pages import parse
from tests.support.samples import fill_claim, fill_guarantee, send
from workflows.operations import send_reminders

PUBLIC_URL = "https://forms.example.org"  # the test apps' PUBLIC_URL: links in mail use it


def reference_of(member, journey: str) -> str:
    return parse(member.get(f"/{journey}/done")).select_one(".ref").get_text(strip=True)


def signed_in_claim(site, inbox, address: str, member=None, **fill) -> tuple[object, str]:
    """A member signed in as `address` finishes a claim and has the app send it: (member, reference)."""
    if member is None:
        member = site.member()
        sign_in(member, inbox, address)
    fill_claim(member, **fill)
    send(member)
    return member, reference_of(member, "claim")


def signed_in_guarantee(site, inbox, address: str) -> tuple[object, str]:
    member = site.member()
    sign_in(member, inbox, address)
    fill_guarantee(member)
    return member, reference_of(member, "guarantee")


def reminders_to(inbox, address: str) -> list:
    """The reminder messages the mail server received for `address` (sign-in links aside)."""
    return [m["message"] for m in inbox.messages
            if m["rcpt_tos"] == [address] and "/sign-in/link/" not in m["message"].get_body(("plain",)).get_content()
            and m["message"]["To"] == address]


def run_reminders(app) -> dict:
    """One round of the reminders, as `flask reminders send` and the background loop run it."""
    return dict(send_reminders(app))


def text_of(message) -> str:
    """The plain text as a mail program shows it (line ends as "\n")."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def mailto_in(text: str) -> tuple[str, str, str]:
    """The mailto: link in a reminder's text: (to, subject, body), decoded."""
    found = re.search(r"mailto:\S+", text)
    assert found, "no mailto: link in the reminder"
    parts = urlsplit(found.group(0))
    query = parse_qs(parts.query)
    return unquote(parts.path), query["subject"][0], query["body"][0]
