"""Application factory: `flask --app app run` and `gunicorn app:app` both work."""
from __future__ import annotations

import datetime as dt
import io
import logging
import os
import secrets
from pathlib import Path

import click
from flask import Flask, Request, abort, request
from flask_babel import Babel
from flask_mail import Mail
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix

from workflows import administrators, documents, journeys, operations, telemetry, web
from workflows.delivery import Postman
from workflows.delivery.outbox_folder import OutboxFolder
from workflows.documents import templating
from workflows.store import DraftSessionInterface, Store, load_keys, schema
from workflows.web.history import sent_later
from workflows.web.origin import ConnectionScheme

csrf = CSRFProtect()

ENV_SETTINGS = {
    # name: parser
    "ADMINISTRATOR": str,
    "JOURNEYS": lambda v: tuple(name.strip() for name in v.split(",") if name.strip()),
    "SECRET_KEY": str,
    "SECRET_KEY_FALLBACKS": lambda v: [k.strip() for k in v.split(",") if k.strip()],
    "DATABASE_URL": str,
    "DRAFT_ENCRYPTION_KEYS": str,
    "DRAFT_LIFETIME_HOURS": float,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": lambda v: v.lower() in ("1", "true", "yes", "on"),
    "MAIL_USE_SSL": lambda v: v.lower() in ("1", "true", "yes", "on"),
    "MAIL_DEFAULT_SENDER": str,
    "MAIL_TIMEOUT": float,
    "RENDER_TIME_LIMIT_SECONDS": float,
    "OUTBOX_DIR": str,
    "MAX_UPLOAD_MB": int,
    "OUTBOX_POLL_SECONDS": float,
    "OUTBOX_RETRY_SECONDS": float,
    "OUTBOX_LEASE_SECONDS": float,
    # Behind a proxy that ends TLS, the app sees plain HTTP: say so, and the cookie is Secure.
    "SESSION_COOKIE_SECURE": lambda v: v.lower() in ("1", "true", "yes", "on"),
    # How many proxies in front of the app set X-Forwarded-For and X-Forwarded-Proto (0: none,
    # and those headers are ignored, since anyone could send them).
    "TRUSTED_PROXIES": int,
    "SEND_LIMIT_PER_DRAFT": int,
    "SEND_LIMIT_PER_ADDRESS": int,
    "SEND_LIMIT_WINDOW_SECONDS": float,
    "UPLOAD_LIMIT_FILES_PER_ADDRESS": int,
    "UPLOAD_LIMIT_MB_PER_ADDRESS": int,
    "UPLOAD_LIMIT_WINDOW_SECONDS": float,
    "UPLOAD_LIMIT_MB_PER_DRAFT": int,
    # Signing in by email link (optional; workflows/web/accounts.py).
    "SIGN_IN_LINK_MINUTES": float,
    "MEMBER_DRAFT_LIFETIME_DAYS": float,
    "RECORD_RETENTION_MONTHS": int,
    "SIGN_IN_LIMIT_PER_ADDRESS": int,
    "SIGN_IN_LIMIT_PER_CLIENT": int,
    "SIGN_IN_LIMIT_WINDOW_SECONDS": float,
    # The site's address as members reach it, for links in mail (else the request's own).
    "PUBLIC_URL": str,
    # Operators (docs/how-it-works.md, "Health, metrics and logs").
    "METRICS_TOKEN": str,
    "READY_OUTBOX_MAX_AGE_SECONDS": float,
    "READY_RENDERER_TIMEOUT_SECONDS": float,
}


