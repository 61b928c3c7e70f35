"""nginx in front of app processes, with the site in deploy/nginx/mip-forms.conf as it is
(only this machine's ports, a test certificate and files kept in the test's folder)."""
from __future__ import annotations

import contextlib
import os
import signal
import ssl
import subprocess
from pathlib import Path

import pytest

from tests.support.mail import self_signed_certificate
from tests.support.ports import free_port
from tests.support.servers import wait_for_port

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "mip-forms.conf"
NGINX = "/usr/sbin/nginx"


def nginx_config(tmp: Path, app_ports: list[int], https_port: int, http_port: int) -> Path:
    """deploy/nginx/mip-forms.conf as it is, with this machine's ports (its upstream: every
    one of `app_ports`), a test certificate and a main configuration that keeps every file
    nginx writes in `tmp`."""
    cert, key = self_signed_certificate(tmp)
    site = SITE.read_text()
    upstream = "; server ".join(f"127.0.0.1:{port}" for port in app_ports)
    for real, test in (("127.0.0.1:8000", upstream),
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


@contextlib.contextmanager
def nginx_in_front(tmp: Path, app_ports: list[int]):
    """nginx with the deploy site in front of `app_ports`, for the block: its HTTPS port."""
    if not os.path.exists(NGINX):
        pytest.fail("nginx is not installed: ./dev test installs nginx-light")
    https_port, http_port = free_port(), free_port()
    config = nginx_config(tmp, app_ports, https_port, http_port)
    checked = subprocess.run([NGINX, "-t", "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(config), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(https_port, process=nginx)
        yield https_port
    finally:
        stop_group(nginx)


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process's group (started with start_new_session), SIGKILL if it lingers."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def tls() -> ssl.SSLContext:
    """A client context that takes the test certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
