"""What reaches the insurer: the mailto: link, the .eml draft and the email sent over SMTP
(received by a real aiosmtpd server on 127.0.0.1)."""
import contextlib
import email
import email.policy
import socket
import threading
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.support.mail import Inbox, smtp
from tests.support.pages import outcome, parse
from tests.support.pdf import pdf_text
from tests.support.samples import fill_claim
from tests.support.servers import wait_for
from tests.support.web import Browserless
from workflows.administrators.cigna import CIGNA
from workflows.delivery import HeaderError, Letter, mailto_href

RULES = CIGNA.rules


def done_page(web):
    return parse(web.get("/claim/done"))


def test_mailto_link_goes_to_the_claims_mailbox_with_a_short_body(web):
    fill_claim(web)
    href = done_page(web).find("a", string="Write the email in your mail app")["href"]
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and parts.path == CIGNA.claims_email
    assert "%0D%0A" in href and "\n" not in href
    query = parse_qs(parts.query)
    assert query["subject"][0].startswith("Claim reimbursement – MIP-0042317 – Zoë Ørsted")
    body = query["body"][0]
    assert len(body) < RULES.mailto_body_limit
    assert "MIP-0042317" in body and "Total in EUR: EUR 650.00" in body and "Total in CHF: CHF 80.00" in body
    for secret in ("BE71", "GEBABEBB", "molar"):  # no bank details, no diagnosis in a link
        assert secret not in unquote(href)


def test_copy_fallback_shows_the_same_body(web):
    fill_claim(web)
    page = done_page(web)
    href = page.find("a", string="Write the email in your mail app")["href"]
    body = parse_qs(urlsplit(href).query)["body"][0]
    assert page.find(id="mail-body").get_text().replace("\n", "\r\n").strip() == body.strip()


