"""Shared fixtures: a real app on a temporary database (a SQLite file, or with
TEST_DATABASE_URL a PostgreSQL schema of its own), a real SMTP server (aiosmtpd on
127.0.0.1), a live HTTP server and headless Chromium (Playwright)."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.client
import io
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from app import create_app
from workflows import clock


# Ports for servers a test starts on a port of its choosing (aiosmtpd cannot take port 0, an
# app process is told its port) and for "a port nothing listens on". Asking the kernel for a
# free port and closing it again leaves a gap in which another test process (an xdist worker,
# the other database's run, another checkout's run) could get the same one. So each test
# process holds one block of ports of its own, below the kernel's range for port 0 and
# outgoing connections (32768 up on Linux), and takes them in turn, skipping any in use.
PORT_RANGE = (20000, 32000)
PORT_BLOCK = 200
_ports = {"block": None, "taken": 0, "lock": None}
_ports_mutex = threading.Lock()


def _claim_port_block() -> range:
    """The first block of ports no other process holds, held (by an flock on a file named
    for it) until this process exits."""
    import contextlib
    import fcntl
    import tempfile
    from pathlib import Path
    folder = Path(tempfile.gettempdir()) / "mip-test-ports"
    if not folder.exists():
        folder.mkdir(exist_ok=True)
        with contextlib.suppress(OSError):
            folder.chmod(0o1777)  # /tmp-like: every user's test runs share the blocks
    for start in range(*PORT_RANGE, PORT_BLOCK):
        fd = os.open(folder / f"{start}.lock", os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _ports["lock"] = fd  # kept open: the lock goes when the process does
        return range(start, start + PORT_BLOCK)
    raise RuntimeError(f"every block of ports in {PORT_RANGE} is held by another test process")


def free_port() -> int:
    with _ports_mutex:
        if _ports["block"] is None:
            _ports["block"] = _claim_port_block()
        for _ in range(PORT_BLOCK):
            port = _ports["block"][_ports["taken"] % PORT_BLOCK]
            _ports["taken"] += 1
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue  # still in use (or lingering) from an earlier test
                return port
    raise RuntimeError("no free port left in this test process's block")


# `./dev test` runs the suite twice: on SQLite, then with TEST_DATABASE_URL pointing at a
# throwaway PostgreSQL database, where each test gets a schema of its own.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def postgres_admin():
    engine = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def database_url(request, tmp_path):
    """The test's own empty database, for every app it creates (in this process or others)."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'drafts.sqlite3'}"
        return
    admin, schema = request.getfixturevalue("postgres_admin"), f"test_{secrets.token_hex(6)}"
    with admin.connect() as db:
        db.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(TEST_DATABASE_URL)
    yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    with admin.connect() as db:  # a connection still open would block the drop: fail instead
        db.execute(text("SET lock_timeout = '10s'"))
        db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def make_app(tmp_path, database_url):
    made = []

    def factory(**config):
        settings = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "OUTBOX_DIR": str(tmp_path / "outbox"),
            "MAIL_SERVER": "",
        }
        settings.update(config)
        made.append(create_app(settings))
        return made[-1]
    yield factory
    for app in made:  # close pooled connections (PostgreSQL counts them)
        app.extensions["drafts"].engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def validate(app):
    """Validate a form on posted data: (ok, {field: first message}, form)."""
    from werkzeug.datastructures import MultiDict

    def run(form_class, data, answers=None):
        with app.test_request_context():
            form = form_class(formdata=MultiDict(data), meta={"csrf": False})
            form.answers = answers or {}
            ok = form.validate()
            return ok, {name: errors[0] for name, errors in form.errors.items()}, form
    return run


# --- HTML helpers ------------------------------------------------------------------------------

def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csrf_of(response) -> str:
    field = parse(response).find("input", {"name": "csrf_token"})
    return field["value"] if field else ""