class FormParser(FormDataParser):
    """Werkzeug applies MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS to multipart bodies only; a
    plain (urlencoded) form of 25 MB or a million fields would be parsed whole. Here the same
    limits hold for plain forms: the whole body, and the number of fields."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        data = stream.read() if self.max_form_memory_size is None else stream.read(self.max_form_memory_size + 1)
        if self.max_form_memory_size is not None and len(data) > self.max_form_memory_size:
            raise RequestEntityTooLarge()
        if self.max_form_parts is not None and data.count(b"&") >= self.max_form_parts:
            raise RequestEntityTooLarge()
        return super()._parse_urlencoded(io.BytesIO(data), mimetype, content_length, options)


class LimitedRequest(Request):
    form_data_parser_class = FormParser


def _secret_key(instance: Path) -> str:
    """A generated key kept in the instance folder, so local runs need no set-up."""
    path = instance / "secret.key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _accept_old_secret_keys(app: Flask) -> None:
    """Rotating SECRET_KEY: set the new one, with the old one in SECRET_KEY_FALLBACKS, restart
    every process; drop the fallback a day later (DRAFT_LIFETIME_HOURS).

    Drafts do not depend on it: the cookie holds a random token, and the database keys a
    draft by the token's SHA-256. What it signs are the forms' CSRF tokens (Flask-WTF), and
    Flask's own SECRET_KEY_FALLBACKS covers only Flask's cookie sessions, which this app does
    not use; so the old keys are handed to Flask-WTF here (itsdangerous: newest last), and a
    page opened before the change can still be sent. What it keys (HMACs: rate-limit and
    upload-budget counts, the derived finish reference and rotated draft token) uses the new
    key alone: counts start again, and a finishing form sent twice across the restart may
    make a second submission instead of finding the first."""
    fallbacks = app.config.get("SECRET_KEY_FALLBACKS")
    if fallbacks and "WTF_CSRF_SECRET_KEY" not in app.config:
        app.config["WTF_CSRF_SECRET_KEY"] = [*fallbacks, app.config["SECRET_KEY"]]


def create_app(config: dict | None = None) -> Flask:
    # Before Flask's logger is first used: with a JSON handler in place it adds none of its own.
    telemetry.install_logging()
    app = Flask(__name__, instance_relative_config=True)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": templating.PAGES_COMPILED}
    app.request_class = LimitedRequest
    instance = Path(app.instance_path)
    # Keys, the SQLite database and the outbox live here: the service account's alone.
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.update(
        ADMINISTRATOR=administrators.DEFAULT,  # the claims administrator's profile
        JOURNEYS=journeys.INSTALLED,  # the journeys' packages, in the index page's order
        DATABASE_URL=f"sqlite:///{instance / 'drafts.sqlite3'}",
        DRAFT_LIFETIME_HOURS=24.0,
        MAIL_SERVER="",
        MAIL_PORT=25,
        MAIL_DEFAULT_SENDER="MIP member forms <no-reply@localhost>",
        MAIL_TIMEOUT=10.0,
        RENDER_TIME_LIMIT_SECONDS=30.0,  # one PDF's layout; past it the member is told, not kept waiting
        OUTBOX_DIR=str(instance / "outbox"),
        MAX_UPLOAD_MB=25,  # one request; each file is limited to 10 MB by the intake
        OUTBOX_POLL_SECONDS=60.0,  # background retries of queued mail; 0 turns them off
        OUTBOX_RETRY_SECONDS=60.0,  # first retry of queued mail; doubles each time, at most 4 h
        OUTBOX_LEASE_SECONDS=900.0,  # one delivery attempt's hold on a message; then "may have been sent"
        TRUSTED_PROXIES=0,
        # "Send it for me" per draft and per client address in a window (0: no limit).
        SEND_LIMIT_PER_DRAFT=5,
        SEND_LIMIT_PER_ADDRESS=20,
        SEND_LIMIT_WINDOW_SECONDS=3600.0,
        # Uploads from one client address in a window, and kept for one draft (0: no limit).
        UPLOAD_LIMIT_FILES_PER_ADDRESS=200,
        UPLOAD_LIMIT_MB_PER_ADDRESS=500,
        UPLOAD_LIMIT_WINDOW_SECONDS=3600.0,
        UPLOAD_LIMIT_MB_PER_DRAFT=200,
        SIGN_IN_LINK_MINUTES=15.0,  # a sign-in link works once, this long
        MEMBER_DRAFT_LIFETIME_DAYS=30.0,  # a signed-in member's draft (and session)
        RECORD_RETENTION_MONTHS=18,  # a finished journey's kept packet in "My claims"
        # Sign-in links asked for one address, and from one client address, in a window.
        SIGN_IN_LIMIT_PER_ADDRESS=5,
        SIGN_IN_LIMIT_PER_CLIENT=20,
        SIGN_IN_LIMIT_WINDOW_SECONDS=3600.0,
        METRICS_TOKEN="",  # /metrics answers only with it (else 404); see gunicorn.conf.py too
        READY_OUTBOX_MAX_AGE_SECONDS=3600.0,  # /readyz fails while older queued mail waits
        READY_RENDERER_TIMEOUT_SECONDS=10.0,  # how long /readyz waits for the renderer's answer
        SESSION_COOKIE_NAME="draft",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives in the server-side draft and dies with it
        # Its Referer check for HTTPS cannot pass under `Referrer-Policy: no-referrer`: the same
        # rule is kept with the headers browsers do send (workflows/web/origin.py).
        WTF_CSRF_SSL_STRICT=False,
    )
    for name, parse in ENV_SETTINGS.items():
        if os.environ.get(name):
            app.config[name] = parse(os.environ[name])
    app.config.update(config or {})
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance)
    _accept_old_secret_keys(app)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    # Form fields are small; a flood of them is refused before parsing.
    # (Flask's defaults are 1000 and 500 KB, so only a value given in `config` is kept.)
    app.config["MAX_FORM_PARTS"] = (config or {}).get("MAX_FORM_PARTS", 300)
    app.config["MAX_FORM_MEMORY_SIZE"] = (config or {}).get("MAX_FORM_MEMORY_SIZE", 200_000)

    app.extensions["administrator"] = administrators.load(app.config["ADMINISTRATOR"])
    app.extensions["journeys"] = journeys.load(app.config["JOURNEYS"])

    store = Store(
        app.config["DATABASE_URL"],
        load_keys(app.config, app.instance_path),
        dt.timedelta(hours=app.config["DRAFT_LIFETIME_HOURS"]),
        **({"clock": app.config["CLOCK"]} if app.config.get("CLOCK") else {}),
        secret=app.config["SECRET_KEY"],  # derives a draft's new token when it is rotated
        member_lifetime=dt.timedelta(days=app.config["MEMBER_DRAFT_LIFETIME_DAYS"]),
        link_lifetime=dt.timedelta(minutes=app.config["SIGN_IN_LINK_MINUTES"]),
    )
    app.session_interface = DraftSessionInterface(store.drafts, web.database_unavailable_response,
                                                  sessionless=web.SESSIONLESS_PATHS,
                                                  members=store.members)
    app.extensions["store"] = store
    Migrate(app, store.db, directory=str(schema.MIGRATIONS))  # `flask db upgrade`, `flask db migrate`
    try:
        schema.check_at_start(store.engine, app.testing)
    except schema.NotMigrated as exc:
        _refuse_until_migrated(app, str(exc))

    mail_state = None
    if app.config["MAIL_SERVER"]:
        app.config["MAIL_SUPPRESS_SEND"] = False  # Flask-Mail sends nothing under testing otherwise
        mail_state = Mail(app).state
    folder = OutboxFolder(Path(app.config["OUTBOX_DIR"]), store.submissions.existing_references)
    postman = Postman(store.outbox, mail_state, app.config["MAIL_DEFAULT_SENDER"], folder,
                      app.config["MAIL_TIMEOUT"], app.config["OUTBOX_RETRY_SECONDS"],
                      app.config["OUTBOX_LEASE_SECONDS"], log_key=app.config["SECRET_KEY"])
    postman.jobs.append(store.purge_records)  # "My claims": kept packets past their time
    postman.on_sent = sent_later(app)  # "My claims": queued, then sent by a retry
    app.extensions["postman"] = postman
    # Before any thread of ours starts: the renderer is forked from this process (under
    # `gunicorn --preload`, the master, before the workers) and warmed up, for pages to come.
    if _serves_pages():
        documents.start_renderer()
    postman.jobs.append(lambda: operations.send_reminders(app))  # follow-ups due (issue 14.5)
    if (mail_state is not None and app.config["OUTBOX_POLL_SECONDS"] > 0 and not app.testing
            and "not_migrated" not in app.extensions):
        postman.start_background(app.config["OUTBOX_POLL_SECONDS"])

    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # Outside ProxyFix: the connection's own scheme first (gunicorn would believe a client's
    # X-Forwarded-Proto from 127.0.0.1); only ProxyFix above may change it.
    app.wsgi_app = ConnectionScheme(app.wsgi_app)
    # Around everything: the request id, the request's log line and its counts.
    app.wsgi_app = telemetry.RequestTelemetry(app.wsgi_app, trust_incoming=app.config["TRUSTED_PROXIES"] > 0)

    # Pages and documents find templates in the same folders: the app's and the journeys'.
    app.jinja_loader = templating.loader()
    web.init_app(app)  # its database check runs before the CSRF check below
    csrf.init_app(app)
    # Catalogues are compiled from translations/*/LC_MESSAGES/messages.po by ./dev; journeys
    # may bring their own, merged in.
    catalogues = [Path(app.root_path) / "translations", *journeys.TRANSLATIONS]
    Babel(app, locale_selector=web.select_locale,
          default_translation_directories=";".join(str(c) for c in catalogues))
    app.jinja_env.globals.update(administrator=app.extensions["administrator"],
                                 journeys=app.extensions["journeys"])
    operations.register(app)
    # The app logs each request itself, as JSON with its route template (workflows/telemetry);
    # werkzeug's own line would repeat it with the raw path and query string.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return app


def _serves_pages() -> bool:
    """gunicorn, `flask run`, a test's app: yes. Another command (`flask db upgrade`, `drafts
    purge`, ...) lays out no PDF, or starts a renderer when it does: it does not wait for one."""
    command = click.get_current_context(silent=True)
    return command is None or command.info_name == "run"


def _refuse_until_migrated(app: Flask, problem: str) -> None:
    """A database this release must not use until an operator upgrades it (store/schema.py):
    every page is the "service unavailable" page, the commands refuse, and the process stays
    up so that `flask db upgrade` (which loads this app) can run."""
    app.logger.error("%s", problem)
    app.extensions["not_migrated"] = problem

    @app.before_request
    def refuse():
        if request.endpoint != "static":
            abort(503)


app = create_app()
