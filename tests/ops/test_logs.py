"""Log lines and request ids (issue 16.4): a real app process (gunicorn with the project's
gunicorn.conf.py) serves a claim typed with sentinel values; every line it writes is JSON,
each request has its line, the mail has its event, and no sentinel is anywhere."""
from __future__ import annotations

import io
import json
import logging

import pytest

from tests.support.files import jpeg_bytes
from tests.support.http import HttpMember, LiveClient
from tests.support.mail import SENDER, CountingInbox, smtp
from tests.support.pages import parse
from tests.support.samples import CLAIM, fill_claim, send
from tests.support.servers import gunicorn_processes, live, logged_gunicorn_env, wait_for
from tests.support.web import Browserless
from workflows.telemetry import reference_hash

SENTINEL = "qzxsentinel"
ANSWERS = {
    "member": dict(CLAIM["member"], full_name=f"Zoë {SENTINEL.title()}", email=f"{SENTINEL}@example.org",
                   address=f"12 {SENTINEL.title()} Road\n1000 Brussels"),
    "treatment": dict(CLAIM["treatment"], reason=f"{SENTINEL} molar abscess"),
    "bank": dict(CLAIM["bank"], holder=f"Zoë {SENTINEL.title()}"),
    "check": dict(CLAIM["check"], signature=f"Zoë {SENTINEL.title()}"),
}


def request_id_on_page(reply) -> str:
    return parse(reply).select_one(".request-id").get_text(" ", strip=True).rsplit(" ", 1)[-1]


def test_every_line_is_json_with_a_line_per_request_and_the_mail_event(database_url, tmp_path, smtp_server):
    env = logged_gunicorn_env(database_url, tmp_path / "outbox", smtp_server.port)
    with gunicorn_processes(env, tmp_path, names="A", threads=4) as (url,):
        member = HttpMember(url)
        fill_claim(member, answers=ANSWERS)
        reference = parse(member.get("/claim/done")).select_one(".ref").get_text(strip=True)
        send(member)
        # A page that is not there, with a query string and a made-up request id (no proxy is
        # trusted here, so the app makes its own).
        missing = member.request("GET", f"/claim/{SENTINEL}/x?note={SENTINEL}",
                                 headers={"X-Request-ID": "made-up-by-the-client"})
    assert len(smtp_server.messages) == 1
    log = (tmp_path / "gunicorn-A.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line is JSON
    assert SENTINEL not in log.lower() and "Zoë" not in log and "BE71" not in log and "GEBABEBB" not in log

    requests = {line["request_id"]: line for line in lines if line["logger"] == "mip.request"}
    for reply in member.replies:
        line = requests[reply.headers["X-Request-ID"]]
        assert set(line) == {"time", "level", "logger", "message", "request_id", "method", "route",
                             "status", "duration_ms"}
        assert line["status"] == reply.status_code and line["route"].startswith("/")
        assert "?" not in line["route"] and line["duration_ms"] >= 0
    routes = {(line["method"], line["route"], line["status"]) for line in requests.values()}
    assert {("POST", "/<journey>/<step>", 303), ("POST", "/<journey>/done/send", 303),
            ("GET", "/<journey>/done", 200)} <= routes

    (sent,) = [line for line in lines if line.get("event") == "mail_sent"]
    assert sent["reference_hash"] == reference_hash("log-secret", reference) and reference not in log
    send_post = next(r for r in member.replies if r.path == "/claim/done/send" and r.status_code == 303)
    assert sent["request_id"] == send_post.headers["X-Request-ID"]

    rid = missing.headers["X-Request-ID"]
    assert missing.status_code == 404 and rid != "made-up-by-the-client"
    assert request_id_on_page(missing) == rid
    assert requests[rid]["status"] == 404 and requests[rid]["route"] == "/<journey>/<step>/<index>"


def ids_match(reply, caplog, status: int) -> None:
    """The page shows the id of the header, and the request's log line carries it."""
    rid = reply.headers["X-Request-ID"]
    assert reply.status_code == status and request_id_on_page(reply) == rid
    # Written once the response has gone, which may be just after the client has read it.
    def lines():
        return [r for r in caplog.records if r.name == "mip.request" and r.request_id == rid]
    wait_for(lines)
    (line,) = lines()
    assert line.fields["status"] == status


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.INFO, logger="mip")
    return caplog


def test_error_pages_show_the_request_id_of_the_header_and_the_log_line(make_app, logged):
    with smtp(CountingInbox(reply="550 5.7.1 Refused")) as refusing:
        app = make_app(MAX_UPLOAD_MB=1, SEND_LIMIT_PER_DRAFT=1, MAIL_SERVER="127.0.0.1",
                       MAIL_PORT=refusing.port, MAIL_DEFAULT_SENDER=SENDER)
        with live(app) as server:
            client = LiveClient(server.url)
            web = Browserless(client)
            ids_match(client.get("/nowhere/at/all"), logged, 404)
            ids_match(client.post("/claim/member", data=dict(CLAIM["member"])), logged, 400)  # no CSRF token
            fill_claim(web)
            ids_match(web.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                                   "file": (io.BytesIO(jpeg_bytes() + b"\0" * 2_000_000), "big.jpg")},
                               content_type="multipart/form-data", follow=False), logged, 413)
            send(web)  # refused for good by the server: "failed", may be sent again
            ids_match(send(web), logged, 429)  # the second try is over the draft's limit


def test_the_render_timeout_page_shows_the_request_id(make_app, logged):
    app = make_app(RENDER_TIME_LIMIT_SECONDS=0.01)
    with live(app) as server:
        web = Browserless(LiveClient(server.url))
        fill_claim(web)
        ids_match(web.get("/claim/done/packet.pdf"), logged, 503)


def test_a_proxy_s_request_id_is_taken_only_when_proxies_are_trusted(make_app):
    for trusted, sent, kept in ((0, "abcdef0123456789", False), (1, "abcdef0123456789", True),
                                (1, "bad id;<script>", False), (1, "short", False)):
        with live(make_app(TRUSTED_PROXIES=trusted)) as server:
            reply = LiveClient(server.url).get("/contact", headers={"X-Request-ID": sent})
        rid = reply.headers["X-Request-ID"]
        assert (rid == sent) is kept and len(rid) >= 8
