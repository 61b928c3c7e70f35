"""Slow clients (issue 11.5): the README's production set-up, gunicorn behind the nginx site
in deploy/nginx, keeps serving pages while hundreds of clients send their headers slowly."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.support.nginx import nginx_in_front, stop_group, tls
from tests.support.ports import free_port
from tests.support.servers import wait_for_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(tmp_path):
    """gunicorn as the README runs it, behind nginx with the deploy site: the HTTPS port."""
    app_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "OUTBOX_", "DRAFT_"))}
    # SQLite in both runs: this test is about connections, and PostgreSQL schemas are made
    # per test for apps in this process.
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'drafts.sqlite3'}",
               SECRET_KEY="slow-secret", DRAFT_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
               OUTBOX_DIR=str(tmp_path / "outbox"), TRUSTED_PROXIES="1", MAIL_SERVER="")
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--preload", "-w", "2", "--threads", "32",
         "-b", f"127.0.0.1:{app_port}", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(app_port, process=gunicorn)
        with nginx_in_front(tmp_path, [app_port]) as https_port:
            yield https_port
    finally:
        stop_group(gunicorn)


def page(port: int, path: str = "/contact") -> http.client.HTTPResponse:
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=60, context=tls())
    connection.request("GET", path)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_pages_are_served_while_hundreds_of_clients_send_headers_slowly(production):
    assert page(production).status == 200
    slow = []
    try:
        for _ in range(300):  # far more than gunicorn's 64 threads
            sock = tls().wrap_socket(socket.create_connection(("127.0.0.1", production), 10))
            sock.sendall(b"GET /contact HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(sock)
        for _ in range(5):  # a member's pages, while all of them still hang
            response = page(production)
            assert response.status == 200 and b"Contact" in response.body
    finally:
        for sock in slow:
            sock.close()


def test_the_app_sees_the_member_not_the_proxy(production):
    """With TRUSTED_PROXIES=1 behind this nginx, the cookie is Secure (the member came over
    TLS) even though nginx speaks plain HTTP to the app."""
    response = page(production, "/claim/member")
    cookie = response.getheader("Set-Cookie") or ""
    assert "draft=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
