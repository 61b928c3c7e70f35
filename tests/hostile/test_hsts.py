"""Strict-Transport-Security: sent on every response served over TLS, whether the app ends
TLS itself (werkzeug with a certificate, gunicorn --certfile) or a trusted proxy in front of
it says so (TRUSTED_PROXIES with X-Forwarded-Proto: https), and never over plain HTTP or on
the word of a client that is not a trusted proxy. Real servers on 127.0.0.1, real TLS."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
import requests
from cryptography.fernet import Fernet

from tests.support.files import jpeg_bytes
from tests.support.ports import free_port
from tests.support.samples import fill_claim
from tests.support.servers import wait_for
from tests.support.http import RequestsMember as Member
from tests.support.pages import path_of
from tests.support.servers import ROOT
from tests.support.tls import ProxiedMember, TlsMember, tls_server

ONE_YEAR = 365 * 24 * 3600


def hsts(response) -> dict | None:
    """The Strict-Transport-Security header as {directive: value}, or None if absent."""
    value = response.headers.get("Strict-Transport-Security")
    if value is None:
        return None
    directives = {}
    for part in value.split(";"):
        name, _, arg = part.strip().partition("=")
        if name:
            directives[name.strip().lower()] = arg.strip().strip('"')
    return directives


def assert_hsts(response, what: str) -> None:
    found = hsts(response)
    assert found is not None, f"no Strict-Transport-Security on {what}"
    assert int(found["max-age"]) >= ONE_YEAR, (what, found)
    assert "includesubdomains" in found, (what, found)


def assert_no_hsts(response, what: str) -> None:
    assert "Strict-Transport-Security" not in response.headers, what


def every_kind_of_response(member) -> dict:
    """A page, a refused form, the redirects of a journey, the confirmation, downloads, a static file, a
    404 and a refused form: what a member's browser receives in a journey."""
    seen = {"home page": member.get("/"), "question page": member.get("/claim/member")}
    seen["step refused"] = member.post("/claim/member", {}, follow=False)
    fill_claim(member, receipts=(("receipt.jpg", jpeg_bytes((300, 400))),))
    seen["confirmation page"] = member.get("/claim/done")
    seen["packet PDF"] = member.get("/claim/done/packet.pdf")
    seen[".eml download"] = member.get("/claim/done/message.eml")
    seen["static stylesheet"] = member.get("/static/css/app.css")
    seen["404"] = member.get("/no/such/page")
    seen["400 (no form token)"] = member.http.post(member.url + "/claim/member", data={"x": "1"})
    return seen


def test_every_response_over_tls_carries_hsts(make_app, certificate):
    cert, key = certificate
    with tls_server(make_app(), cert, key) as url:
        member = TlsMember(url, cert)
        seen = every_kind_of_response(member)
        assert path_of(seen["confirmation page"]) == "/claim/done"
        assert seen["packet PDF"].content.startswith(b"%PDF")
        for what, response in seen.items():
            assert_hsts(response, what)


def test_plain_http_never_carries_hsts_even_when_the_client_claims_https(serve, make_app):
    member = serve(make_app()).member()  # TRUSTED_PROXIES=0: the default
    member.http.headers["X-Forwarded-Proto"] = "https"
    for what, response in every_kind_of_response(member).items():
        assert response.status_code < 500, what
        assert_no_hsts(response, what)
    # The cookie is not Secure either: the app did not believe the header.
    assert "secure" not in member.get("/claim/member").headers.get("Set-Cookie", "").lower()


