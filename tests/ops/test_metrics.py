"""/metrics (issue 16.3) over a real server: reachable only with the token, and counting a
journey, a refused upload and a rate-limit refusal, with nothing typed in any label."""
from __future__ import annotations

import io

import pytest
import requests
from cryptography.fernet import Fernet

from tests.support.files import jpeg_bytes
from tests.support.http import LiveClient
from tests.support.mail import SENDER
from tests.support.samples import CLAIM, EXPENSES, MEMBER, TREATMENT, fill_claim, send
from tests.support.ports import free_port
from tests.support.scrape import TOKEN, moved, scrape, total
from tests.support.servers import gunicorn_processes, live, wait_for
from tests.support.web import Browserless


def test_without_a_token_configured_there_is_no_metrics_page(make_app):
    with live(make_app()) as server:
        response = requests.get(server.url + "/metrics", headers={"Authorization": "Bearer x"}, timeout=60)
    assert response.status_code == 404 and "mip_" not in response.text


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer"])
def test_a_missing_or_wrong_token_gets_401_and_nothing_else(make_app, authorization):
    with live(make_app(METRICS_TOKEN=TOKEN)) as server:
        response = requests.get(server.url + "/metrics", timeout=60,
                                headers={"Authorization": authorization} if authorization else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert response.text == "unauthorized\n" and "Set-Cookie" not in response.headers


def upload(web, name: str, content: bytes):
    return web.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                        "file": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")


def test_a_journey_moves_the_counters_and_no_label_holds_what_was_typed(make_app, smtp_server):
    app = make_app(METRICS_TOKEN=TOKEN, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                   MAIL_DEFAULT_SENDER=SENDER, UPLOAD_LIMIT_FILES_PER_ADDRESS=2)
    with live(app) as server:
        before = scrape(server.url)
        member = Browserless(LiveClient(server.url))
        fill_claim(member)  # one receipt: the address's first file
        assert member.get("/claim/done/packet.pdf").headers["Content-Type"] == "application/pdf"
        send(member)
        other = Browserless(LiveClient(server.url))
        for step in ("member", "patient", "treatment"):
            other.post(f"/claim/{step}", CLAIM[step])
        for line in EXPENSES:
            other.post("/claim/expenses/new", line)
        other.post("/claim/expenses", {})
        for step in ("payment", "bank", "bank-iban"):
            other.post(f"/claim/{step}", CLAIM[step])
        assert "must be a PDF, JPG, PNG or HEIC" in upload(other, "notes.txt", b"plain text").get_data(as_text=True)
        assert "only so many files" in upload(other, "receipt.jpg", jpeg_bytes()).get_data(as_text=True)
        after = scrape(server.url)
    assert len(smtp_server.messages) == 1

    assert moved(before, after, "mip_http_requests_total", method="POST", route="/<journey>/<step>",
                 status="303") >= 8
    assert moved(before, after, "mip_http_requests_total", method="GET", route="/<journey>/done",
                 status="200") >= 1
    assert moved(before, after, "mip_http_request_duration_seconds_count", route="/<journey>/<step>") >= 8
    assert moved(before, after, "mip_pdf_renders_total", template="claim/packet.html") == 1
    assert moved(before, after, "mip_pdf_render_duration_seconds_count", template="claim/packet.html") == 1
    assert moved(before, after, "mip_pdf_render_failures_total") == 0
    assert moved(before, after, "mip_mail_queued_total", purpose="send") == 1
    assert moved(before, after, "mip_mail_attempts_total", outcome="sent") == 1
    assert moved(before, after, "mip_mail_attempts_total", outcome="failed") == 0
    assert moved(before, after, "mip_uploads_refused_total", reason="not_pdf_or_image") == 1
    assert moved(before, after, "mip_uploads_refused_total", reason="rate_limited") == 1
    assert moved(before, after, "mip_rate_limit_refusals_total", limit="upload_files_per_address") == 1

    typed = [v for page in (MEMBER, TREATMENT, *EXPENSES, CLAIM["bank"], CLAIM["bank-iban"])
             for v in page.values() if isinstance(v, str) and len(v) > 3]
    typed += ["notes.txt", "receipt.jpg", "/claim/member", "/claim/receipts", TOKEN]
    labels = {value for _name, found, _v in after for value in found.values()}
    for value in labels:
        assert not any(t.lower() in value.lower() for t in typed), value
    routes = {found["route"] for name, found, _v in after if "route" in found}
    assert all(r == "unmatched" or r.startswith("/") and "<" in r or r in ("/", "/contact", "/metrics",
               "/delete", "/deleted", "/healthz", "/readyz") for r in routes), routes


def test_metrics_bind_serves_the_added_up_counts_on_an_address_of_its_own(database_url, tmp_path):
    """METRICS_BIND (gunicorn.conf.py): gunicorn's master serves every worker's counts on a
    private address, without a token; the app's own port still has no /metrics."""
    (tmp_path / "metrics").mkdir()
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "bind", "DATABASE_URL": database_url,
           "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "OUTBOX_DIR": str(tmp_path / "outbox"),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "METRICS_BIND": f"127.0.0.1:{port}"}
    with gunicorn_processes(env, tmp_path, names="A") as (url,):
        for _ in range(3):
            assert requests.get(url + "/contact", timeout=60).status_code == 200
        assert requests.get(url + "/metrics", timeout=60).status_code == 404
        contact = lambda: total(scrape(f"http://127.0.0.1:{port}", token=""), "mip_http_requests_total",
                                route="/contact", status="200")
        # A request's count is written after its response has gone.
        assert wait_for(lambda: contact() == 3, timeout=30), contact()
