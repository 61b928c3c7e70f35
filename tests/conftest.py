"""Fixtures only; the helpers they and the tests use are in tests/support.

A real app on a database of its own (a SQLite file, or with TEST_DATABASE_URL a PostgreSQL
schema), a real SMTP server (aiosmtpd on 127.0.0.1), a live HTTP server and headless
Chromium (Playwright). Every port is picked when its server starts and every file lives in
the test's (or module's) own temporary folder, so runs in parallel share nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from werkzeug.datastructures import MultiDict

from app import create_app
from tests.support.apps import TEST_DATABASE_URL, close, own_database, settings
from tests.support.browser import chromium
from tests.support.clock import Clock
from tests.support.mail import SENDER, Inbox, smtp
from tests.support.network import listening
from tests.support.servers import Server, live
from tests.support.web import Browserless
from workflows.engine import clock as today


@pytest.fixture(autouse=True)
def one_date_per_test(monkeypatch):
    """The app's notion of today (workflows/clock.py) holds still during each test: a test
    that crossed midnight would build its dates on one day and have them judged, or printed,
    on the next. Every other clock runs on."""
    at = today.now()
    monkeypatch.setattr(today, "now", lambda: at)


# --- the app -----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_admin():
    engine = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _admin(request):
    return request.getfixturevalue("postgres_admin") if TEST_DATABASE_URL else None


@pytest.fixture
def database_url(request, tmp_path):
    """The test's own empty database, for every app it creates (in this process or others)."""
    with own_database(tmp_path, _admin(request)) as url:
        yield url


@pytest.fixture
def make_app(tmp_path, database_url):
    """make_app(**config): an app on the test's database, with the installed journeys and
    the toy (JOURNEYS=... overrides it, like any setting)."""
    made = []

    def factory(**config):
        made.append(create_app(settings(database_url, tmp_path, **config)))
        return made[-1]
    yield factory
    for app in made:
        close(app)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def web(client):
    return Browserless(client)


@pytest.fixture
def validate(app):
    """Validate a form on posted data: (ok, {field: first message}, form)."""
    def run(form_class, data, answers=None):
        with app.test_request_context():
            form = form_class(formdata=MultiDict(data), meta={"csrf": False})
            form.answers = answers or {}
            ok = form.validate()
            return ok, {name: errors[0] for name, errors in form.errors.items()}, form
    return run


# --- mail ----------------------------------------------------------------------------------------------

@pytest.fixture
def smtp_server():
    """A mail server keeping what it receives: .messages, .port."""
    with smtp(Inbox()) as inbox:
        yield inbox


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                    MAIL_DEFAULT_SENDER=SENDER, MAIL_TIMEOUT=5)


# --- a live server and a browser ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def module_server(request, tmp_path_factory):
    """One live server for a module's tests, on a database of the module's own: they each
    start as a new visitor, so they need no fresh app."""
    folder = tmp_path_factory.mktemp("live")
    with own_database(folder, _admin(request)) as url:
        app = create_app(settings(url, folder, MAIL_SERVER="127.0.0.1", MAIL_PORT=25,
                                  MAIL_DEFAULT_SENDER=SENDER, MAIL_TIMEOUT=5))
        with live(app) as server:
            yield server
        close(app)


@pytest.fixture
def live_server(module_server, smtp_server):
    """The module's live server (.url, .app), its mail going to this test's SMTP server."""
    module_server.app.extensions["postman"].mail_state.port = smtp_server.port
    return module_server


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per session (per xdist worker)."""
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def listener():
    """A TCP listener started by the test: (port, what each connection sent)."""
    with listening() as found:
        yield found


@pytest.fixture
def serve():
    """serve(app) -> a Server running the app on 127.0.0.1, stopped after the test."""
    servers = []

    def start(app):
        servers.append(Server(app))
        return servers[-1]
    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def clock():
    """A clock for the app (CLOCK=clock) that the test moves: Friday 27 November 2026, 09:00
    UTC until then (tests/support/clock.py)."""
    return Clock()
