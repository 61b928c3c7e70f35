"""An auditor that checks each page a browser lands on: axe-core (360 and 1280 px), no
horizontal scrolling (360 px and WCAG's 320 px), page weight, requests outside the app,
labels and hints tied to their inputs; and the error-page checks."""
from __future__ import annotations

from tests.support.browser import (DESKTOP, NO_INLINE_SWAP, PHONE, REFLOW, WCAG_TAGS, axe_violations,
                                   describe, scroll_width, set_values, values_kept)

BUDGET = 50 * 1024  # bytes of HTML, CSS and JavaScript per page
COUNTED = {"document", "stylesheet", "script"}

# Every form control has a label; radios and date parts sit in a fieldset with a legend;
# every hint and error message is tied to a control (or its fieldset) by aria-describedby,
# and every aria-describedby points at something that exists.
STRUCTURE_JS = """() => {
  const problems = [];
  const name = c => c.id || c.name || c.outerHTML.slice(0, 60);
  for (const c of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!c.labels || !c.labels.length || !c.labels[0].textContent.trim()) problems.push('no label: ' + name(c));
    if (c.type === 'radio' || c.closest('.date')) {
      const fs = c.closest('fieldset');
      const legend = fs && fs.querySelector(':scope > legend');
      if (!legend || !legend.textContent.trim()) problems.push('no fieldset with a legend: ' + name(c));
    }
  }
  const described = new Set();
  for (const e of document.querySelectorAll('[aria-describedby]')) {
    for (const id of e.getAttribute('aria-describedby').split(/\\s+/)) {
      described.add(id);
      if (!document.getElementById(id)) problems.push('aria-describedby points nowhere: ' + id);
    }
  }
  for (const h of document.querySelectorAll('.group .hint, .error-message')) {
    if (!h.id || !described.has(h.id)) problems.push('hint or error not tied to its input: ' + h.textContent.trim().slice(0, 50));
  }
  return problems;
}"""

ERROR_JS = """() => {
  const summary = document.querySelector('.error-summary');
  const links = summary ? [...summary.querySelectorAll('a')].map(a => a.getAttribute('href')) : [];
  const groups = [...document.querySelectorAll('.group-error')].map(g => {
    const ids = [...g.querySelectorAll('input, select, textarea')].map(c => c.id);
    return ids;
  });
  return {
    title: document.title,
    focused: document.activeElement === summary && summary !== null,
    links: links,
    missing: links.filter(h => !h.startsWith('#') || !document.getElementById(h.slice(1))),
    unlinked: groups.filter(ids => !ids.some(id => links.includes('#' + id))).map(ids => ids.join(',')),
  };
}"""


