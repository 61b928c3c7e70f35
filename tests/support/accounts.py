"""Signing in by email link, as a member does it: ask for a link, find it in the mail (the
test's SMTP server, or the outbox folder when the app has no mail server), use it."""
from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

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