@pytest.mark.parametrize("proxies, forwarded, expected", [
    (1, "https", True),           # the proxy ended TLS and said so
    (1, "http", False),           # the proxy was reached over plain HTTP
    (1, None, False),             # a proxy that says nothing: plain HTTP
    (1, "https, http", False),    # a client's "https", then the proxy's own "http"
    (1, "http, https", True),     # the proxy's own word is the last one
    (2, "https", False),          # two proxies must have spoken; one value is a client's
    (2, "https, http, http", False),  # a client's "https" before both proxies' "http"
    (2, "https, http", True),     # the outer proxy ended TLS, the inner one forwarded
])
def test_behind_trusted_proxies_hsts_follows_what_the_proxies_say(serve, make_app, proxies, forwarded,
                                                                  expected):
    member = ProxiedMember(serve(make_app(TRUSTED_PROXIES=proxies)).url, forwarded)
    seen = every_kind_of_response(member)
    assert path_of(seen["confirmation page"]) == "/claim/done"
    assert seen["packet PDF"].content.startswith(b"%PDF")
    for what, response in seen.items():
        if expected:
            assert_hsts(response, what)
        else:
            assert_no_hsts(response, what)


def test_gunicorn_serving_tls_itself_sends_hsts_and_believes_only_trusted_proxies(
        database_url, tmp_path, certificate):
    """The production server: with a certificate of its own (gunicorn --certfile), and over
    plain HTTP behind two trusted proxies. gunicorn by itself believes X-Forwarded-Proto from
    any client at 127.0.0.1; the app must not."""
    cert, key = certificate
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAIL_", "OUTBOX_", "DRAFT_", "SEND_LIMIT_"))
           and k not in ("DATABASE_URL", "SECRET_KEY", "TRUSTED_PROXIES")}
    env.update({"SECRET_KEY": "hsts-test", "DATABASE_URL": database_url, "MAIL_SERVER": "",
                "OUTBOX_DIR": str(tmp_path / "outbox"), "OUTBOX_POLL_SECONDS": "0",
                "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "PYTHONUNBUFFERED": "1"})
    processes = []

    def up(url):
        try:
            return requests.get(url + "/", timeout=5, verify=str(cert)).status_code == 200
        except requests.RequestException:
            return False
    try:
        urls = {}
        # One after the other: the first creates the tables (two at once could race on SQLite).
        for name, tls, proxies in (("tls", ["--certfile", str(cert), "--keyfile", str(key)], "0"),
                                   ("proxied", [], "2")):
            port = free_port()
            log = open(tmp_path / f"gunicorn-{name}.log", "wb")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}",
                 *tls, "--chdir", str(ROOT), "app:app"], env={**env, "TRUSTED_PROXIES": proxies},
                stdout=log, stderr=log))
            log.close()
            urls[name] = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
            assert wait_for(lambda: up(urls[name]), timeout=60), (tmp_path / f"gunicorn-{name}.log").read_text()

        secure = TlsMember(urls["tls"], cert)
        for path in ("/", "/claim/member", "/static/css/app.css", "/no/such/page"):
            assert_hsts(secure.get(path), path)
        response = secure.post("/claim/member", {}, follow=False)
        assert response.status_code == 200
        assert_hsts(response, "a refused step")

        proxied = Member(urls["proxied"])
        for forwarded in (None, "https", "http", "https, http, http"):  # none from both proxies
            headers = {"X-Forwarded-Proto": forwarded} if forwarded else {}
            for path in ("/", "/claim/member", "/static/css/app.css", "/no/such/page"):
                assert_no_hsts(proxied.get(path, headers=headers), (forwarded, path))
        headers = {"X-Forwarded-Proto": "https, http"}  # the outer proxy ended TLS
        for path in ("/", "/claim/member", "/static/css/app.css", "/no/such/page"):
            assert_hsts(proxied.get(path, headers=headers), path)
    finally:
        for process in processes:
            process.terminate()
            process.wait(15)


def test_an_upload_over_tls_is_answered_with_hsts(make_app, certificate):
    cert, key = certificate
    with tls_server(make_app(), cert, key) as url:
        member = TlsMember(url, cert)
        fill_claim(member, receipts=(), finish=False)
        response = member.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                                   "file": (io.BytesIO(jpeg_bytes((300, 400))), "r.jpg")},
                               follow=False)
        assert response.status_code == 303
        assert_hsts(response, "upload (303)")
