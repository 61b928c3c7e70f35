"""Every registered journey, the toy included: the progress indicator names a section among
sections fixed per journey, so its total is the same on every page and it never goes back,
even when answers bring in pages only some members see."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup

from tests.support.drive import answer, every_opened, walk
from tests.support.pages import parse
from tests.support.registry import every_journey
from tests.support.web import Recorder

CAPTION = re.compile(r"^.+ · Section (?P<n>\d+) of (?P<total>\d+): (?P<section>.+)$")


def indicator(html: str) -> tuple[int, int, str] | None:
    """(n, total, section) as the page shows it, or None on a page without one."""
    caption = BeautifulSoup(html, "html.parser").select_one("main .caption")
    if caption is None:
        return None
    found = CAPTION.match(" ".join(caption.get_text().split()))
    assert found, f"not a progress indicator: {caption.get_text()!r}"
    return int(found["n"]), int(found["total"]), found["section"]


@every_journey()
def test_the_progress_indicator_keeps_its_total_and_never_goes_back(journey, client):
    plain = journey.pages()
    pages = every_opened(plain, journey.openers())
    asked = [step.name for step, _ in walk(journey.wizard, pages)]
    # The walk is asked for more pages than the plain one whenever the journey has such pages.
    assert len(asked) > len(list(walk(journey.wizard, plain))) or not journey.openers()

    member = Recorder(client)
    sections = [li.get_text(strip=True) for li in
                parse(member.get(f"/{journey.slug}/")).select("main ol.steps-list li")]
    for step, data in walk(journey.wizard, pages):
        member.get(f"/{journey.slug}/{step.name}")  # the page as the member first sees it
        answer(member, journey.wizard, step, data)  # and the pages its answers lead to
    shown = [(path, found) for path, html in member.pages if (found := indicator(html))]
    assert {path.split("/")[2] for path, _ in shown} >= set(asked), "a page was not shown"

    assert {total for _, (_, total, _) in shown} == {len(sections)}, (sections, shown)
    positions = [n for _, (n, _, _) in shown]
    assert positions == sorted(positions), f"the indicator went back: {shown}"
    # Each section named as the start page lists it, and "Check your answers" last.
    assert all(section == sections[n - 1] for _, (n, _, section) in shown), (sections, shown)
    assert shown[-1][1] == (len(sections), len(sections), "Check your answers")
