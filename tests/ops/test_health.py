"""/healthz and /readyz (issue 16.2) over a real HTTP server: what a load balancer and an
operator read, with the database down and with mail stuck in the outbox."""
from __future__ import annotations

import pytest
import requests

from tests.support.apps import settings
from tests.support.clock import Clock
from tests.support.http import LiveClient
from tests.support.mail import SENDER, closed_port
from tests.support.outage import cuttable
from tests.support.samples import fill_claim, send
from tests.support.servers import live
from tests.support.web import Browserless
from app import create_app


@pytest.fixture
def outage(database_url, tmp_path):
    """(server, cut): an app as in production (not testing) on a database the test can take
    away; with a stopped clock, and mail to a server that never answers (it stays queued)."""
    with cuttable(database_url) as (url, cut):
        clock = Clock()
        app = create_app(settings(url, tmp_path, TESTING=False, CLOCK=clock,
                                  MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_TIMEOUT=2,
                                  MAIL_DEFAULT_SENDER=SENDER, OUTBOX_POLL_SECONDS=0,
                                  READY_OUTBOX_MAX_AGE_SECONDS=600))
        with live(app) as server:
            server.clock = clock
            yield server, cut
        app.extensions["store"].engine.dispose()


def probe(server, path: str, cookie: str = "") -> requests.Response:
    response = requests.get(server.url + path, timeout=60,
                            headers={"Cookie": f"draft={cookie}"} if cookie else {})
    assert response.headers["Content-Type"] == "application/json"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    return response


def test_both_answer_in_json_without_a_cookie_when_all_is_well(outage):
    server, _cut = outage
    member = LiveClient(server.url)
    member.get("/claim/member")  # a member with a draft: the probes do not touch it
    draft = member.cookies["draft"]
    alive = probe(server, "/healthz", draft)
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    ready = probe(server, "/readyz", draft)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "failed": [],
                            "checks": {"database": "ok", "renderer": "ok", "outbox": "ok"}}


def test_with_the_database_down_readyz_says_so_and_healthz_still_answers(outage):
    server, cut = outage
    member = LiveClient(server.url)
    member.get("/claim/member")
    cut(server.app)
    ready = probe(server, "/readyz", member.cookies["draft"])
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "failed": ["database"],
                            "checks": {"database": "failed", "renderer": "ok", "outbox": "unknown"}}
    # No error text, no database name or path: only which check failed.
    assert len(ready.content) < 200 and "sqlite" not in ready.text.lower() and "Error" not in ready.text
    # Alive touches nothing, the draft (whose reading needs the database) included.
    alive = probe(server, "/healthz", member.cookies["draft"])
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    assert member.get("/claim/member").status_code == 503  # the pages do need it


def test_mail_queued_longer_than_the_threshold_makes_readyz_fail(outage):
    server, _cut = outage
    web = Browserless(LiveClient(server.url))
    fill_claim(web)
    send(web)  # the mail server refuses connections: the message stays queued
    server.clock.advance(seconds=599)
    assert probe(server, "/readyz").status_code == 200  # queued, but not for long yet
    server.clock.advance(seconds=2)
    ready = probe(server, "/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "failed": ["outbox"],
                            "checks": {"database": "ok", "renderer": "ok", "outbox": "failed"}}
    assert probe(server, "/healthz").status_code == 200