def test_eml_is_an_unsent_draft_with_the_packet_attached(web):
    fill_claim(web)
    response = web.get("/claim/done/message.eml")
    assert response.mimetype == "message/rfc822"
    assert response.headers["Content-Disposition"].endswith('.eml"')
    msg = email.message_from_bytes(response.data, policy=email.policy.default)
    assert msg["X-Unsent"] == "1"
    assert msg["To"] == CIGNA.claims_email
    assert msg["Subject"] == "Claim reimbursement – MIP-0042317 – Zoë Ørsted"
    attachments = list(msg.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["application/pdf"]
    assert attachments[0].get_filename().startswith("claim-CLM-")
    assert "EUR 650.00" in pdf_text(attachments[0].get_content())
    assert "Please find attached my claim" in msg.get_body(("plain",)).get_content()


def test_send_it_for_me_delivers_to_the_claims_mailbox_with_a_copy(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    fill_claim(web)
    packet = web.get("/claim/done/packet.pdf").data
    response = web.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
    assert "Sent." in response.get_data(as_text=True)
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["rcpt_tos"] == [CIGNA.claims_email, "zoe@example.org"]
    assert received["mail_from"] == "forms@example.org"
    msg = received["message"]
    assert msg["To"] == CIGNA.claims_email
    assert msg["Cc"] == "zoe@example.org"
    assert msg["Reply-To"] == "zoe@example.org"
    assert msg["Subject"] == "Claim reimbursement – MIP-0042317 – Zoë Ørsted"
    assert "X-Unsent" not in msg
    (attachment,) = msg.iter_attachments()
    assert attachment.get_content() == packet  # the very bytes the member downloaded
    assert web.get("/claim/done/packet.pdf").data == packet


def test_without_a_copy_only_the_claims_mailbox_receives_it(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    fill_claim(web)
    web.post("/claim/done/send", {}, token_from="/claim/done")
    assert smtp_server.messages[0]["rcpt_tos"] == [CIGNA.claims_email]
    assert "Cc" not in smtp_server.messages[0]["message"]


def test_a_replayed_or_double_clicked_send_sends_one_email(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    fill_claim(web)
    token = parse(web.get("/claim/done")).find("input", {"name": "csrf_token"})["value"]
    results = []

    def click():
        results.append(web.client.post("/claim/done/send", data={"csrf_token": token, "copy": "yes"}))
    threads = [threading.Thread(target=click) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [303, 303, 303]
    assert len(smtp_server.messages) == 1
    page = web.get("/claim/done").get_data(as_text=True)
    assert "Sent." in page


def test_recipients_come_from_the_plan_not_from_the_request(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    fill_claim(web)
    web.post("/claim/done/send", {"to": "evil@example.org", "cc": "evil@example.org",
                                  "bcc": "evil@example.org"}, token_from="/claim/done")
    assert smtp_server.messages[0]["rcpt_tos"] == [CIGNA.claims_email]


def test_without_a_mail_server_send_writes_to_the_local_outbox(web, app, tmp_path):
    fill_claim(web)
    response = web.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
    text = " ".join(parse(response).select_one(".outcome").get_text().split())
    assert text.startswith("Not sent: no mail server is set up.")
    files = list((tmp_path / "outbox").glob("*.eml"))
    # The page no longer shows the server's path (issue 11, point 7).
    assert len(files) == 1 and str(files[0].parent) not in text
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == CIGNA.claims_email


def test_a_mail_server_that_never_answers_is_given_up_on_and_the_member_told(make_app):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections, never says a word
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=1)
    web = Browserless(app.test_client())
    fill_claim(web)
    response = web.post("/claim/done/send", {}, token_from="/claim/done")
    silent.close()
    outcome = " ".join(parse(response).select_one(".outcome").get_text().split())
    assert outcome.startswith("Not sent yet. The mail server did not answer in time.")
    assert parse(response).find("a", string="Download the email with the claim packet attached (.eml)")


def test_a_message_queued_while_smtp_was_down_is_delivered_once_later(make_app, smtp_server):
    import datetime as dt
    now = [dt.datetime(2026, 11, 27, 9, 0)]
    down = socket.socket()
    down.bind(("127.0.0.1", 0))
    port = down.getsockname()[1]
    down.close()  # nothing listens: connection refused
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=10, CLOCK=lambda: now[0])
    web = Browserless(app.test_client())
    fill_claim(web)
    response = web.post("/claim/done/send", {}, token_from="/claim/done")
    assert "The mail server could not be reached" in response.get_data(as_text=True)
    # The server comes back (on the test SMTP port) and the retry time passes.
    app.extensions["postman"].mail_state.port = smtp_server.port
    runner = app.test_cli_runner()
    assert "0 message(s)" in runner.invoke(args=["outbox", "deliver"]).output  # not due yet
    now[0] += dt.timedelta(minutes=5)
    assert "1 message(s)" in runner.invoke(args=["outbox", "deliver"]).output
    assert "0 message(s)" in runner.invoke(args=["outbox", "deliver"]).output
    assert len(smtp_server.messages) == 1
    assert "Sent." in web.get("/claim/done").get_data(as_text=True)


@pytest.mark.parametrize("field", ["subject", "to", "cc", "reply_to", "attachment"])
def test_line_breaks_never_reach_a_header(field):
    values = {"to": (CIGNA.claims_email,), "subject": "Claim", "cc": (), "reply_to": (),
              "attachments": ()}
    evil = "x@example.org\r\nBcc: victim@example.org"
    if field == "subject":
        values["subject"] = evil
    elif field == "attachment":
        values["attachments"] = ((evil, "application/pdf", b"%PDF-"),)
    else:
        values[field] = (evil,)
    with pytest.raises(HeaderError):
        Letter(body="b", short_body="b", **values)


def test_mailto_href_encodes_line_breaks_as_crlf():
    letter = Letter(to=("a@example.org",), subject="Hi there", body="", short_body="one\ntwo")
    assert mailto_href(letter) == "mailto:a@example.org?subject=Hi%20there&body=one%0D%0Atwo"


def test_the_app_retries_queued_mail_by_itself(make_app, smtp_server):
    import datetime as dt
    now = [dt.datetime(2026, 11, 27, 9, 0)]
    down = socket.socket()
    down.bind(("127.0.0.1", 0))
    port = down.getsockname()[1]
    down.close()
    app = make_app(TESTING=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=10,
                   OUTBOX_POLL_SECONDS=0.1, CLOCK=lambda: now[0])
    try:
        web = Browserless(app.test_client())
        fill_claim(web)
        web.post("/claim/done/send", {}, token_from="/claim/done")
        app.extensions["postman"].mail_state.port = smtp_server.port
        now[0] += dt.timedelta(minutes=2)
        assert wait_for(lambda: smtp_server.messages)
        assert wait_for(lambda: "Sent." in web.get("/claim/done").get_data(as_text=True))
        assert len(smtp_server.messages) == 1
    finally:
        app.extensions["postman"].stop_background()  # not polling a database being dropped


@contextlib.contextmanager
def claim_ready_to_send(make_app, inbox):
    """A finished claim on an app whose mail goes to `inbox`, an aiosmtpd handler that
    refuses in some way; yields the member's browser."""
    with smtp(inbox):
        web = Browserless(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_TIMEOUT=5).test_client())
        fill_claim(web)
        yield web


def send_outcome(web, copy: bool = True) -> str:
    """Press "Send it for me" (the copy box ticked or not); the outcome the page then shows."""
    return outcome(web.post("/claim/done/send", {"copy": "yes"} if copy else {}, token_from="/claim/done"))


def test_a_refused_message_can_be_sent_again_by_the_member(make_app):
    """The mail server refuses the first message (5xx); the member is told and tries again."""
    class RefusesFirst(Inbox):
        async def handle_DATA(self, server, session, envelope):
            if not getattr(self, "refused", False):
                self.refused = True
                return "554 Message rejected"
            return await super().handle_DATA(server, session, envelope)
    inbox = RefusesFirst()
    with claim_ready_to_send(make_app, inbox) as web:
        assert send_outcome(web).startswith(
            "Sending failed: the mail server refused the message (554). Nothing was sent.")
        assert send_outcome(web).startswith("Sent.")
        assert len(inbox.messages) == 1


def refusing(code, refused):
    class RefusesSome(Inbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address in refused:
                return code
            envelope.rcpt_tos.append(address)
            return "250 OK"
    return RefusesSome()


@pytest.mark.parametrize("code, refused, told", [
    # The claims mailbox refused while the member's copy was taken: not "Sent", and not "nothing".
    ("550 No such mailbox", {CIGNA.claims_email},
     f"Sending failed: the mail server refused the address of {CIGNA.name}: only your copy was sent. "
     f"{CIGNA.name} did not get it. Download the email below and send it yourself, or try again: "
     f"trying again sends it to {CIGNA.name} only."),
    # Every recipient refused for good: nothing went.
    ("550 No such mailbox", {CIGNA.claims_email, "zoe@example.org"},
     "Sending failed: the mail server refused the recipients. Nothing was sent."),
    # Greylisting (4xx for every recipient): queued and tried again later.
    ("450 Try again later", {CIGNA.claims_email, "zoe@example.org"},
     "Not sent yet. The mail server asked us to try again later."),
])
def test_a_refused_recipient_is_told_truthfully(make_app, code, refused, told):
    inbox = refusing(code, refused)
    with claim_ready_to_send(make_app, inbox) as web:
        outcome = send_outcome(web)
        assert outcome.startswith(told), outcome
        assert all(CIGNA.claims_email not in m["rcpt_tos"] for m in inbox.messages)


def test_after_only_the_copy_went_trying_again_sends_to_the_administrator_alone(make_app):
    refused = {CIGNA.claims_email}
    inbox = refusing("550 No such mailbox", refused)
    with claim_ready_to_send(make_app, inbox) as web:
        send_outcome(web)
        assert [m["rcpt_tos"] for m in inbox.messages] == [["zoe@example.org"]]
        retry = parse(web.get("/claim/done")).select_one(".outcome form")
        assert [i["name"] for i in retry.select("input")] == ["csrf_token"]  # no "copy": the member has one
        refused.clear()  # the claims mailbox is back
        assert send_outcome(web, copy=False) == f"Sent. Your claim was emailed to {CIGNA.claims_email}."
        assert [m["rcpt_tos"] for m in inbox.messages] == [["zoe@example.org"], [CIGNA.claims_email]]


def test_a_refused_copy_is_sent_and_the_member_told_no_copy_went(make_app):
    inbox = refusing("550 No such mailbox", {"zoe@example.org"})
    with claim_ready_to_send(make_app, inbox) as web:
        assert send_outcome(web) == (f"Sent. Your claim was emailed to {CIGNA.claims_email}. "
                                     "The mail server refused your address, so no copy was sent to you.")
        assert [m["rcpt_tos"] for m in inbox.messages] == [[CIGNA.claims_email]]


def test_without_a_copy_the_page_does_not_claim_one_was_sent(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    fill_claim(web)
    assert send_outcome(web, copy=False) == f"Sent. Your claim was emailed to {CIGNA.claims_email}."
    (received,) = smtp_server.messages
    assert received["rcpt_tos"] == [CIGNA.claims_email] and received["message"]["Cc"] is None