class Browserless:
    """Drives the app through its HTML like a browser without JavaScript: reads the
    CSRF token from the page it was given and follows redirects."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, follow_redirects=kw.pop("follow", True), **kw)

    def post(self, url, data=None, follow=True, token_from=None, **kw):
        page = self.client.get(token_from or url, follow_redirects=True)
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_of(page))
        return self.client.post(url, data=data, follow_redirects=follow, **kw)


@pytest.fixture
def web(client):
    return Browserless(client)


@dataclass
class Reply:
    status_code: int
    path: str  # of the request that gave this reply (the last one when redirects were followed)
    headers: dict
    data: bytes
    server: str  # base URL of the process that answered

    def get_data(self, as_text=False):
        return self.data.decode() if as_text else self.data


class HttpMember:
    """Browserless's twin over real HTTP (same get/post, so fill_claim drives it): one
    member's browser without JavaScript, with its draft cookie. Requests go to `servers` in
    turn, so with two app processes every other request is answered by the other one;
    `via=` picks one. Another tab of the same member: HttpMember(..., cookie=m.cookie)."""

    def __init__(self, *servers, cookie=""):
        self.servers, self.turn, self.cookie = list(servers), 0, cookie
        self.replies: list[Reply] = []

    def request(self, method, path, body=b"", headers=None, via=None) -> Reply:
        if via is None:
            via, self.turn = self.servers[self.turn % len(self.servers)], self.turn + 1
        conn = http.client.HTTPConnection(urlsplit(via).netloc, timeout=60)
        try:
            conn.request(method, path, body=body, headers={
                **({"Cookie": f"draft={self.cookie}"} if self.cookie else {}), **(headers or {})})
            r = conn.getresponse()
            reply = Reply(r.status, path, dict(r.getheaders()), r.read(), via)
            for header in r.msg.get_all("Set-Cookie") or []:
                morsel = SimpleCookie(header).get("draft")
                if morsel is not None:
                    self.cookie = "" if morsel["max-age"] == "0" else morsel.value
        finally:
            conn.close()
        self.replies.append(reply)
        return reply

    def get(self, url, follow=True, via=None):
        reply = self.request("GET", url, via=via)
        while follow and reply.status_code in (301, 302, 303):
            reply = self.request("GET", urlsplit(reply.headers["Location"])._replace(
                scheme="", netloc="").geturl())
        return reply

    def post(self, url, data=None, follow=True, token_from=None, content_type=None, via=None):
        """Open the page (for its CSRF token), post the form, follow the redirect."""
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_of(self.get(token_from or url)))
        reply = self.post_form(url, data, via=via)
        if follow and reply.status_code in (301, 302, 303):
            return self.get(urlsplit(reply.headers["Location"])._replace(scheme="", netloc="").geturl())
        return reply


    def post_form(self, url, data, via=None) -> Reply:
        """Only the POST (data has its csrf_token); multipart when it holds a file."""
        if any(isinstance(v, tuple) for v in data.values()):
            body, content_type = multipart(data)
        else:
            body, content_type = urlencode(data).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", url, body, {"Content-Type": content_type}, via=via)


def multipart(fields: dict) -> tuple[bytes, str]:
    """multipart/form-data of plain values and files given as (file object, name)."""
    boundary = secrets.token_hex(16)
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"".encode())
        if isinstance(value, tuple):
            fileobj, filename = value
            out.write(f"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream"
                      "\r\n\r\n".encode() + fileobj.read() + b"\r\n")
        else:
            out.write(f"\r\n\r\n{value}\r\n".encode())
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# --- answers used across tests ------------------------------------------------------------------

MEMBER = {
    "full_name": "Zoë Ørsted", "reference": "MIP-0042317", "date_of_birth-day": "3",
    "date_of_birth-month": "4", "date_of_birth-year": "1970", "email": "zoe@example.org",
    "country": "BE", "phone": "+32 3 555 01 23", "address": "Rue de la Loi 1\n1000 Brussels",
}
TREATMENT = {"kind": "dental", "reason": "Broken molar, crown needed", "country": "FR",
             "accident": "no", "other_insurance": "no"}


def parts_of(name: str, day: dt.date) -> dict:
    """A date input's three boxes, filled with `day`."""
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


@pytest.fixture(autouse=True)
def one_date_per_test(monkeypatch):
    """The app's notion of today (workflows/clock.py) holds still during each test: a test
    that crossed midnight would build its dates on one day and have them judged, or printed,
    on the next. Every other clock runs on."""
    at = clock.now()
    monkeypatch.setattr(clock, "now", lambda: at)


