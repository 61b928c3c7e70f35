"""Helpers for the fault and defence tests: an HTTP client for a real server (cookies,
redirects, multipart uploads), the app as a separate process, an in-process live server,
SMTP servers that misbehave on purpose, and a self-signed certificate."""
from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import ipaddress
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.datastructures import Headers
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from tests.conftest import Inbox, free_port

ROOT = Path(__file__).resolve().parents[2]


# --- HTTP over a real socket ---------------------------------------------------------------------

class LiveResponse:
    """The parts of a Werkzeug test response the tests read."""

    def __init__(self, status: int, headers: Headers, data: bytes, path: str):
        self.status_code = status
        self.headers = headers
        self.data = data
        self.request = SimpleNamespace(path=urlsplit(path).path)

    def get_data(self, as_text: bool = False):
        return self.data.decode("utf-8") if as_text else self.data

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @property
    def mimetype(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()


class LiveClient:
    """A browser-like client for a server on 127.0.0.1: keeps cookies, follows redirects,
    encodes forms and files like a browser. Same call shape as Flask's test client, so
    tests.conftest.Browserless and fill_claim drive it unchanged."""

    def __init__(self, base_url: str, timeout: float = 120, headers: dict | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.extra_headers = dict(headers or {})
        self.set_cookie_headers: list[str] = []  # every Set-Cookie seen, for the cookie tests

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: dict | None = None) -> LiveResponse:
        parts = urlsplit(urljoin(self.base_url + "/", url))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        all_headers = dict(self.extra_headers)
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=all_headers)
            raw = conn.getresponse()
            data = raw.read()
            headers_out = Headers(list(raw.getheaders()))
        finally:
            conn.close()
        for value in headers_out.getlist("Set-Cookie"):
            self.set_cookie_headers.append(value)
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                gone = morsel["max-age"] in ("0", "-1") or (
                    morsel["expires"] and "1970" in morsel["expires"])
                if gone or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return LiveResponse(raw.status, headers_out, data, path)

    def _follow(self, response: LiveResponse, follow: bool) -> LiveResponse:
        hops = 0
        while follow and response.status_code in (301, 302, 303, 307, 308) and hops < 10:
            response = self.request("GET", response.location)
            hops += 1
        return response

    def get(self, url: str, follow_redirects: bool = False, headers: dict | None = None):
        return self._follow(self.request("GET", url, headers=headers), follow_redirects)

    def post(self, url: str, data=None, follow_redirects: bool = False, content_type=None,
             headers: dict | None = None):
        builder = EnvironBuilder(method="POST", data=data or {}, content_type=content_type)
        try:
            environ = builder.get_environ()
            body = environ["wsgi.input"].read()
            sent = {"Content-Type": environ.get("CONTENT_TYPE", "application/x-www-form-urlencoded")}
        finally:
            builder.close()
        sent.update(headers or {})
        return self._follow(self.request("POST", url, body=body, headers=sent), follow_redirects)

    def open(self, url: str, method: str = "GET", **kw):
        return self.request(method, url, **kw)


def wait_for_port(port: int, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the app process exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


# --- the app as its own process ------------------------------------------------------------------

class AppProcess:
    """`flask --app app run` in a subprocess, configured only through the environment, as
    in production. Output goes to a log file the tests can read."""

    def __init__(self, env: dict, log_path: Path, port: int | None = None):
        self.env = {k: str(v) for k, v in env.items()}
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "AppProcess":
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MAIL_", "OUTBOX_", "DRAFT_", "SEND_LIMIT_"))
               and k not in ("DATABASE_URL", "SECRET_KEY", "TRUSTED_PROXIES")}
        env.update(self.env)
        env["PYTHONUNBUFFERED"] = "1"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1",
             "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for_port(self.port, process=self.process)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up, no atexit, no flushing: what a crash or an OOM kill does."""
        if self.process and self.process.poll() is None:
            left = descendants(self.process.pid)
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            end_leftovers(left)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            left = descendants(self.process.pid)
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
            end_leftovers(left)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _process_table() -> dict[int, tuple[int, str]]:
    """pid: (parent pid, start time) of every process, from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            table[int(entry)] = (int(fields[1]), fields[19])
    return table


def descendants(pid: int) -> list[tuple[int, str]]:
    """The processes below `pid`, as (pid, start time)."""
    table = _process_table()
    found, parents = [], [pid]
    while parents:
        parent = parents.pop()
        for child, (ppid, started) in table.items():
            if ppid == parent:
                found.append((child, started))
                parents.append(child)
    return found


def end_leftovers(processes: list[tuple[int, str]]) -> None:
    """An app process ended by a signal leaves its PDF renderer running, with the renderer's
    fork server and resource tracker (see STACK-NOTES): kill those it had, so no test leaves
    processes behind. The start time tells a leftover from a new process given its pid."""
    table = _process_table()
    for pid, started in processes:
        if pid in table and table[pid][1] == started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def flask_cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run `flask --app app <args>` as its own process (what cron would run)."""
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("MAIL_", "OUTBOX_", "DRAFT_", "SEND_LIMIT_"))
            and k not in ("DATABASE_URL", "SECRET_KEY")}
    full.update({k: str(v) for k, v in env.items()})
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=full, capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def live(app):
    """An in-process real HTTP server for `app` (werkzeug's, threaded)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Polls for shutdown() every 50 ms: at werkzeug's default 0.5 s, each teardown waited ~0.5 s.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# --- SMTP servers ------------------------------------------------------------------------------

class CountingInbox(Inbox):
    """The test inbox, also counting every DATA it was offered (accepted or not)."""

    def __init__(self, reply: str | None = None):
        super().__init__()
        self.reply = reply  # e.g. "451 4.3.0 Try again later": refuse every message so
        self.offered = 0

    async def handle_DATA(self, server, session, envelope):
        self.offered += 1
        if self.reply:
            return self.reply
        return await super().handle_DATA(server, session, envelope)


@contextlib.contextmanager
def smtp(handler=None, port: int | None = None, **kwargs):
    """An aiosmtpd server on 127.0.0.1 for the duration of the block."""
    handler = handler or CountingInbox()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    handler.port = port
    try:
        yield handler
    finally:
        controller.stop()


def closed_port() -> int:
    """A port nothing listens on: connections to it are refused."""
    return free_port()


@contextlib.contextmanager
def silent_server():
    """Accepts TCP connections (the kernel completes the handshake) and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost signed by its own key: (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


# --- what every response carries -------------------------------------------------------------------

def csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response, what: str, no_store: bool):
    h = response.headers
    csp = csp_directives(h.get("Content-Security-Policy", ""))
    assert csp.get("default-src") == ["'self'"], what
    assert csp.get("frame-ancestors") == ["'none'"], what
    for directive, sources in csp.items():  # nothing but the app itself, anywhere
        assert set(sources) <= {"'self'", "'none'"}, (what, directive, sources)
    assert h.get("X-Content-Type-Options") == "nosniff", what
    assert h.get("Referrer-Policy") == "no-referrer", what
    if no_store:
        assert "no-store" in h.get("Cache-Control", ""), what


# --- the database from outside the app -------------------------------------------------------------

def app_rows(app, sql: str) -> list[tuple]:
    """Rows straight from the app's database (whichever it is), as an operator would read them."""
    from sqlalchemy import text
    with app.extensions["drafts"].engine.connect() as db:
        return [tuple(row) for row in db.execute(text(sql))]


def sqlite_rows(path: Path, sql: str, *params) -> list[tuple]:
    """Read the app's SQLite file directly, as an operator (or an auditor) would."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql, params).fetchall()
