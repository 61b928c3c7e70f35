"""Signing in by email link, as a member does it: ask for a link, find it in the mail (the
test's SMTP server, or the outbox folder when the app has no mail server), use it."""
from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from playwright.sync_api import expect

LINK = re.compile(r"(https?://[^\s/]+)/sign-in/link/([A-Za-z0-9_-]+)")


def link_in(message) -> str:
    """The sign-in link's token in a received message."""
    found = LINK.search(message.get_body(("plain",)).get_content())
    assert found, "no sign-in link in the message"
    return found.group(2)


def last_link(inbox) -> str:
    """The token of the newest sign-in link the test's SMTP server received."""
    return link_in(inbox.messages[-1]["message"])


def link_in_folder(folder: Path) -> str:
    """The token of the sign-in link written to the outbox folder (no mail server)."""
    files = sorted(Path(folder).glob("sign-in-*.eml"), key=lambda p: p.stat().st_mtime_ns)
    assert files, "no sign-in message in the outbox folder"
    return link_in(email.message_from_bytes(files[-1].read_bytes(), policy=email.policy.default))


def ask_link(member, address: str):
    return member.post("/sign-in", {"email": address})


def use_link(member, token: str):
    """Open the link (a page with a button), then press the button."""
    return member.post("/sign-in/link", {"token": token}, token_from=f"/sign-in/link/{token}")


def sign_in(member, inbox, address: str):
    ask_link(member, address)
    return use_link(member, last_link(inbox))


def sign_in_in_browser(page, url: str, inbox, address: str) -> None:
    """In Chromium, as a member does it: "Sign in" in the header, the address, then the link
    the test's SMTP server received for it, and the button on its page."""
    page.goto(url + "/")
    page.get_by_role("link", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    received = len(inbox.messages)
    page.get_by_label("Email address").fill(address)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert len(inbox.messages) == received + 1 and inbox.messages[-1]["rcpt_tos"] == [address]
    link = LINK.search(inbox.messages[-1]["message"].get_body(("plain",)).get_content())
    assert link and link.group(1) == url, "the link leads to this site"
    page.goto(link.group(0))  # opened as received
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("You are signed in.")).to_be_visible()
