"""Every registered journey, the toy included, completed in Chromium with the keyboard only
(every focus stop visibly focused), and completed with JavaScript turned off, to its
confirmation page and the PDF it offers."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.support.drive import walk
from tests.support.keys import FocusKeys
from tests.support.pdf import flat, pdf_text
from tests.support.registry import every_journey
from tests.support.walking import ClickWalk, KeyboardWalk


def assert_confirmed(page, base_url, journey):
    assert page.url == f"{base_url}/{journey.slug}/done"
    expect(page.locator("main .ref")).to_be_visible()


@every_journey()
def test_each_journey_can_be_completed_by_keyboard_only(journey, page, live_server):
    keys = FocusKeys(page)
    typing, pages = KeyboardWalk(keys, live_server.url, journey), journey.pages()
    typing.start()
    for step, data in walk(journey.wizard, pages):
        typing.step(step, data)
    typing.finish(pages)
    assert_confirmed(page, live_server.url, journey)
    assert keys.stops > 10
    assert not keys.unseen, "focus not visible on:\n" + "\n".join(keys.unseen)


@every_journey()
def test_each_journey_can_be_completed_without_javascript(journey, browser, live_server):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    clicks, pages = ClickWalk(page, live_server.url, journey), journey.pages()
    clicks.start()
    for step, data in walk(journey.wizard, pages):
        clicks.step(step, data)
    clicks.finish(pages)
    assert_confirmed(page, live_server.url, journey)
    with page.expect_download() as download:
        page.locator(f'main a[href="/{journey.slug}/done/packet.pdf"]').first.click()
    text = flat(pdf_text(Path(download.value.path()).read_bytes()))
    context.close()
    assert [shown for shown in journey.shown if shown not in text] == []
