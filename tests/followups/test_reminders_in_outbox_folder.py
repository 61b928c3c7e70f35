"""Without a mail server, reminders are written to the outbox folder for the operator to send;
`flask drafts purge` (cron, hourly) keeps them there, as it keeps a living claim's files. A
sign-in link's file goes once the link is dead."""
from __future__ import annotations

import os
import time

from tests.support.accounts import ask_link, link_in_folder, use_link
from tests.support.followups import PUBLIC_URL, run_reminders
from tests.support.operator import cli_env
from tests.support.samples import fill_claim, send
from tests.support.servers import flask_cli

ANA = "ana.folder@example.org"
KEYS = "MqtE9l0n3sXjvGxqgkzJ0m3b3cWjFhYh2Pq2tqT0p5E="


def test_the_purge_keeps_reminders_in_the_outbox_folder(serve, make_app, database_url, tmp_path, clock):
    site = serve(make_app(CLOCK=clock, PUBLIC_URL=PUBLIC_URL, DRAFT_ENCRYPTION_KEYS=KEYS))
    folder = tmp_path / "outbox"
    member = site.member()
    ask_link(member, ANA)
    use_link(member, link_in_folder(folder))
    fill_claim(member)
    send(member)  # written to the folder: no mail server
    clock.advance(days=22)  # past 15 business days without an answer
    assert run_reminders(site.app)["sent"] == 1
    (reminder,) = folder.glob("reminder-*.eml")
    (link,) = folder.glob("sign-in-*.eml")
    claim_files = sorted(p.name for p in folder.glob("CLM-*.eml"))
    assert claim_files
    an_hour_ago = time.time() - 3600
    os.utime(link, (an_hour_ago, an_hour_ago))  # its link died after 15 minutes

    purged = flask_cli(["drafts", "purge"], cli_env(database_url, tmp_path, KEYS))
    assert purged.returncode == 0, purged.stderr
    assert "1 outbox file(s) removed" in purged.stdout
    assert reminder.exists() and b"Reminder: no answer yet to" in reminder.read_bytes()
    assert not link.exists()
    assert sorted(p.name for p in folder.glob("CLM-*.eml")) == claim_files  # the claim lives
    again = flask_cli(["drafts", "purge"], cli_env(database_url, tmp_path, KEYS))
    assert "0 outbox file(s) removed" in again.stdout and reminder.exists()
