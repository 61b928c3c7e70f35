"""The hostile suite drives the app over real HTTP: a werkzeug server on 127.0.0.1 in a
thread, a `requests` session with cookies per member, HTML parsed with BeautifulSoup and
the CSRF token read from each form, mail received by aiosmtpd (tests/conftest.py)."""
from __future__ import annotations

import io
import re
import socket
import threading

import pytest
import requests
from bs4 import BeautifulSoup
from pypdf import PdfReader
from werkzeug.serving import make_server

TIMEOUT = 60  # seconds: no request should come near it; a hang fails instead of blocking


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf_of(response) -> str:
    field = parse(response).find("input", {"name": "csrf_token"})
    return field["value"] if field else ""


def heading(response) -> str:
    return parse(response).h1.get_text(" ", strip=True)


def summary(response) -> list[str]:
    """The error summary's messages, in order."""
    return [a.get_text(" ", strip=True) for a in parse(response).select(".error-summary a")]


def field_error(response, field_id: str) -> str:
    """The message printed next to a field (without the visually hidden "Error:")."""
    found = parse(response).find(id=f"{field_id}-error")
    return found.get_text(" ", strip=True).removeprefix("Error:").strip() if found else ""


def listed(response) -> list[str]:
    return [" ".join(li.select_one(".item-text").get_text().split()) for li in parse(response).select(".item")]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def path_of(response) -> str:
    return requests.utils.urlparse(response.url).path


class Member:
    """One member's browser without JavaScript, over real HTTP: a cookie jar, forms posted
    with the CSRF token of the page they were on, redirects followed.

    `post` takes the same arguments as tests.conftest.Browserless, so fill_claim and
    fill_guarantee drive a real server too: a (file object, name) value becomes a file part."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()

    def get(self, path, follow=True, **kw):
        return self.http.get(self.url + path, allow_redirects=follow, timeout=TIMEOUT, **kw)

    def token(self, path) -> str:
        return csrf_of(self.get(path))

    def post(self, path, data=None, follow=True, token_from=None, content_type=None, token=None,
             timeout=TIMEOUT, **kw):
        fields, files = [], []
        for name, value in dict(data or {}).items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, tuple):
                    stream, filename = v
                    files.append((name, (filename, stream.read())))
                else:
                    fields.append((name, v))
        if not any(name == "csrf_token" for name, _ in fields):
            fields.append(("csrf_token", token if token is not None else self.token(token_from or path)))
        return self.http.post(self.url + path, data=fields, files=files or None,
                              allow_redirects=follow, timeout=timeout, **kw)

    @property
    def draft(self) -> str | None:
        return self.http.cookies.get("draft")


class Server:
    def __init__(self, app):
        self.app = app
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.httpd.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        # Polls for shutdown() every 50 ms: at werkzeug's default 0.5 s, stop() waited ~0.5 s.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def member(self) -> Member:
        return Member(self.url)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


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
def site(serve, mail_app):
    """The app with a real mail server (aiosmtpd, tests.conftest.smtp_server) behind it."""
    return serve(mail_app)


@pytest.fixture
def member(site):
    return site.member()


@pytest.fixture
def listener():
    """A TCP listener started by the test: (port, connections seen)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    seen = []
    stop = threading.Event()

    def run():
        while not stop.is_set():
            try:
                conn, address = server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                seen.append(conn.recv(4096))
            except OSError:
                seen.append(b"")
            conn.close()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()
