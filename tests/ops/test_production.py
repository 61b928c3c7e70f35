"""Done when (issue 16): two gunicorn processes behind the tested nginx site serve a whole
claim, and /metrics counts it: requests added up over both processes, the packet rendered,
the mail sent to a real SMTP server. On the run's database (SQLite, then PostgreSQL)."""
from __future__ import annotations

import pytest
import requests
from cryptography.fernet import Fernet

from tests.support.production import nginx_in_front
from tests.support.pages import csrf_of
from tests.support.mail import SENDER
from tests.support.samples import fill_claim, send
from tests.support.scrape import TOKEN, moved, scrape, total
from tests.support.servers import gunicorn_processes, wait_for

# nginx has the test's self-signed certificate.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


class Counted(requests.Session):
    """A member's browser over HTTPS through nginx, counting the requests it makes."""

    def __init__(self, base: str):
        super().__init__()
        self.base, self.verify, self.made = base, False, 0
        # What a browser says of a form sent from the site's own page (checked over TLS).
        self.headers["Sec-Fetch-Site"] = "same-origin"

    def request(self, method, url, *args, **kw):
        kw.setdefault("timeout", 120)
        kw.setdefault("verify", False)  # the test certificate (REQUESTS_CA_BUNDLE would win over self.verify)
        return super().request(method, url if url.startswith("http") else self.base + url, *args, **kw)

    def send(self, prepared, **kw):  # every request, redirects followed included
        self.made += 1
        return super().send(prepared, **kw)

    def post(self, path, data=None, follow=True, token_from=None, content_type=None, **kw):
        fields, files = [], []
        for name, value in dict(data or {}).items():
            if isinstance(value, tuple):
                files.append((name, (value[1], value[0].read())))
            else:
                fields.append((name, value))
        if not any(n == "csrf_token" for n, _ in fields):
            fields.append(("csrf_token", csrf_of(self.get(token_from or path))))
        return super().post(path, data=fields, files=files or None, allow_redirects=follow)


def test_two_gunicorn_processes_behind_nginx_serve_a_claim_and_metrics_count_it(
        database_url, tmp_path, smtp_server):
    (tmp_path / "metrics").mkdir()
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "production", "DATABASE_URL": database_url,
           "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "TRUSTED_PROXIES": "1",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server.port),
           "MAIL_DEFAULT_SENDER": SENDER, "OUTBOX_DIR": str(tmp_path / "outbox"),
           "METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    with gunicorn_processes(env, tmp_path, threads=8) as (a, b):
        ports = [int(url.rsplit(":", 1)[1]) for url in (a, b)]
        with nginx_in_front(tmp_path, ports) as https:
            site = f"https://127.0.0.1:{https}"
            before = scrape(site, verify=False)
            member = Counted(site)
            fill_claim(member)
            packet = member.get("/claim/done/packet.pdf")
            assert packet.headers["Content-Type"] == "application/pdf"
            assert "Sent." in send(member).text
            # A request is counted once its response has gone: the last one may be just after.
            wait_for(lambda: journey(scrape(site, verify=False)) - journey(before) >= member.made)
            after = scrape(site, verify=False)
            # Each process adds up both processes' counts: the same totals, whichever is asked.
            direct = [scrape(url) for url in (a, b)]
    assert len(smtp_server.messages) == 1
    # Every request the member made, counted once, whichever process served it.
    assert journey(after) - journey(before) == member.made
    assert journey(direct[0]) == journey(direct[1]) == journey(after)
    assert len(_pids(tmp_path / "metrics")) >= 2  # both processes served and wrote counts
    assert moved(before, after, "mip_pdf_renders_total", template="claim/packet.html") == 1
    assert moved(before, after, "mip_mail_queued_total") == 1
    assert moved(before, after, "mip_mail_attempts_total", outcome="sent") == 1
    assert total(after, "mip_pdf_render_failures_total") == 0


def journey(samples) -> float:
    """Requests counted, the scrapes themselves left out."""
    return sum(value for name, labels, value in samples
               if name == "mip_http_requests_total" and labels["route"] != "/metrics")


def _pids(folder):
    return {path.stem.rsplit("_", 1)[-1] for path in folder.glob("counter_*.db")}
