"""The registry: what JOURNEYS lists is what the site offers, and nothing else names a journey."""
from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.support.web import Browserless
from workflows import journeys

PACKAGES = (*journeys.INSTALLED, "tests.support.toy")


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_cover_journey_offers_every_journey_that_goes_on_paper(make_app):
    app = make_app(JOURNEYS=PACKAGES)
    web = Browserless(app.test_client())
    web.post("/cover/sender", {"name": "Zoë Ørsted", "reference": "MIP-0042317",
                               "phone": "+32 3 555 01 23", "reply_email": "zoe@example.org"})
    page = soup(web.get("/cover/sending"))
    offered = [(r["value"], page.find("label", {"for": r["id"]}).get_text())
               for r in page.select("input[name=subject]")]
    assert offered == [("claim", "Claim reimbursement"), ("guarantee", "Guarantee of payment request"),
                       ("address", "Change of address"), ("other", "Other")]
    web.post("/cover/sending", {"method": "fax", "subject": "address", "pages": "2", "paper": "A4"})
    web.post("/cover/check", {})
    fax = web.get("/cover/done/packet.pdf").data
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(fax)).pages)
    assert "Subject Change of address" in text and "Total pages including this cover: 3" in text


def test_a_journey_left_out_of_journeys_is_not_offered(make_app):
    app = make_app(JOURNEYS=("workflows.journeys.claim", "workflows.journeys.cover"))
    client = app.test_client()
    assert [a["href"] for a in soup(client.get("/")).select(".card h2 a")] == ["/claim/", "/cover/"]
    assert client.get("/guarantee/").status_code == 404
    assert "Guarantee of payment request" not in client.get("/cover/").get_data(as_text=True)


def test_an_unknown_administrator_is_a_configuration_error(make_app):
    with pytest.raises(LookupError, match="no administrator profile 'nobody'"):
        make_app(ADMINISTRATOR="nobody")
