"""Alembic's environment, for `flask db ...` (Flask-Migrate) and for the app's own upgrade at
start (workflows/store/schema.py). Every upgrade runs in one transaction under the migration
lock; a database made before migrations is stamped with the baseline first."""
from logging.config import fileConfig

from alembic import context

from workflows.store import schema
from workflows.store.models import Base

config = context.config
url = config.attributes.get("url")
if url is None:  # `flask db ...`: the app's database, and Alembic's messages on the terminal
    from flask import current_app
    url = current_app.extensions["migrate"].db.engine.url.render_as_string(hide_password=False)
    if config.config_file_name:
        fileConfig(config.config_file_name, disable_existing_loggers=False)


def skip_empty_revisions(_context, _revision, directives):
    """`flask db migrate` with no change in the models writes no migration."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        print("No changes in the models: no migration written.")


OPTIONS = {
    "target_metadata": Base.metadata,
    "compare_type": True,
    # SQLite alters little in place: changes are made by copying the table (batch mode).
    "render_as_batch": True,
    "process_revision_directives": skip_empty_revisions,
}

if context.is_offline_mode():  # `flask db upgrade --sql`: the SQL, for a DBA to run
    context.configure(url=url, literal_binds=True, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()
else:
    with schema.locked(url) as connection:
        context.configure(connection=connection, **OPTIONS)
        with context.begin_transaction():  # already in the locked transaction: joins it
            schema.adopt_unversioned(context.get_context())
            context.run_migrations()
