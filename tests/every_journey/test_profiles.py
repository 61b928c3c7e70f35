"""The administrator is a profile: with a second, fictitious one (tests/support/meridian.py)
every registered journey, the toy included, runs to its outputs, and nothing a member or the
administrator gets names Cigna or carries one of Cigna's numbers or addresses."""
from __future__ import annotations

import datetime as dt
import email.policy
import re
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

from tests.support.pdf import pdf_text
from tests.support.web import Browserless, Recorder
from tests.support.drive import fill, sample_pages
from tests.support.meridian import MERIDIAN
from workflows import journeys
from workflows.administrators.cigna import CIGNA
from workflows.engine import clock

PACKAGES = (*journeys.INSTALLED, "tests.support.toy")
REGISTRY = journeys.load(PACKAGES)


def cigna_facts() -> list[str]:
    """Everything that would give Cigna away: names, mailboxes, numbers (as printed and as
    dialled), the postal box, the website."""
    numbers = [CIGNA.fax, *CIGNA.phones]
    return [CIGNA.name, CIGNA.short_name, CIGNA.website, *CIGNA.mailboxes.values(),
            *CIGNA.postal_lines, "cigna", *(p.number for p in numbers), *(p.tel for p in numbers)]


def leaks(text: str) -> list[str]:
    return [fact for fact in cigna_facts() if fact.lower() in text.lower()]


@pytest.fixture
def meridian_app(make_app, smtp_server):
    return make_app(ADMINISTRATOR="tests.support.meridian", JOURNEYS=PACKAGES,
                    MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                    MAIL_DEFAULT_SENDER="Member forms <forms@example.org>", MAIL_TIMEOUT=10)


@pytest.mark.parametrize("slug", list(REGISTRY))
def test_every_journey_runs_to_its_outputs_for_another_administrator(slug, meridian_app, smtp_server):
    wizard = REGISTRY[slug]
    package = next(p for p in PACKAGES if p.rsplit(".", 1)[-1] in (slug, "toy") and
                   __import__(p, fromlist=["JOURNEY"]).JOURNEY is wizard)
    web = Recorder(meridian_app.test_client())
    web.get(f"/{slug}/")
    done = fill(web, wizard, sample_pages(wizard, package))
    assert BeautifulSoup(done.get_data(as_text=True), "html.parser").h1.get_text(strip=True).startswith("Your ")
    outputs = {"pages": "\n".join(html for _path, html in web.pages)}

    packet = web.get(f"/{slug}/done/packet.pdf")
    assert packet.status_code == 200 and packet.mimetype == "application/pdf"
    outputs["packet"] = pdf_text(packet.data)
    if wizard.outputs.email:
        page = BeautifulSoup(done.get_data(as_text=True), "html.parser")
        mailto = unquote(page.find("a", href=re.compile("^mailto:"))["href"])
        mailbox = MERIDIAN.mailboxes[wizard.outputs.email.mailbox]
        assert mailto.startswith(f"mailto:{mailbox}?")
        outputs["mailto"] = mailto
        eml = web.get(f"/{slug}/done/message.eml")
        message = email.message_from_bytes(eml.data, policy=email.policy.default)
        assert message["To"] == mailbox
        outputs["eml"] = eml.get_data(as_text=True) + message.get_body(("plain",)).get_content()
        web.post(f"/{slug}/done/send", {"copy": "yes"}, token_from=f"/{slug}/done")
        (sent,) = smtp_server.messages
        assert mailbox in sent["rcpt_tos"]
        outputs["sent"] = sent["message"].as_string() + sent["message"].get_body(("plain",)).get_content()
        for part in sent["message"].iter_attachments():
            if part.get_content_type() == "application/pdf":
                outputs["sent attachment " + part.get_filename()] = pdf_text(part.get_content())
    if wizard.outputs.paper:
        fax = pdf_text(web.get(f"/{slug}/done/fax.pdf?paper=A4").data)
        post = pdf_text(web.get(f"/{slug}/done/post.pdf").data)
        assert MERIDIAN.fax.number in fax and MERIDIAN.name in fax
        assert all(line in post for line in MERIDIAN.postal_lines)
        outputs.update(fax=fax, post=post)

    assert {name: leaks(text) for name, text in outputs.items() if leaks(text)} == {}
    shown = __import__(f"{package}.examples", fromlist=["SHOWN"]).SHOWN
    assert all(value in outputs["packet"] for value in shown)
    assert MERIDIAN.short_name in outputs["pages"] or MERIDIAN.name in outputs["pages"]


def test_the_site_pages_show_the_profile_in_force(meridian_app):
    client = meridian_app.test_client()
    index = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert index.h1.get_text() == f"Send claims and requests to {MERIDIAN.name}"
    assert [a["href"] for a in index.select(".card h2 a")] == [f"/{slug}/" for slug in REGISTRY]
    contact = client.get("/contact").get_data(as_text=True)
    for fact in [MERIDIAN.fax.number, *MERIDIAN.mailboxes.values(), *MERIDIAN.postal_lines,
                 *(p.number for p in MERIDIAN.phones)]:
        assert fact in contact
    assert leaks(contact) == [] and leaks(index.get_text()) == []


def test_the_plan_rules_come_from_the_profile(meridian_app):
    """Meridian asks for 21 days' notice, 3–4 weeks (Cigna for 14, 2–4 weeks): an admission in 15 days is short notice
    here, and the warning gives Meridian's numbers."""
    web = Browserless(meridian_app.test_client())
    pages = sample_pages(REGISTRY["guarantee"], "workflows.journeys.guarantee")
    web.post("/guarantee/writer", pages["writer"])
    web.post("/guarantee/patient", pages["patient"])
    day = clock.today() + dt.timedelta(days=15)
    page = web.post("/guarantee/admission", {
        **pages["admission"], "kind": "planned", "time": "",
        "date-day": str(day.day), "date-month": str(day.month), "date-year": str(day.year)})
    warning = BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one(".warning").get_text(" ")
    assert "Meridian asks for the request 3–4 weeks before" in warning
    assert all(p.number in warning for p in MERIDIAN.phones) and leaks(warning) == []
