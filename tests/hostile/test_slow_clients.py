"""Slow clients (issue 11.5): the README's production set-up, gunicorn behind the nginx site
in deploy/nginx, keeps serving pages while hundreds of clients send their headers slowly."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.support.mail import self_signed_certificate
from tests.support.ports import free_port
from tests.support.servers import wait_for_port

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "mip-forms.conf"
NGINX = "/usr/sbin/nginx"


def nginx_config(tmp: Path, app_port: int, https_port: int, http_port: int) -> Path:
    """deploy/nginx/mip-forms.conf as it is, with this machine's ports, a test certificate and
    a main configuration that keeps every file nginx writes in `tmp`."""
    cert, key = self_signed_certificate(tmp)
    site = SITE.read_text()
    for real, test in (("127.0.0.1:8000", f"127.0.0.1:{app_port}"),
                       ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
                       ("listen [::]:443 ssl;", ""), ("listen [::]:80;", ""),
                       ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                       ("/etc/ssl/certs/forms.example.org.pem", str(cert)),
                       ("/etc/ssl/private/forms.example.org.key", str(key)),
                       ("/srv/mip-forms/static/", f"{ROOT}/static/")):
        assert real in site, real
        site = site.replace(real, test)
    (tmp / "site.conf").write_text(site)
    main = tmp / "nginx.conf"
    main.write_text(f"""
{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""")
    return main


@pytest.fixture
def production(tmp_path):
    """gunicorn as the README runs it, behind nginx with the deploy site: the HTTPS port."""
    if not os.path.exists(NGINX):
        pytest.fail("nginx is not installed: ./dev test installs nginx-light")
    app_port, https_port, http_port = free_port(), free_port(), free_port()
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
    config = nginx_config(tmp_path, app_port, https_port, http_port)
    checked = subprocess.run([NGINX, "-t", "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(config), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(app_port, process=gunicorn)
        wait_for_port(https_port, process=nginx)
        yield https_port
    finally:
        for process in (nginx, gunicorn):
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


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
