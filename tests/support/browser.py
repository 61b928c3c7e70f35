"""Headless Chromium (Playwright) and what the browser tests share: screen sizes, axe-core
with the WCAG 2.2 AA rules, the reflow check, filling a form by field name, and the language
switch that keeps what was typed."""
from __future__ import annotations

import contextlib

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
REFLOW = {"width": 320, "height": 740}  # WCAG's reflow width, in CSS pixels

# A page is audited as it loads: links and forms marked data-inline lose the mark before
# app.js sees the click or submit, so it loads the next page instead of swapping it in.
NO_INLINE_SWAP = """for (const kind of ["click", "submit"]) {
    window.addEventListener(kind, (event) => {
        const marked = event.target.closest && event.target.closest("[data-inline]");
        if (marked) marked.removeAttribute("data-inline");
    }, true);
}"""

_axe = Axe()


@contextlib.contextmanager
def chromium():
    """One headless Chromium for the block (a session's, or an xdist worker's)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page) -> list[dict]:
    """axe-core's violations of the WCAG 2.2 AA rules on the page as it is now."""
    result = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                     "resultTypes": ["violations"]})
    return result.response["violations"]


def describe(violation: dict) -> str:
    targets = [" ".join(map(str, n["target"])) for n in violation["nodes"]]
    return f"axe {violation['id']} ({violation['impact']}) on {targets}"


def scroll_width(page, viewport: dict) -> int | None:
    """The page's width at `viewport` when wider than it (horizontal scrolling), else None."""
    page.set_viewport_size(viewport)
    width = page.evaluate("document.documentElement.scrollWidth")
    return width if width > viewport["width"] else None


def set_values(page, values: dict):
    """Fill a form by field name, whatever the control: text, textarea, select, radio, checkbox.
    Nothing is typed (an empty value) into a question the page does not show: one revealed
    only by another answer (a member cannot type there, and Playwright would wait for it)."""
    for name, value in values.items():
        controls = page.locator(f'[name="{name}"]')
        if value == "" and not controls.first.is_visible():
            continue
        kind = controls.first.evaluate("e => e.type")
        if kind == "radio":
            page.locator(f'input[name="{name}"][value="{value}"]').check()
        elif kind == "checkbox":
            controls.set_checked(bool(value))
        elif kind.startswith("select"):
            controls.select_option(value)
        else:
            controls.fill(value)


def values_kept(page, values: dict) -> list[str]:
    """What the page no longer shows of `values` (empty when every typed value is kept)."""
    lost = []
    for name, value in values.items():
        controls = page.locator(f'[name="{name}"]')
        kind = controls.first.evaluate("e => e.type")
        if kind == "radio":
            shown = page.locator(f'input[name="{name}"]:checked').evaluate_all("es => es.map(e => e.value)")
            shown = shown[0] if shown else None
        elif kind == "checkbox":
            shown = controls.is_checked()
            value = bool(value)
        else:
            shown = controls.input_value()
        if shown != value:
            lost.append(f"{name}: typed {value!r}, shown {shown!r}")
    return lost


def switch_language_keeping(page, language: str, code: str, typed: dict[str, str]) -> None:
    """Type `typed` (field id: value) without saving, press the header's `language` button,
    and check the same page comes back in `code` with what was typed, unchecked."""
    path = page.url.split("?")[0]
    for field_id, value in typed.items():
        page.locator(f"#{field_id}").fill(value)
    page.get_by_role("navigation", name="Language").get_by_role("button", name=language).click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    assert page.url.split("?")[0] == path
    for field_id, value in typed.items():
        expect(page.locator(f"#{field_id}")).to_have_value(value)
    expect(page.locator(".error-summary")).to_have_count(0)  # not checked: nothing was saved yet


def hand_over(page, client, base_url: str) -> None:
    """Give the browser the draft cookie of a member who answered over HTTP (`client`)."""
    page.context.add_cookies([{"name": "draft", "value": client.get_cookie("draft").value,
                               "url": base_url}])
