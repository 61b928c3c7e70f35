"""Every PDF each registered journey makes (the toy included): its document, and the fax and
post versions when it goes on paper. Each is a tagged PDF/UA-1 document whose structure tree
and marked content agree (tests/support/pdf_checks.py, as test_pdf_tags.py checks), and shows
what the journey's examples.SHOWN says it must."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.support.drive import fill
from tests.support.pdf import elements, flat, pdf_text
from tests.support.pdf_checks import structure_problems
from tests.support.registry import JOURNEYS, PACKAGES, TOY, every_journey
from workflows import journeys


def test_the_generic_tests_cover_every_installed_journey_and_the_toy():
    assert [j.package for j in JOURNEYS] == [*journeys.INSTALLED, TOY] == list(PACKAGES)


@every_journey()
def test_every_pdf_is_tagged_and_shows_the_answers(journey, web):
    fill(web, journey.wizard, journey.pages())
    for name in journey.pdfs:
        response = web.get(f"/{journey.slug}/done/{name}")
        assert (response.status_code, response.mimetype) == (200, "application/pdf"), name
        pdf = response.data
        reader = PdfReader(io.BytesIO(pdf))
        root = reader.trailer["/Root"]
        assert root["/MarkInfo"]["/Marked"] == True, name  # noqa: E712 (a pypdf BooleanObject)
        assert root["/Lang"] == "en", name
        assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True, name  # noqa: E712
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert re.search(r'pdfuaid:part="?1', xmp), name  # identifies itself as PDF/UA-1
        assert structure_problems(pdf) == [], name
        roles = [e["role"] for e in elements(pdf)]
        assert roles[0] == "/Document" and "/H1" in roles, name
        text = flat(pdf_text(pdf))
        assert [shown for shown in journey.shown if shown not in text] == [], name
