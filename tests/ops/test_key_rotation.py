"""Retiring an encryption key (`flask keys rotate`, workflows/store/rekey.py) and the secret
key (SECRET_KEY_FALLBACKS) without losing a member's draft, packet or queued mail. On SQLite
and, under ./dev test, PostgreSQL."""
from __future__ import annotations

import re

from cryptography.fernet import Fernet

from tests.support.operator import (assert_members_find_everything, assert_the_claim_arrived, cli_env,
                                    leave_everything, mail_down, member, only_counts)
from tests.support.pages import csrf_of, parse
from tests.support.servers import flask_cli

LINE = re.compile(r"^([a-z -]+): (\d+) re-encrypted, (\d+) already under the newest key, (\d+) unreadable$")


# What members keep (tests/accounts/test_member_tables.py rotates them): none here.
MEMBER_KINDS = ("members", "member draft tokens", "sign-in links", "records", "record packets")


def rotated(output: str) -> dict[str, tuple[int, int, int]]:
    """Every line of `flask keys rotate`: what it did to each kind of stored value."""
    found = [LINE.match(line) for line in output.splitlines()]
    assert all(found), output  # nothing but counts
    return {m.group(1): tuple(int(n) for n in m.groups()[1:]) for m in found}


def test_keys_rotate_moves_everything_to_the_new_key_and_the_old_key_can_go(make_app, database_url, tmp_path,
                                                                            smtp_server):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(DRAFT_ENCRYPTION_KEYS=key_a, SECRET_KEY="secret-one", **mail_down())
    members = leave_everything(app)
    # The member still typing opened the next page before the change, and sends it after.
    opened = csrf_of(member(app, members.typing_cookie).get("/claim/patient"))

    # The operator puts the new key first, then re-encrypts (and the secret key changes too).
    env = cli_env(database_url, tmp_path, f"{key_b},{key_a}", SECRET_KEY="secret-two",
                  SECRET_KEY_FALLBACKS="secret-one")
    run = flask_cli(["keys", "rotate"], env)
    assert run.returncode == 0, run.stderr
    assert rotated(run.stdout) == {"drafts": (2, 0, 0), "uploads": (1, 0, 0), "submissions": (1, 0, 0),
                                   "kept packets": (1, 0, 0), "outbox messages": (1, 0, 0),
                                   **dict.fromkeys(MEMBER_KINDS, (0, 0, 0))}
    only_counts(run.stdout + run.stderr)
    again = flask_cli(["keys", "rotate"], env)  # as after an interruption: only what is left
    assert {name: done for name, (done, _, _) in rotated(again.stdout).items()} == dict.fromkeys(
        ("drafts", "uploads", "submissions", "kept packets", "outbox messages", *MEMBER_KINDS), 0)

    # Then the old key goes: everything is read under the new one alone.
    only_b = cli_env(database_url, tmp_path, key_b, SECRET_KEY="secret-two", MAIL_SERVER="127.0.0.1",
                     MAIL_PORT=smtp_server.port)
    delivered = flask_cli(["outbox", "deliver"], only_b)
    assert "1 message(s) attempted" in delivered.stdout, delivered.stderr
    assert_the_claim_arrived(smtp_server, members)
    app_b = make_app(DRAFT_ENCRYPTION_KEYS=key_b, SECRET_KEY="secret-two", SECRET_KEY_FALLBACKS=["secret-one"])
    assert_members_find_everything(app_b, members)

    # The page opened under the old secret key is accepted under the new one with the
    # fallback (and only with it).
    form = {"who": "member", "csrf_token": opened}
    without = make_app(DRAFT_ENCRYPTION_KEYS=key_b, SECRET_KEY="secret-two")
    assert member(without, members.typing_cookie).client.post("/claim/patient", data=form).status_code != 303
    sent = member(app_b, members.typing_cookie).client.post("/claim/patient", data=form)
    assert sent.status_code == 303
    page = parse(member(app_b, members.typing_cookie).get("/claim/patient"))
    assert page.find("input", {"name": "who", "value": "member"}).has_attr("checked")