class Audit:
    """Checks every page the browser lands on; gathers problems instead of stopping at the
    first, so one run reports everything that is wrong."""

    def __init__(self, page, base_url: str):
        self.page, self.base = page, base_url
        self.checked: list[tuple[str, str]] = []  # (what, URL) of every page audited
        self.problems: list[str] = []
        self.error_pages = 0
        self.heaviest = (0, "")
        self._responses, self._requests = [], []
        page.on("response", lambda r: self._responses.append(r))
        page.on("request", lambda r: self._requests.append(r))
        # Each page is weighed as a first visit: no cached stylesheet or script, and no page
        # swapped in place by app.js (test_enhancements.py audits those).
        page.add_init_script(NO_INLINE_SWAP)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    # --- navigation: each one ends with the page checked ------------------------------------

    def _fresh(self):
        self._responses.clear()
        self._requests.clear()

    def goto(self, path: str, what: str = ""):
        self._fresh()
        self.page.goto(self.base + path)
        return self.check(what or path)

    def press(self, button: str, what: str, **values):
        """Fill `values` (by field name), press the button, check the page it leads to."""
        if values:
            set_values(self.page, values)
        self._fresh()
        self.page.get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_load_state()
        return self.check(what)

    def click(self, selector: str, what: str):
        """Click the first element `selector` finds (a button whose name is not known ahead)."""
        self._fresh()
        self.page.locator(selector).first.click()
        self.page.wait_for_load_state()
        return self.check(what)

    def follow(self, link: str, what: str):
        self._fresh()
        self.page.get_by_role("link", name=link, exact=True).click()
        self.page.wait_for_load_state()
        return self.check(what)

    def fails(self, button: str, what: str, typed: dict | None = None):
        """Submit with `typed` values (or empty) and check the error page it gives."""
        self.press(button, what, **(typed or {}))
        self.check_error_page(what, typed or {})

    # --- the checks ---------------------------------------------------------------------------

    def check(self, what: str):
        page, url = self.page, self.page.url
        where = f"{what} ({url.removeprefix(self.base)})"
        self.checked.append((what, url))

        # axe-core on the phone screen, then again on a desktop one (contrast, target sizes
        # and what is shown can differ with the width).
        for viewport in (PHONE, DESKTOP):
            if viewport is DESKTOP:
                page.set_viewport_size(DESKTOP)
            for v in axe_violations(page):
                self.problems.append(f"{where} at {viewport['width']} px: {describe(v)}")
        page.set_viewport_size(PHONE)

        # No horizontal scrolling on the phone, nor at WCAG's reflow width (320 CSS px).
        for viewport in (REFLOW, PHONE):
            width = scroll_width(page, viewport)
            if width:
                self.problems.append(f"{where}: {width} px wide at {viewport['width']} px (horizontal scroll)")

        weight = 0
        for response in self._responses:
            if response.request.resource_type in COUNTED and not 300 <= response.status < 400:
                weight += len(response.body())
        if weight >= BUDGET:
            self.problems.append(f"{where}: {weight} bytes of HTML, CSS and JS (budget {BUDGET})")
        if weight > self.heaviest[0]:
            self.heaviest = (weight, where)
        if not any(r.request.resource_type == "stylesheet" for r in self._responses):
            self.problems.append(f"{where}: the stylesheet was not fetched, so it was not weighed")

        foreign = [r.url for r in self._requests
                   if not (r.url.startswith(self.base + "/") or r.url.startswith("data:"))]
        if foreign:
            self.problems.append(f"{where}: requests outside the app: {foreign}")

        for problem in page.evaluate(STRUCTURE_JS):
            self.problems.append(f"{where}: {problem}")
        return page

    def check_error_page(self, what: str, typed: dict):
        self.error_pages += 1
        where = f"{what} ({self.page.url.removeprefix(self.base)})"
        found = self.page.evaluate(ERROR_JS)
        if not found["title"].startswith("Error: "):
            self.problems.append(f"{where}: title {found['title']!r} does not start with 'Error: '")
        if not found["focused"]:
            self.problems.append(f"{where}: focus is not on the error summary")
        if not found["links"]:
            self.problems.append(f"{where}: no error summary links")
        for href in found["missing"]:
            self.problems.append(f"{where}: error summary link {href} leads nowhere")
        for ids in found["unlinked"]:
            self.problems.append(f"{where}: field in error ({ids}) not linked from the summary")
        for lost in values_kept(self.page, typed):
            self.problems.append(f"{where}: typed value lost: {lost}")

    def expect_autocomplete(self, expected: dict):
        for name, token in expected.items():
            found = self.page.locator(f'[name="{name}"]').get_attribute("autocomplete")
            if found != token:
                self.problems.append(f"{self.page.url}: {name} has autocomplete={found!r}, not {token!r}")

    def report(self) -> str:
        urls = sorted({url.removeprefix(self.base).split("#")[0] for _, url in self.checked})
        return (f"a11y audit: {len(self.checked)} pages checked ({len(urls)} distinct URLs, "
                f"{self.error_pages} in an error state); axe-core at 360 and 1280 px, WCAG {'/'.join(WCAG_TAGS)}: "
                f"{sum('axe ' in p for p in self.problems)} violations; heaviest page "
                f"{self.heaviest[0]} bytes, {self.heaviest[1]}\n"
                + "\n".join(f"  {what}: {url.removeprefix(self.base)}" for what, url in self.checked))
