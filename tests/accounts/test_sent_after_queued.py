"""A signed-in member's claim that could not be sent at once (the mail server down: "queued")
is sent later by a retry (`flask outbox deliver`): My claims then says it was sent, for a
claim in one email and for one sent in parts (once every part has gone)."""
from __future__ import annotations

import functools

import pytest

from tests.support.accounts import sign_in
from tests.support.files import phone_photo
from tests.support.mail import SENDER, closed_port
from tests.support.operator import cli_env
from tests.support.pages import outcome, parse
from tests.support.samples import fill_claim, send
from tests.support.servers import flask_cli

ANA = "ana.queued@example.org"
KEYS = "MqtE9l0n3sXjvGxqgkzJ0m3b3cWjFhYh2Pq2tqT0p5E="


@functools.cache
def photo(n: int) -> bytes:
    return phone_photo(None, seed=n)


def how_it_went(member, reference) -> str:
    page = parse(member.get(f"/my-claims/{reference}"))
    row = next(r for r in page.select("dl.summary .summary-row") if r.dt.get_text(strip=True) == "How it went")
    return " ".join(row.select_one(".summary-value").get_text(" ").split())


@pytest.mark.parametrize("administrator,receipts", [
    ("workflows.administrators.cigna", (("receipt.jpg", None),)),
    ("tests.support.meridian", tuple((f"photo{n}.jpg", photo(n)) for n in range(4))),  # in parts
], ids=["one email", "in parts"])
def test_a_queued_claim_sent_by_a_retry_says_sent_in_my_claims(serve, make_app, smtp_server, clock, database_url,
                                                               tmp_path, administrator, receipts):
    settings = {"ADMINISTRATOR": administrator, "MAIL_DEFAULT_SENDER": SENDER, "MAIL_TIMEOUT": 5, "CLOCK": clock,
                "DRAFT_ENCRYPTION_KEYS": KEYS, "MAIL_SERVER": "127.0.0.1"}
    up = serve(make_app(**settings, MAIL_PORT=smtp_server.port))
    down = serve(make_app(**settings, MAIL_PORT=closed_port()))
    member = up.member()
    sign_in(member, smtp_server, ANA)
    fill_claim(member, receipts=receipts)
    reference = parse(member.get("/claim/done")).select_one(".ref").get_text(strip=True)
    member.url = down.url  # the mail server cannot be reached when the member sends
    assert outcome(send(member)).startswith("Not sent yet.")
    assert how_it_went(member, reference) == "Queued by this service, to be sent"
    received = len(smtp_server.messages)

    delivered = flask_cli(["outbox", "deliver"], cli_env(database_url, tmp_path, KEYS, ADMINISTRATOR=administrator,
                                                          MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port))
    assert delivered.returncode == 0, delivered.stderr
    assert len(smtp_server.messages) > received
    member.url = up.url
    assert how_it_went(member, reference) == "Queued by this service, to be sent Sent by this service"
