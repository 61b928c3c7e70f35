"""The operator's commands, run as the real `flask` CLI on the test's database (as from a shell
or cron): the outbox listed, a message retried (it reaches the mail server) and one discarded
(it never does), unknown references refused, and the day's counts. Output carries references,
states and counts only. On SQLite and, under ./dev test, PostgreSQL."""
from __future__ import annotations

import collections
import re

from cryptography.fernet import Fernet

from tests.support.apps import app_rows
from tests.support.operator import assert_the_claim_arrived, cli_env, leave_everything, mail_down, only_counts
from tests.support.servers import flask_cli

ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\d+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d UTC|-)$")


def outbox(env) -> dict[str, tuple[str, int, bool]]:
    """`flask outbox list`: reference -> (state, tries, whether a next try is set)."""
    run = flask_cli(["outbox", "list"], env)
    assert run.returncode == 0, run.stderr
    only_counts(run.stdout)
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["reference", "state", "tries", "next", "try"]
    rows = {m.group(1): (m.group(2), int(m.group(3)), m.group(4) != "-")
            for m in map(ROW.match, lines[1:-1])}
    assert lines[-1] == f"{len(rows)} message(s)"
    return rows


def test_outbox_list_retry_discard_and_stats(make_app, database_url, tmp_path, smtp_server):
    keys = Fernet.generate_key().decode()
    app = make_app(DRAFT_ENCRYPTION_KEYS=keys, **mail_down())
    kept, dropped = leave_everything(app), leave_everything(app)  # two claims, their mail queued
    env = cli_env(database_url, tmp_path, keys, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    assert outbox(env) == {kept.reference: ("queued", 1, True), dropped.reference: ("queued", 1, True)}

    discarded = flask_cli(["outbox", "discard", dropped.reference], env)
    assert (discarded.returncode, discarded.stdout) == (0, f"{dropped.reference}: 1 message(s) discarded\n")
    retried = flask_cli(["outbox", "retry", kept.reference], env)
    assert (retried.returncode, retried.stdout) == (0, f"{kept.reference}: sent after 2 tries\n"), retried.stderr
    assert_the_claim_arrived(smtp_server, kept)  # the retried one, once; the discarded one never
    assert "0 message(s) attempted" in flask_cli(["outbox", "deliver"], env).stdout
    assert len(smtp_server.messages) == 1
    assert outbox(env) == {kept.reference: ("sent", 2, False)}

    for command in ("retry", "discard"):
        unknown = flask_cli(["outbox", command, "CLM-NONE-0000"], env)
        assert unknown.returncode == 1
        assert "No message in the outbox has the reference CLM-NONE-0000." in unknown.stderr
        sent = flask_cli(["outbox", command, kept.reference], env)
        assert sent.returncode == 1 and f"{kept.reference} is sent: there is nothing unsent" in sent.stderr
    assert len(smtp_server.messages) == 1

    stats = flask_cli(["stats"], env)
    assert stats.returncode == 0, stats.stderr
    days = collections.Counter(str(at)[:10] for journey, at in app_rows(app, "SELECT journey, created_at FROM submissions"))
    assert stats.stdout.splitlines() == [
        "day         journey      finished",
        *(f"{day}  claim        {count:>8}" for day, count in sorted(days.items())),
        "2 finished journey(s)"]
