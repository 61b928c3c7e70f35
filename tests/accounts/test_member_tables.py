"""The tables of issue 14 for the operator: migration 0002 upgrades a database of the
previous revision with nothing lost and goes down again; the purge drops expired links,
sessions and mail to members; `flask keys rotate` re-encrypts what members keep."""
from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, inspect

from tests.support.accounts import ask_link, link_in_folder, use_link
from tests.support.apps import app_rows
from tests.support.operator import (assert_members_find_everything, assert_the_claim_arrived, cli_env,
                                    leave_everything, mail_down, member, revision_of, schema_differences)
from tests.support.pages import heading
from tests.support.samples import MEMBER
from tests.support.servers import flask_cli
from tests.support.web import Browserless
from workflows.store import schema

HEAD = schema.script().get_current_head()
ANA = "ana.member@example.org"
MEMBER_TABLES = {"members", "member_sessions", "sign_in_links", "records", "reminders"}


def tables(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migration_0002_goes_down_and_up_with_everything_kept(make_app, database_url, tmp_path, smtp_server):
    keys = Fernet.generate_key().decode()
    app = make_app(DRAFT_ENCRYPTION_KEYS=keys, **mail_down())
    members = leave_everything(app)  # a draft, a file, a finished claim, its queued mail
    ask_link(Browserless(app.test_client()), ANA)  # mail to a member, queued (the server is down)
    assert app_rows(app, "SELECT count(*) FROM outbox WHERE reference IS NULL") == [(1,)]
    env = cli_env(database_url, tmp_path, keys, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    listed = flask_cli(["outbox", "list"], env)
    assert "(sign-in)" in listed.stdout and "2 message(s)" in listed.stdout, listed.stderr
    assert ANA not in listed.stdout

    down = flask_cli(["db", "downgrade", "0001"], env)
    assert down.returncode == 0, down.stderr
    assert not tables(database_url) & MEMBER_TABLES
    # The previous release's outbox: the claim's mail stays, the member's (no reference) goes.
    assert app_rows(app, "SELECT count(*) FROM outbox") == [(1,)]

    up = flask_cli(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    assert revision_of(flask_cli(["db", "current"], env).stdout) == HEAD
    assert tables(database_url) >= MEMBER_TABLES and schema_differences(database_url) == []
    delivered = flask_cli(["outbox", "deliver"], env)
    assert "1 message(s) attempted" in delivered.stdout, delivered.stderr
    assert_the_claim_arrived(smtp_server, members)
    assert_members_find_everything(make_app(DRAFT_ENCRYPTION_KEYS=keys), members)


def test_the_purge_drops_expired_links_sessions_and_mail_to_members(make_app, tmp_path):
    from tests.support.clock import Clock
    clock = Clock()
    app = make_app(CLOCK=clock)
    store = app.extensions["store"]
    browser = Browserless(app.test_client())
    ask_link(browser, ANA)
    use_link(browser, link_in_folder(tmp_path / "outbox"))
    ask_link(browser, ANA)  # a second link, never used
    counts = ("SELECT (SELECT count(*) FROM sign_in_links), (SELECT count(*) FROM member_sessions), "
              "(SELECT count(*) FROM outbox WHERE reference IS NULL), (SELECT count(*) FROM members)")
    assert app_rows(app, counts) == [(2, 1, 2, 1)]
    clock.advance(minutes=16)
    store.purge_expired()
    assert app_rows(app, counts) == [(0, 1, 2, 1)]
    clock.advance(days=1)
    store.purge_expired()
    assert app_rows(app, counts) == [(0, 1, 0, 1)]
    clock.advance(days=30)
    store.purge_expired()
    assert app_rows(app, counts) == [(0, 0, 0, 1)]  # the member stays (their records, later)
    assert heading(browser.get("/my-claims")) == "Sign in"


def test_keys_rotate_re_encrypts_what_members_keep(make_app, database_url, tmp_path):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(DRAFT_ENCRYPTION_KEYS=key_a)
    browser = Browserless(app.test_client())
    ask_link(browser, ANA)
    use_link(browser, link_in_folder(tmp_path / "outbox"))
    ask_link(browser, ANA)
    cookie = browser.client.get_cookie("draft").value

    run = flask_cli(["keys", "rotate"], cli_env(database_url, tmp_path, f"{key_b},{key_a}"))
    assert run.returncode == 0, run.stderr
    for line in ("members: 1 re-encrypted", "member draft tokens: 1 re-encrypted",
                 "sign-in links: 2 re-encrypted", "outbox messages: 2 re-encrypted"):
        assert line in run.stdout, run.stdout
    assert ANA not in run.stdout + run.stderr
    # Under the new key alone, the signed-in browser is still signed in, as Ana.
    page = member(make_app(DRAFT_ENCRYPTION_KEYS=key_b), cookie).get("/my-claims")
    assert heading(page) == "My claims" and ANA in page.get_data(as_text=True)


def test_a_member_is_found_again_while_the_secret_key_is_rotated(make_app, tmp_path):
    keys = Fernet.generate_key().decode()
    before = make_app(DRAFT_ENCRYPTION_KEYS=keys, SECRET_KEY="secret-one")
    browser = Browserless(before.test_client())
    ask_link(browser, ANA)
    use_link(browser, link_in_folder(tmp_path / "outbox"))
    browser.post("/claim/member", {**MEMBER, "full_name": "Ana Kept"})

    after = make_app(DRAFT_ENCRYPTION_KEYS=keys, SECRET_KEY="secret-two", SECRET_KEY_FALLBACKS=["secret-one"])
    laptop = Browserless(after.test_client())
    ask_link(laptop, ANA)
    use_link(laptop, link_in_folder(tmp_path / "outbox"))
    assert app_rows(after, "SELECT count(*) FROM members") == [(1,)]
    page = laptop.get("/claim/member").get_data(as_text=True)
    assert 'value="Ana Kept"' in page