def made_now(value):
    """A test parameter that is a function is called when the test runs: dates made at
    collection would age if the run crossed midnight."""
    return value() if callable(value) else value


def date_parts(name: str, days_ago: int) -> dict:
    """A date input's three boxes, `days_ago` days before today (tests must not age)."""
    return parts_of(name, clock.today() - dt.timedelta(days=days_ago))


EXPENSES = [
    {**date_parts("date", 40), "provider": "Dr Anne Martin",
     "description": "Crown", "amount": "650.00", "currency": "EUR"},
    {**date_parts("date", 39), "provider": "Zahnklinik Basel",
     "description": "X-ray", "amount": "80", "currency": "CHF"},
]


def jpeg_bytes(size=(1200, 1600), color="white", exif_orientation=None) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def fill_claim(web, receipts=(("receipt.jpg", None),), expenses=EXPENSES, finish=True):
    """Complete the claim journey through HTTP; return the last response."""
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", {"who": "member"})
    web.post("/claim/treatment", TREATMENT)
    for line in expenses:
        web.post("/claim/expenses/new", line)
    web.post("/claim/expenses", {})
    web.post("/claim/payment", {"payee": "member", "currency": "EUR", "method": "bank"})
    web.post("/claim/bank", {"holder": "Zoë Ørsted", "country": "BE"})
    web.post("/claim/bank-iban", {"iban": "BE71 0961 2345 6769", "bic": "GEBABEBB"})
    for name, content in receipts:
        web.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                     "file": (io.BytesIO(content or jpeg_bytes()), name)},
                 content_type="multipart/form-data")
    web.post("/claim/receipts", {"action": "continue"})
    response = web.get("/claim/check")
    if finish:
        response = web.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    return response


# --- SMTP ----------------------------------------------------------------------------------------

@dataclass
class Inbox:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "message": email.message_from_bytes(envelope.content, policy=email.policy.default),
        })
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                    MAIL_DEFAULT_SENDER="MIP member forms <forms@example.org>", MAIL_TIMEOUT=5)


# --- live server and browser -----------------------------------------------------------------------

@pytest.fixture
def live_server(mail_app):
    server = make_server("127.0.0.1", 0, mail_app, threaded=True)
    # Polls for shutdown() every 50 ms: at werkzeug's default 0.5 s, each teardown waited ~0.5 s.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    server.app = mail_app
    yield server
    server.shutdown()


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


WRITER = {"role": "family", "name": "Ana Ruiz", "email": "ana@example.org", "phone": "+34 600 123 456"}
GOP_PATIENT = {"member_name": "Jon Ruiz", "reference": "MIP-0077120", "patient_name": "Leo Ruiz",
               **date_parts("patient_dob", 11 * 365), "relationship": "child"}
HOSPITAL = {"name": "Hospital Universitario La Paz", "address": "Paseo de la Castellana 261\n28046 Madrid",
            "country": "ES", "contact_name": "Admissions office", "contact_phone": "+34 91 727 70 00",
            "contact_email": "admisiones@hospital.example", "contact_fax": "",
            "doctor_name": "Dra. Marta Gil", "doctor_specialty": "Paediatric surgery"}
MEDICAL = {"reason": "Acute appendicitis", "procedure": "Laparoscopic appendectomy",
           "icd10": "k35.8", "cost": "9500", "currency": "EUR"}


def admission(kind="emergency", days_ahead=-1, **extra):
    data = {"kind": kind, **date_parts("date", -days_ahead), "time": "21:15" if kind == "emergency" else "",
            "care": "inpatient", "nights": "3", "room": "unknown"}
    data.update(extra)
    return data


def fill_guarantee(web, admission_answers=None, attachments=(), finish=True):
    web.post("/guarantee/writer", WRITER)
    web.post("/guarantee/patient", GOP_PATIENT)
    web.post("/guarantee/admission", admission_answers or admission())
    web.post("/guarantee/hospital", HOSPITAL)
    web.post("/guarantee/medical", MEDICAL)
    for name, content, kind in attachments:
        web.post("/guarantee/attachments", {"action": "upload", "kind": kind,
                                            "file": (io.BytesIO(content), name)},
                 content_type="multipart/form-data")
    response = web.post("/guarantee/attachments", {"action": "continue"})
    if finish:
        response = web.post("/guarantee/check", {})
    return response
