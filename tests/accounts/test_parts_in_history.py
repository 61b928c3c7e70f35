"""A signed-in member's claim sent in parts, sent by hand: each part's .eml download and each
part's "Write email N of M in your mail app" (a form through the app, no JavaScript, nothing
of the member in the app's URL) are noted in My claims."""
from __future__ import annotations

import functools
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.support.accounts import sign_in
from tests.support.files import phone_photo
from tests.support.mail import SENDER
from tests.support.pages import parse
from tests.support.samples import fill_claim

ANA = "ana.parts@example.org"


@functools.cache
def photo(n: int) -> bytes:
    return phone_photo(None, seed=n)


@pytest.fixture
def meridian_site(serve, make_app, smtp_server, clock):
    return serve(make_app(ADMINISTRATOR="tests.support.meridian", MAIL_SERVER="127.0.0.1",
                          MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER=SENDER, MAIL_TIMEOUT=5,
                          CLOCK=clock))


def finished_in_parts(site, smtp_server):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    fill_claim(member, receipts=[(f"photo{n}.jpg", photo(n)) for n in range(4)])
    reference = parse(member.get("/claim/done")).select_one(".panel .ref").get_text(strip=True)
    return member, reference


def how_it_went(member, reference) -> str:
    page = parse(member.get(f"/my-claims/{reference}"))
    row = next(r for r in page.select("dl.summary .summary-row") if r.dt.get_text(strip=True) == "How it went")
    return " ".join(row.select_one(".summary-value").get_text(" ").split())


def test_a_parts_eml_is_noted_as_an_eml(meridian_site, smtp_server):
    member, reference = finished_in_parts(meridian_site, smtp_server)
    total = len(parse(member.get("/claim/done")).select("li.part"))
    assert total >= 2
    download = member.get(f"/claim/done/part-1-of-{total}.eml")
    assert download.headers["Content-Type"].startswith("message/rfc822")
    assert how_it_went(member, reference) == "You downloaded the email (.eml)"


def test_each_parts_mail_app_link_goes_through_the_app_and_is_noted(meridian_site, smtp_server):
    member, reference = finished_in_parts(meridian_site, smtp_server)
    done = parse(member.get("/claim/done"))
    parts = done.select("li.part")
    assert len(parts) >= 2
    for n, part in enumerate(parts, start=1):
        form = part.select_one('form[action="/claim/done/mailto"]')
        assert form is not None and form.select_one('input[name="part"]')["value"] == str(n)
        assert not part.select('a[href^="mailto:"]')  # no bare link that would go unnoted
    total = len(parts)
    opened = member.post("/claim/done/mailto", {"part": "2"}, token_from="/claim/done", follow=False)
    assert opened.status_code == 303
    href = opened.headers["Location"]
    assert href.startswith("mailto:")
    subject = parse_qs(urlsplit(href).query)["subject"][0]
    assert unquote(subject).endswith(f"{reference} – part 2 of {total}")
    assert reference not in opened.url and "@" not in opened.url  # nothing of the member in the app's URL
    assert how_it_went(member, reference) == "You opened the email in your mail app"
    stale = member.post("/claim/done/mailto", {"part": "9"}, token_from="/claim/done", follow=False)
    assert stale.status_code == 303 and stale.headers["Location"].endswith("/claim/done")
