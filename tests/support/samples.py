"""Answers used across tests, taken from the journeys' own sample answers (their `examples`
modules, which the generic tests drive with), and the claim and guarantee filled in through
HTTP with them."""
from __future__ import annotations

import datetime as dt
import io

from tests.support.files import jpeg_bytes
from workflows.engine import clock
from workflows.journeys.claim import examples as claim_examples
from workflows.journeys.cover import examples as cover_examples
from workflows.journeys.guarantee import examples as guarantee_examples


def parts_of(name: str, day: dt.date) -> dict:
    """A date input's three boxes, filled with `day`."""
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def date_parts(name: str, days_ago: int) -> dict:
    """A date input's three boxes, `days_ago` days before today (tests must not age)."""
    return parts_of(name, clock.today() - dt.timedelta(days=days_ago))


def made_now(value):
    """A test parameter that is a function is called when the test runs: dates made at
    collection would age if the run crossed midnight."""
    return value() if callable(value) else value


# The claim: a member treated at the dentist in France, two expenses (EUR and CHF).
CLAIM = claim_examples.pages()
MEMBER = CLAIM["member"]
TREATMENT = CLAIM["treatment"]
EXPENSES = CLAIM["expenses"]

# The guarantee of payment: a relative writes for the member's child, admitted yesterday.
GUARANTEE = guarantee_examples.pages()
WRITER = GUARANTEE["writer"]
GOP_PATIENT = GUARANTEE["patient"]
HOSPITAL = GUARANTEE["hospital"]
MEDICAL = GUARANTEE["medical"]
CONSENT = GUARANTEE["consent"]

# The cover sheet's sender: the claim's member.
SENDER = cover_examples.pages()["sender"]


def admission(kind="emergency", days_ahead=-1, **extra):
    """The admission step: by default the sample's emergency admission yesterday at 21:15."""
    data = {**guarantee_examples.pages()["admission"], "kind": kind, **date_parts("date", -days_ahead),
            "time": "21:15" if kind == "emergency" else ""}
    data.update(extra)
    return data


def fill_claim(web, receipts=(("receipt.jpg", None),), expenses=EXPENSES, finish=True,
               answers=None):
    """Complete the claim journey through HTTP; return the last response. `web` is any driver
    with Browserless's get/post (the test client, HttpMember, a requests session). `answers`:
    pages answered otherwise than the sample ({"member": {...}})."""
    pages = {**CLAIM, **(answers or {})}
    web.post("/claim/member", pages["member"])
    web.post("/claim/patient", pages["patient"])
    web.post("/claim/treatment", pages["treatment"])
    for line in expenses:
        web.post("/claim/expenses/new", line)
    web.post("/claim/expenses", {})
    web.post("/claim/payment", pages["payment"])
    web.post("/claim/bank", pages["bank"])
    web.post("/claim/bank-iban", pages["bank-iban"])
    for name, content in receipts:
        web.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                     "file": (io.BytesIO(content or jpeg_bytes()), name)},
                 content_type="multipart/form-data")
    web.post("/claim/receipts", {"action": "continue"})
    response = web.get("/claim/check")
    if finish:
        response = web.post("/claim/check", pages["check"])
    return response


def fill_guarantee(web, admission_answers=None, attachments=(), finish=True, writer=WRITER, medical=MEDICAL,
                   consent=CONSENT):
    """Complete the guarantee journey through HTTP (attachments: (name, bytes, kind))."""
    web.post("/guarantee/writer", writer)
    web.post("/guarantee/patient", GOP_PATIENT)
    web.post("/guarantee/admission", admission_answers or admission())
    web.post("/guarantee/hospital", HOSPITAL)
    web.post("/guarantee/medical", medical)
    if writer["role"] != "member":  # someone else writes: the patient's consent, the member's copy
        web.post("/guarantee/consent", consent)
    for name, content, kind in attachments:
        web.post("/guarantee/attachments", {"action": "upload", "kind": kind,
                                            "file": (io.BytesIO(content), name)},
                 content_type="multipart/form-data")
    response = web.post("/guarantee/attachments", {"action": "continue"})
    if finish:
        response = web.post("/guarantee/check", {})
    return response


def send(web, copy=False):
    """Press "Send it for me" on the finished claim's page (the copy box ticked or not)."""
    return web.post("/claim/done/send", {"copy": "yes"} if copy else {}, token_from="/claim/done")
