"""Every page of every registered journey, the toy included: the start page, each step (and
each page only some members see, brought in by the journey's examples.openers()), each of
them posted empty, the review page and the confirmation page. On each, at WCAG's reflow width
of 320 CSS px: no axe-core violation of the WCAG 2.2 AA rules, and no horizontal scrolling."""
from __future__ import annotations

from tests.support.browser import NO_INLINE_SWAP, REFLOW, axe_violations, describe, hand_over, scroll_width
from tests.support.drive import answer, opened, walk
from tests.support.registry import every_journey
from tests.support.walking import ClickWalk
from tests.support.web import Browserless


@every_journey()
def test_every_page_is_accessible_and_fits_320_px(journey, browser, live_server):
    context = browser.new_context(viewport=REFLOW)
    page = context.new_page()
    page.add_init_script(NO_INLINE_SWAP)  # each page loads as a page of its own
    checked, problems = [], []

    def check(what):
        where = f"{what} ({page.url.removeprefix(live_server.url)})"
        checked.append(where)
        problems.extend(f"{where}: {describe(v)}" for v in axe_violations(page))
        width = scroll_width(page, REFLOW)
        if width:
            problems.append(f"{where}: {width} px wide at {REFLOW['width']} px (horizontal scroll)")

    clicks, pages, wizard = ClickWalk(page, live_server.url, journey, check), journey.pages(), journey.wizard
    clicks.start()
    for step, data in walk(wizard, pages):
        clicks.step(step, data, empty_first=True)
    clicks.finish(pages, empty_first=True)
    seen = {step.name for step, _ in walk(wizard, pages)}

    # The pages only some members see: answered over HTTP up to the page, checked in the browser.
    for name, opener in journey.openers().items():
        web = Browserless(live_server.app.test_client())
        for step, data in walk(wizard, opened(pages, opener)):
            if step.name in seen:
                answer(web, wizard, step, data)
                continue
            if web.client.get_cookie("draft"):
                hand_over(page, web.client, live_server.url)
            clicks.step(step, data, empty_first=True)
            seen.add(step.name)
        assert name in seen, f"the opener of {name} did not bring it in"
    context.close()

    print(f"\n{journey.slug}: {len(checked)} pages checked\n  " + "\n  ".join(checked))
    assert not problems, "\n".join(problems)
    assert seen == {step.name for step in wizard.steps}, "a step no walk reached: add its opener"
    assert checked[0].startswith("start page") and any(c.startswith("confirmation") for c in checked)
