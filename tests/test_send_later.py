"""A claim "sent" while the service had no mail server (written to the outbox folder), or
while its mail server was down (queued), can be sent from its confirmation page once the app
is restarted with a working mail server: real app processes, one database and draft, and
aiosmtpd receiving it once. The member's page names no folder of the server's."""
import re

from cryptography.fernet import Fernet

from tests.support.http import HttpMember
from tests.support.mail import SENDER, CountingInbox, closed_port, smtp
from tests.support.pages import csrf_of, outcome, parse
from tests.support.samples import fill_claim, send
from tests.support.servers import AppProcess
from workflows.administrators.cigna import CIGNA

PATH = re.compile(r"(?<![\w.:/])/(?:tmp|home|root|var|srv|opt|work)\b|instance/outbox|outbox/")


def env(database_url, tmp_path, **mail) -> dict:
    """The same service both times: database, keys, outbox folder; the mail settings vary."""
    return {"DATABASE_URL": database_url, "SECRET_KEY": "later-secret",
            "DRAFT_ENCRYPTION_KEYS": KEYS, "OUTBOX_DIR": tmp_path / "outbox",
            "MAIL_DEFAULT_SENDER": SENDER, "MAIL_TIMEOUT": 5, "OUTBOX_POLL_SECONDS": 0, **mail}


KEYS = Fernet.generate_key().decode()


def no_path(response, tmp_path) -> bool:
    html = response.get_data(as_text=True)
    return str(tmp_path) not in html and PATH.search(html) is None


def send_now(member, label: str):
    """Press the page's button `label` (its form, as a browser without JavaScript sends it)."""
    page = member.get("/claim/done")
    form = parse(page).find("button", string=re.compile(label)).find_parent("form")
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    data["csrf_token"] = csrf_of(page)
    return member.post("/claim/done/send", data, token_from="/claim/done")


def test_written_to_the_folder_then_sent_after_a_mail_server_is_set_up(database_url, tmp_path):
    first = AppProcess(env(database_url, tmp_path, MAIL_SERVER=""), tmp_path / "first.log").start()
    try:
        member = HttpMember(first.url)
        fill_claim(member)
        saved = send(member, copy=True)
        assert outcome(saved).startswith("Not sent: no mail server is set up. The email was saved "
                                          "for this service's administrator to send.")
        assert no_path(saved, tmp_path)
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    finally:
        first.stop()

    with smtp(CountingInbox()) as inbox:
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": inbox.port}
        second = AppProcess(env(database_url, tmp_path, **mail), tmp_path / "second.log").start()
        try:
            member.servers = [second.url]
            waiting = member.get("/claim/done")
            assert outcome(waiting).startswith("Not sent yet. When you asked, this service could "
                                               "not send email")
            assert no_path(waiting, tmp_path)
            sent = send_now(member, "Send it now")
            assert outcome(sent) == f"Sent. Your claim was emailed to {CIGNA.claims_email} with a copy to you."
            assert no_path(sent, tmp_path)
            (received,) = inbox.messages
            assert received["rcpt_tos"] == [CIGNA.claims_email, "zoe@example.org"]
            assert received["message"]["From"] == SENDER
            # Sent over SMTP: the copy in the folder is gone, so nobody sends it a second time.
            assert list((tmp_path / "outbox").glob("*.eml")) == []
            # The page's old form sent again sends nothing more.
            assert member.post("/claim/done/send", {"round": "1", "now": "yes", "copy": "yes"},
                               token_from="/claim/done").status_code == 200
            assert inbox.offered == 1
        finally:
            second.stop()


def test_queued_while_the_mail_server_was_down_then_sent_from_the_page(database_url, tmp_path):
    down = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": closed_port()}
    first = AppProcess(env(database_url, tmp_path, **down), tmp_path / "first.log").start()
    try:
        member = HttpMember(first.url)
        fill_claim(member)
        queued = send(member, copy=False)
        assert outcome(queued).startswith("Not sent yet. The mail server could not be reached.")
    finally:
        first.stop()

    with smtp(CountingInbox()) as inbox:
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": inbox.port}
        second = AppProcess(env(database_url, tmp_path, **mail), tmp_path / "second.log").start()
        try:
            member.servers = [second.url]
            sent = send_now(member, "Try sending it now")
            assert outcome(sent) == f"Sent. Your claim was emailed to {CIGNA.claims_email}."
            assert inbox.offered == 1 and inbox.messages[0]["rcpt_tos"] == [CIGNA.claims_email]
        finally:
            second.stop()
