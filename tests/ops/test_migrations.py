"""Migrations (workflows/store/migrations, run by `flask db upgrade`): a database made by the
release before migrations upgrades with nothing lost, the latest migration goes down and up
again, the migrated schema is exactly the models', and processes starting at once on a new
database do not race. On SQLite and, under ./dev test, PostgreSQL."""
from __future__ import annotations

import concurrent.futures

from cryptography.fernet import Fernet
from sqlalchemy import create_engine

from tests.support.operator import (as_previous_release, assert_members_find_everything,
                                    assert_the_claim_arrived, cli_env, leave_everything, mail_down,
                                    revision_of, schema_differences)
from tests.support.production import unit_command
from tests.support.servers import flask_cli
from workflows.store import schema

HEAD = schema.script().get_current_head()


def test_a_database_made_before_migrations_upgrades_with_nothing_lost(make_app, database_url, tmp_path,
                                                                      smtp_server):
    keys = Fernet.generate_key().decode()
    members = leave_everything(make_app(DRAFT_ENCRYPTION_KEYS=keys, **mail_down()))
    as_previous_release(database_url)
    env = cli_env(database_url, tmp_path, keys, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)

    # Outside tests the app does not upgrade such a database by itself: it serves nothing
    # from it, and the commands refuse, until the operator upgrades.
    assert make_app(TESTING=False, DRAFT_ENCRYPTION_KEYS=keys).test_client().get("/claim/member").status_code == 503
    refused = flask_cli(["outbox", "list"], env)
    assert refused.returncode == 1 and "Run `flask --app app db upgrade` first." in refused.stderr

    # What the service runs before every start (deploy/systemd/mip-forms.service).
    argv = unit_command("mip-forms.service", "ExecStartPre")
    assert argv[1:] == ["--app", "app", "db", "upgrade"]
    upgraded = flask_cli(argv[3:], env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "made before migrations: stamped with the baseline, 0001" in upgraded.stderr
    assert revision_of(flask_cli(["db", "current"], env).stdout) == HEAD
    assert schema_differences(database_url) == []

    delivered = flask_cli(["outbox", "deliver"], env)
    assert "1 message(s) attempted" in delivered.stdout, delivered.stderr
    assert_the_claim_arrived(smtp_server, members)
    assert_members_find_everything(make_app(DRAFT_ENCRYPTION_KEYS=keys), members)


def test_the_latest_migration_goes_down_and_up_again(make_app, database_url, tmp_path):
    keys = Fernet.generate_key().decode()
    make_app(DRAFT_ENCRYPTION_KEYS=keys)  # a new database: migrated when the app starts
    env = cli_env(database_url, tmp_path, keys)

    down = flask_cli(["db", "downgrade"], env)
    assert down.returncode == 0 and f"Running downgrade {HEAD} ->" in down.stderr, down.stderr
    # Read here, not with `flask db current`: the app that command loads would upgrade a
    # database the baseline's downgrade left empty (see store/schema.py).
    engine = create_engine(database_url)
    assert schema.state(engine)[0] in (schema.BEHIND, schema.EMPTY)
    engine.dispose()

    up = flask_cli(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    assert revision_of(flask_cli(["db", "current"], env).stdout) == HEAD
    assert schema_differences(database_url) == []


def test_the_migrations_make_exactly_the_models_tables(database_url):
    """Fails when a model changes without a migration (`flask db migrate` writes one)."""
    schema.upgrade(database_url)
    assert schema_differences(database_url) == []


def test_processes_starting_at_once_on_a_new_database_migrate_it_once(database_url, tmp_path):
    env = cli_env(database_url, tmp_path, Fernet.generate_key().decode())
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda _: flask_cli(["db", "current"], env), range(3)))
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert revision_of(run.stdout) == HEAD
    assert schema_differences(database_url) == []
