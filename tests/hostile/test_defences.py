"""Defences: security headers on every response, cookie flags, rate limits on sending that
hold across app processes, and logs that never carry an answer."""
from __future__ import annotations

import hashlib
import io
import logging
import re

from cryptography.fernet import Fernet

from tests.support.apps import app_rows
from tests.support.clock import Clock
from tests.support.files import jpeg_bytes
from tests.support.http import LiveClient
from tests.support.mail import CountingInbox, smtp
from tests.support.pages import assert_security_headers, outcome, parse
from tests.support.pdf import pdf_text
from tests.support.samples import date_parts, fill_claim, send
from tests.support.servers import AppProcess, live
from tests.support.web import Browserless


# Send limits count in fixed windows (an hour by default). A test on the real clock that
# crossed the hour would get fresh counts and no 429: such tests use one window for the run.
ONE_WINDOW = 100 * 365 * 24 * 3600.0

# --- security headers ------------------------------------------------------------------------------


def test_security_headers_on_every_kind_of_response(make_app):
    with smtp(CountingInbox(reply="554 5.7.1 Refused")) as server:
        app = make_app(TESTING=False, MAX_UPLOAD_MB=1, SEND_LIMIT_PER_DRAFT=1, OUTBOX_POLL_SECONDS=0,
                       MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5,
                       SEND_LIMIT_WINDOW_SECONDS=ONE_WINDOW)

        @app.get("/boom")
        def boom():  # an unexpected error, as any bug would raise
            raise RuntimeError("unexpected")

        with live(app) as srv:
            client = LiveClient(srv.url)
            web = Browserless(client)
            seen = {}
            seen["home page"] = (client.get("/"), 200, True)
            seen["question page"] = (client.get("/claim/member"), 200, True)
            fill_claim(web)
            seen["check answers (redirect)"] = (client.get("/claim/check"), 302, True)
            seen["confirmation page"] = (client.get("/claim/done"), 200, True)
            seen["packet PDF"] = (client.get("/claim/done/packet.pdf"), 200, True)
            seen["fax PDF"] = (client.get("/claim/done/fax.pdf?paper=A4"), 200, True)
            seen[".eml download"] = (client.get("/claim/done/message.eml"), 200, True)
            seen["static stylesheet"] = (client.get("/static/css/app.css"), 200, False)
            seen["static script"] = (client.get("/static/js/app.js"), 200, False)
            seen["404"] = (client.get("/no/such/page/here"), 404, True)
            seen["405"] = (client.request("PUT", "/claim/member"), 405, True)
            big = web.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                               "file": (io.BytesIO(b"\xff" * (2 * 1024 * 1024)), "big.jpg")},
                           content_type="multipart/form-data", follow=False)
            seen["413"] = (big, 413, True)
            first = web.post("/claim/done/send", {}, token_from="/claim/done", follow=False)
            seen["send (redirect)"] = (first, 303, True)
            seen["429"] = (web.post("/claim/done/send", {}, token_from="/claim/done", follow=False), 429, True)
            seen["500"] = (client.get("/boom"), 500, True)
            seen["400 (CSRF)"] = (client.post("/claim/member", {"full_name": "x"}), 400, True)
    for what, (response, status, no_store) in seen.items():
        assert response.status_code == status, what
        assert_security_headers(response, what, no_store)
    assert "Sorry, there is a problem with the service" in seen["500"][0].get_data(as_text=True)
    assert "unexpected" not in seen["500"][0].get_data(as_text=True)
    assert "The file is too large" in seen["413"][0].get_data(as_text=True)


def test_pages_showing_answers_are_never_stored_and_static_files_may_be(web):
    fill_claim(web)
    for url in ("/claim/member", "/claim/done", "/claim/done/packet.pdf", "/claim/done/message.eml"):
        assert web.client.get(url).headers["Cache-Control"] == "no-store", url
    assert "no-store" not in web.client.get("/static/css/app.css").headers.get("Cache-Control", "")


# --- cookies -----------------------------------------------------------------------------------------

def draft_cookie(response) -> dict:
    """The draft cookie's attributes from the Set-Cookie header, as a browser reads them."""
    (header,) = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("draft=")]
    name_value, *attributes = [part.strip() for part in header.split(";")]
    parsed = {"value": name_value.split("=", 1)[1]}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        parsed[key.lower()] = value or True
    return parsed


def test_the_draft_cookie_is_httponly_lax_and_not_secure_over_plain_http(make_app):
    with live(make_app()) as srv:
        client = LiveClient(srv.url)
        cookie = draft_cookie(client.get("/claim/member"))
        assert cookie["httponly"] is True and cookie["samesite"] == "Lax" and cookie["path"] == "/"
        assert "secure" not in cookie
        # An opaque random token (43 URL-safe base64 characters), nothing else.
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie["value"])
        # The cookie that deletes the draft carries the same flags.
        Browserless(client).post("/claim/member", {"full_name": "Zoë"})
        gone = Browserless(client).post("/delete", {}, token_from="/delete", follow=False)
        cookie = draft_cookie(gone)
        assert cookie["value"] == "" and cookie["httponly"] is True and cookie["samesite"] == "Lax"


