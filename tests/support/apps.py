"""The app under test: its settings, its own database, and that database read from outside.

`./dev test` runs the suite twice: on SQLite, then with TEST_DATABASE_URL pointing at a
throwaway PostgreSQL database, where each test (or module) gets a schema of its own. Every
database lives only as long as its test or module: runs side by side share nothing."""
from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from pathlib import Path

from sqlalchemy import make_url, text

from tests.support.registry import PACKAGES

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def settings(database_url: str, folder: Path, **config) -> dict:
    """A test app's configuration: its database, an outbox folder of its own, no mail server,
    and the installed journeys plus the toy."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "OUTBOX_DIR": str(folder / "outbox"),
        "MAIL_SERVER": "",
        "JOURNEYS": PACKAGES,
        **config,
    }


def close(app) -> None:
    """Close the app's pooled connections (PostgreSQL counts them; a schema in use cannot go)."""
    app.extensions["store"].engine.dispose()


@contextlib.contextmanager
def own_database(folder: Path, postgres_admin=None):
    """An empty database for the block: a SQLite file in `folder`, or (with
    TEST_DATABASE_URL) a PostgreSQL schema of its own, dropped afterwards."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{folder / 'drafts.sqlite3'}"
        return
    schema = f"test_{secrets.token_hex(6)}"
    with postgres_admin.connect() as db:
        db.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(TEST_DATABASE_URL)
    yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    with postgres_admin.connect() as db:  # a connection still open would block the drop: fail instead
        db.execute(text("SET lock_timeout = '10s'"))
        db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def app_rows(app, sql: str) -> list[tuple]:
    """Rows straight from the app's database (whichever it is), as an operator would read them."""
    with app.extensions["store"].engine.connect() as db:
        return [tuple(row) for row in db.execute(text(sql))]


def sqlite_rows(path: Path, sql: str, *params) -> list[tuple]:
    """Read the app's SQLite file directly, as an operator (or an auditor) would."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql, params).fetchall()
