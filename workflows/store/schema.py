"""The database's schema over time: Alembic migrations in `migrations/` beside this file,
run by `flask db upgrade` (Flask-Migrate) or, where allowed, when the app starts.

What the app does at start (`check_at_start`), by what the database holds:

- at the latest revision: it serves;
- nothing of ours (a new database): it applies the migrations, in every environment. There is
  nothing to lose or to misread, the result is versioned like any upgraded database, and a
  log line says so. (The release before migrations did this with create_all.)
- an older revision, or the tables of the release before migrations but no revision: in
  tests (TESTING) it upgrades, since every test makes such databases on purpose; anywhere
  else it does not touch the database and answers every request with the "service
  unavailable" page, and the store's commands refuse, until an operator runs
  `flask db upgrade` (with a backup, and knowing which processes of the old release still
  run). An upgrade at start would apply schema changes to live data unasked.
- a revision this release does not know (a newer release's database): the same refusal.

Several processes may start (or run `flask db upgrade`) at once on one database: every
upgrade runs in one transaction that first takes a lock (`locked`), so one process migrates
and the others wait, then find the database at the latest revision and do nothing."""
from __future__ import annotations

import contextlib
import functools
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"  # the schema of the last release without migrations
# Any number, as long as it is the same in every process (PostgreSQL advisory locks are
# database-wide); the release before migrations took the same one around create_all.
LOCK_ID = 4711

CURRENT, EMPTY, UNVERSIONED, BEHIND, UNKNOWN = "current", "empty", "unversioned", "behind", "unknown"


class NotMigrated(RuntimeError):
    """The database is not at this release's revision and may not be upgraded here."""


@functools.cache
def script() -> ScriptDirectory:
    """The migrations, read once per process (they do not change under a running process)."""
    return ScriptDirectory(str(MIGRATIONS))


def state(engine: Engine) -> tuple[str, tuple[str, ...]]:
    """(what the database is, its revisions): one of CURRENT, EMPTY, UNVERSIONED, BEHIND,
    UNKNOWN. Cheap: one look at alembic_version (and at `drafts` when it has none)."""
    with engine.connect() as db:
        revisions = tuple(MigrationContext.configure(db).get_current_heads())
        if not revisions:
            return (UNVERSIONED if inspect(db).has_table("drafts") else EMPTY), ()
    if set(revisions) == set(script().get_heads()):
        return CURRENT, revisions
    try:
        for revision in revisions:
            script().get_revision(revision)
    except CommandError:
        return UNKNOWN, revisions
    return BEHIND, revisions


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (what `flask db upgrade` does), in this process."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    command.upgrade(config, revision)


def check_at_start(engine: Engine, testing: bool) -> None:
    """Bring a new database (or, in tests, any older one) to this release's revision; raise
    NotMigrated for a database only an operator should upgrade. See the module docstring."""
    found, revisions = state(engine)
    if found == CURRENT:
        return
    if found == EMPTY or (testing and found in (UNVERSIONED, BEHIND)):
        if found == EMPTY and not testing:
            logging.getLogger(__name__).warning("the database had no tables: migrations applied")
        upgrade(engine.url.render_as_string(hide_password=False))
        return
    raise NotMigrated(why(found, revisions))


def why(found: str, revisions: tuple[str, ...]) -> str:
    head = ", ".join(script().get_heads())
    at = {UNVERSIONED: "was made before migrations (it has no revision)",
          UNKNOWN: f"is at revision {', '.join(revisions)}, which this release does not know",
          BEHIND: f"is at revision {', '.join(revisions)}"}[found]
    return (f"The database {at}; this release needs revision {head}. "
            "Run `flask --app app db upgrade` first.")


@contextlib.contextmanager
def locked(url: str):
    """A connection in a transaction that holds the migration lock, for one upgrade.

    PostgreSQL: a transaction-scoped advisory lock; DDL is transactional, so the process
    that waited finds the finished schema. SQLite: BEGIN IMMEDIATE takes the database's write
    lock at once (pysqlite would otherwise begin only at the first write, after the checks),
    and foreign keys are off, or the batch migrations that copy and drop a table would
    cascade its rows' deletion into the tables that refer to it."""
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # transactions are begun below, not by pysqlite
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA busy_timeout=60000")  # another process's upgrade
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        with engine.connect() as connection, connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
            yield connection
    finally:
        engine.dispose()


def adopt_unversioned(context: MigrationContext) -> None:
    """Stamp a database made by the release before migrations with the baseline revision, so
    that the upgrade that follows applies only what came after it.

    How such a database is told: it has no alembic_version table but has our `drafts` table
    (a new database has neither). That release ran create_all at every start, which made the
    tables it lacked, and added drafts.version to databases made before drafts had a version.
    So a database it last started is exactly the baseline; one made by an older build, never
    started by that release, is first given what that release would have given it (the
    baseline module's `adopt`). Runs under the migration lock, in the upgrade's transaction."""
    connection: Connection = context.connection
    if context.get_current_heads() or not inspect(connection).has_table("drafts"):
        return
    found = inspect(connection)
    columns = {c["name"] for c in found.get_columns("drafts")}
    with Operations.context(context):
        script().get_revision(BASELINE).module.adopt(set(found.get_table_names()), columns)
    context.stamp(script(), BASELINE)
    logging.getLogger("alembic").info("made before migrations: stamped with the baseline, %s", BASELINE)