def test_the_draft_cookie_is_secure_when_served_over_tls(make_app):
    client = make_app().test_client()
    cookie = draft_cookie(client.get("/claim/member", base_url="https://forms.example.org"))
    assert cookie["secure"] is True and cookie["httponly"] is True and cookie["samesite"] == "Lax"


def test_x_forwarded_proto_counts_only_behind_a_configured_proxy(make_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    untrusted = make_app().test_client().get("/claim/member", headers=forwarded)
    assert "secure" not in draft_cookie(untrusted)  # anyone can send the header
    proxied = make_app(TRUSTED_PROXIES=1).test_client().get("/claim/member", headers=forwarded)
    assert draft_cookie(proxied)["secure"] is True
    forced = make_app(SESSION_COOKIE_SECURE=True).test_client().get("/claim/member")
    assert draft_cookie(forced)["secure"] is True


# --- rate limits on sending ----------------------------------------------------------------------------

def test_too_many_sends_from_one_draft_get_a_429_page_that_keeps_the_answers(make_app):
    clock = Clock()
    with smtp(CountingInbox(reply="554 5.7.1 Refused")) as server:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, CLOCK=clock,
                       SEND_LIMIT_PER_DRAFT=2, SEND_LIMIT_WINDOW_SECONDS=3600)
        web = Browserless(app.test_client())
        fill_claim(web)
        assert outcome(send(web)).startswith("Sending failed: the mail server refused the message (554)")
        assert outcome(send(web)).startswith("Sending failed")  # "try again": the second send
        refused = send(web)
        assert refused.status_code == 429 and server.offered == 2
        assert refused.headers["Retry-After"] == "3600"  # the window started at 9:00, it is 9:00
        page = parse(refused)
        assert page.h1.get_text(strip=True) == "Too many emails sent"
        text = " ".join(page.get_text().split())
        assert "so this claim was not sent. Your answers and your claim are kept" in text
        assert page.find("a", string="Go back to the page")["href"] == "/claim/done"
        # The claim is intact: the same reference, the failure still shown, the .eml offered.
        done = web.get("/claim/done")
        assert outcome(done).startswith("Sending failed")
        assert parse(done).find("a", string="Download the email with the claim packet attached (.eml)")
        assert web.get("/claim/done/message.eml").mimetype == "message/rfc822"
        clock.advance(minutes=61)  # in the next window the member may ask again
        assert send(web).status_code == 200 and server.offered == 3


def test_a_replayed_send_is_not_counted_and_never_refused(web, app):
    app.config.update(SEND_LIMIT_PER_DRAFT=1, SEND_LIMIT_PER_ADDRESS=1)
    fill_claim(web)
    assert outcome(send(web)).startswith("Not sent: no mail server is set up.")
    for _ in range(3):  # double clicks, a reload, another tab: one message, no 429
        again = send(web)
        assert again.status_code == 200
        # Not "already sent": it went to the outbox folder, and the page says so (issue 13).
        assert ("was already saved for this service's administrator: it was not saved again"
                in parse(again).get_text())


def test_the_per_address_limit_holds_across_two_app_processes(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'drafts.sqlite3'}", "SECRET_KEY": "shared-secret",
           "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "OUTBOX_DIR": tmp_path / "outbox",
           "OUTBOX_POLL_SECONDS": 0, "SEND_LIMIT_PER_ADDRESS": 2, "SEND_LIMIT_PER_DRAFT": 5,
           "SEND_LIMIT_WINDOW_SECONDS": ONE_WINDOW}
    one = AppProcess(env, tmp_path / "one.log").start()
    two = AppProcess(env, tmp_path / "two.log").start()
    try:
        statuses = []
        for server in (one, two, one):  # three members at one address, on alternating processes
            web = Browserless(LiveClient(server.url))
            fill_claim(web)
            statuses.append(send(web).status_code)
        assert statuses == [200, 200, 429]
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2
    finally:
        one.stop()
        two.stop()


def test_a_spoofed_forwarded_address_does_not_escape_the_limit(make_app):
    app = make_app(SEND_LIMIT_PER_ADDRESS=1, SEND_LIMIT_WINDOW_SECONDS=ONE_WINDOW)
    statuses = []
    for spoof in ("198.51.100.1", "198.51.100.2"):
        web = Browserless(app.test_client())
        fill_claim(web)
        response = web.client.post("/claim/done/send", headers={"X-Forwarded-For": spoof},
                                   data={"csrf_token": parse(web.get("/claim/done")).find(
                                       "input", {"name": "csrf_token"})["value"]})
        statuses.append(response.status_code)
    assert statuses == [303, 429]


