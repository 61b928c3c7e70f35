"""Helpers for the accessibility tests: an auditor that checks each page a browser lands on
(axe-core, 360 px width, page weight, foreign requests, labels and hints), the error-page
checks, and keyboard-only driving."""
from __future__ import annotations

import io

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect
from PIL import Image

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
REFLOW = {"width": 320, "height": 740}
BUDGET = 50 * 1024  # bytes of HTML, CSS and JavaScript per page
COUNTED = {"document", "stylesheet", "script"}

_axe = Axe()

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


def set_values(page, values: dict):
    """Fill a form by field name, whatever the control: text, textarea, select, radio, checkbox."""
    for name, value in values.items():
        controls = page.locator(f'[name="{name}"]')
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
        # swapped in place by app.js (test_enhancements.py audits those): links and forms
        # marked data-inline lose the mark before app.js sees the click or submit.
        page.add_init_script("""for (const kind of ["click", "submit"]) {
            window.addEventListener(kind, (event) => {
                const marked = event.target.closest && event.target.closest("[data-inline]");
                if (marked) marked.removeAttribute("data-inline");
            }, true);
        }""")
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
            result = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                             "resultTypes": ["violations"]})
            for v in result.response["violations"]:
                targets = [" ".join(map(str, n["target"])) for n in v["nodes"]]
                self.problems.append(f"{where} at {viewport['width']} px: axe {v['id']} "
                                     f"({v['impact']}) on {targets}")
        page.set_viewport_size(PHONE)

        # No horizontal scrolling on the phone, nor at WCAG's reflow width (320 CSS px).
        for viewport in (REFLOW, PHONE):
            page.set_viewport_size(viewport)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
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


# --- keyboard only ------------------------------------------------------------------------------

ACTIVE_JS = """() => {
  const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '',
          type: e.type || '', value: e.value === undefined ? '' : String(e.value),
          text: (e.textContent || '').replace(/\\s+/g, ' ').trim()};
}"""


class Keys:
    """Drive a page with the keyboard only: Tab / Shift+Tab to a control (reading
    document.activeElement to know where focus is), then type, Space or Enter."""

    def __init__(self, page, limit: int = 120):
        self.page, self.limit = page, limit

    def active(self) -> dict:
        return self.page.evaluate(ACTIVE_JS)

    def tab_to(self, selector: str, back: bool = False):
        key = "Shift+Tab" if back else "Tab"
        for _ in range(self.limit):
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return self.active()
            self.page.keyboard.press(key)
        raise AssertionError(f"{selector} not reached with {key}; focus is on {self.active()}")

    def tab_to_text(self, tag: str, text: str):
        """Tab to a link or button whose text is `text`."""
        for _ in range(self.limit):
            now = self.active()
            if now["tag"] == tag and now["text"] == text:
                return now
            self.page.keyboard.press("Tab")
        raise AssertionError(f"<{tag}> {text!r} not reached with Tab; focus is on {self.active()}")

    def type(self, name: str, text: str):
        self.tab_to(f'[name="{name}"]:not([type=hidden])')
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.type(text)

    def fill(self, values: dict):
        """Type each value into the field of that name, in page order (Tab only goes forward)."""
        for name, value in values.items():
            self.type(name, value)

    def choose(self, name: str, value: str):
        """A radio: Tab into the group, then arrow keys to the option, Space to be sure."""
        self.tab_to(f'input[type=radio][name="{name}"]')
        for _ in range(20):
            if self.active()["value"] == value:
                self.page.keyboard.press("Space")
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"radio {name}={value} not reached")

    def select(self, name: str, typed: str, value: str):
        """A <select>: type the start of the option's text (the browser's type-ahead)."""
        self.tab_to(f'select[name="{name}"]')
        self.page.keyboard.type(typed)
        found = self.page.evaluate("n => document.querySelector(`select[name=\"${n}\"]`).value", name)
        assert found == value, f"typing {typed!r} in {name} chose {found!r}, not {value!r}"

    def check(self, name: str):
        self.tab_to(f'input[type=checkbox][name="{name}"]')
        if not self.page.evaluate("() => document.activeElement.checked"):
            self.page.keyboard.press("Space")

    def go(self, text: str, tag: str = "button"):
        """Tab to a button or link, press Enter, and wait for the page it leads to."""
        self.tab_to_text(tag, text)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def date(self, name: str, day: str, month: str, year: str):
        self.fill({f"{name}-day": day, f"{name}-month": month, f"{name}-year": year})

    def upload(self, kind: str, filename: str, content: bytes, mime: str):
        self.choose("kind", kind)
        self.tab_to("input[type=file]")
        for attempt in range(3):  # headless Chromium once (in ~14 runs) let a Space go unheard
            try:
                with self.page.expect_file_chooser(timeout=5000) as chooser:
                    self.page.keyboard.press("Space")
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
        chooser.value.set_files({"name": filename, "mimeType": mime, "buffer": content})
        self.go("Upload")


def jpeg(size=(900, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "JPEG")
    return out.getvalue()


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