def test_send_counters_hold_only_keyed_hashes_and_expire(make_app, tmp_path):
    clock = Clock()
    app = make_app(CLOCK=clock, SEND_LIMIT_WINDOW_SECONDS=600, TRUSTED_PROXIES=1)
    web = Browserless(app.test_client())
    fill_claim(web)
    web.post("/claim/done/send", {}, token_from="/claim/done", headers={"X-Forwarded-For": "203.0.113.77"})
    rows = app_rows(app, "SELECT key, count FROM send_counts")
    assert len(rows) == 2 and all(c == 1 and re.fullmatch(r"[0-9a-f]{64}", k) for k, c in rows)
    dump = "\n".join(str(r) for r in app_rows(app, "SELECT * FROM send_counts"))
    token = web.client.get_cookie("draft").value
    for plain in ("203.0.113.77", token, hashlib.sha256(b"address:203.0.113.77").hexdigest(),
                  hashlib.sha256(b"203.0.113.77").hexdigest()):
        assert plain not in dump
    clock.advance(minutes=11)
    assert app.test_cli_runner().invoke(args=["drafts", "purge"]).exit_code == 0
    assert app_rows(app, "SELECT count(*) FROM send_counts") == [(0,)]


# --- logs ----------------------------------------------------------------------------------------------

DISTINCT = {
    "name": "Quillon Brzezinska-Yoxall",
    "email": "quillon.yoxall@example.net",
    "reference": "MIP-0987123",
    "phone": "+44 20 7946 0321",
    "address": "Flat 9 Wrenfold Mews",
    "diagnosis": "Zygomatic arch fracture after kitesurfing",
    "provider": "Klinik Obermatt Lindenhof",
    "description": "Osteosynthesis plating",
    "amount": "4817.63",
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "COBADEFFXXX",
    "holder": "Quillon B Yoxall",
}


def distinctive_journey(web):
    v = DISTINCT
    web.post("/claim/member", {"full_name": v["name"], "reference": v["reference"],
                               **date_parts("date_of_birth", 15000), "email": v["email"], "country": "GB",
                               "phone": v["phone"], "address": f"{v['address']}\nLondon E1 6AN"})
    web.post("/claim/patient", {"who": "member"})
    web.post("/claim/treatment", {"kind": "medical", "reason": v["diagnosis"], "country": "CH",
                                  "accident": "no", "other_insurance": "no"})
    web.post("/claim/expenses/new", {**date_parts("date", 20), "provider": v["provider"], "city": "Bern",
                                     "description": v["description"], "amount": v["amount"],
                                     "currency": "CHF"})
    web.post("/claim/expenses", {})
    web.post("/claim/payment", {"payee": "member", "currency": "EUR", "method": "bank"})
    web.post("/claim/bank", {"holder": v["holder"], "country": "DE"})
    web.post("/claim/bank-iban", {"iban": v["iban"], "bic": v["bic"]})
    web.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                 "file": (io.BytesIO(jpeg_bytes()), "osteo-invoice.jpg")},
             content_type="multipart/form-data")
    web.post("/claim/receipts", {"action": "continue"})
    return web.post("/claim/check", {"confirm": "y", "signature": v["name"]})


def test_logs_never_contain_answer_values(make_app, caplog, capfd):
    needles = set(DISTINCT.values()) | {DISTINCT["iban"].replace(" ", ""), "4,817.63", "Brzezinska",
                                        "Zygomatic", "Obermatt", "quillon"}
    with smtp(CountingInbox()) as server:
        app = make_app(TESTING=False, OUTBOX_POLL_SECONDS=0, MAIL_SERVER="127.0.0.1",
                       MAIL_PORT=server.port, MAIL_TIMEOUT=5)
        caplog.set_level(logging.DEBUG)  # every logger, every level
        caplog.set_level(logging.DEBUG, logger="werkzeug")  # the request log, silenced by the app
        with live(app) as srv:
            web = Browserless(LiveClient(srv.url))
            done = distinctive_journey(web)
            assert done.request.path == "/claim/done"
            web.get("/claim/done/packet.pdf")
            web.get("/claim/done/message.eml")
            web.get("/claim/done/fax.pdf?paper=A4")
            sent = send(web, copy=True)
            assert outcome(sent).startswith("Sent.")
            web.get("/claim/member?change=1")
            web.post("/claim/member", {"email": "not an email", "full_name": DISTINCT["name"]})  # errors
    # The values really travelled: the insurer's mailbox got them.
    (received,) = server.messages
    (packet,) = received["message"].iter_attachments()
    packet_text = " ".join(pdf_text(packet.get_content()).split())
    assert DISTINCT["diagnosis"] in packet_text and DISTINCT["iban"] in packet_text
    assert received["rcpt_tos"][-1] == DISTINCT["email"]
    # Our records only (mail.log is the receiving mail server's, i.e. the insurer's side).
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    assert any(r.name == "werkzeug" and "GET /claim/done" in r.getMessage() for r in ours)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in ours)
    out, err = capfd.readouterr()  # smtplib's debug output would land here
    # The app writes every record as a JSON line on stderr: leave out the mail server's.
    err = "\n".join(line for line in err.splitlines() if '"logger":"mail.log' not in line)
    for needle in needles:
        assert needle not in logged, needle
        assert needle not in out and needle not in err, needle
