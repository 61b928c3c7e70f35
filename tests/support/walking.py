"""Any registered journey walked in a real browser (Playwright) with its sample answers, in
the engine's step order: by clicking (with JavaScript on or off), or with the keyboard only.
A walk reports each page it lands on to `seen(what)`, where a test checks what it needs."""
from __future__ import annotations

from tests.support.browser import set_values
from tests.support.drive import media_type, upload_bytes
from tests.support.keys import FocusKeys
from tests.support.registry import Journey
from workflows.engine import ListStep, Step, UploadStep

PRIMARY = "main button[type=submit].button:not(.button-secondary)"  # a page's own button
UPLOAD = "main button[name=action][value=upload]"
FIELD_ORDER_JS = "() => [...document.querySelectorAll('#answers [name]')].map(e => e.name)"
KIND_JS = "n => document.querySelector(`[name=\"${n}\"]`).type"
TEXT_JS = "s => document.querySelector(s).textContent.replace(/\\s+/g, ' ').trim()"
OPTION_JS = "n => { const s = document.querySelector(`select[name=\"${n}\"]`); return s.selectedIndex; }"
INDEX_JS = """([n, v]) => [...document.querySelector(`select[name="${n}"]`).options].findIndex(o => o.value === v)"""


class ClickWalk:
    """Clicks through `journey` on `page` (a new visitor) like a member with a mouse."""

    def __init__(self, page, base_url: str, journey: Journey, seen=lambda what: None):
        self.page, self.base, self.journey, self.seen = page, base_url, journey, seen

    def url(self, name: str) -> str:
        return f"{self.base}/{self.journey.slug}/{name}"

    def at(self, name: str) -> bool:
        return self.page.url.split("?")[0].split("#")[0] == self.url(name)

    def go(self, name: str):
        """To that step's page, unless the last answer led there already."""
        if not self.at(name):
            self.page.goto(self.url(name))

    def press(self, selector: str = PRIMARY):
        self.page.locator(selector).click()
        self.page.wait_for_load_state()

    def start(self):
        self.page.goto(f"{self.base}/{self.journey.slug}/")
        self.seen("start page")
        self.press("main a.button-start")

    def step(self, step: Step, data, empty_first: bool = False):
        name, page = step.name, self.page
        self.go(name)  # a list with no item yet sends the member on to its first item
        self.seen(name)
        if isinstance(step, ListStep):
            if empty_first:
                self.press()
                self.seen(f"{name}, an item posted empty")
            for number, item in enumerate(data):
                if number:
                    self.press("main a#add")
                set_values(page, item)
                self.press()
            self.seen(f"{name}, {len(data)} item(s)")
        elif isinstance(step, UploadStep):
            if empty_first:
                self.press(UPLOAD)
                self.seen(f"{name}, uploaded with nothing chosen")
            for file_name, kind in data:
                set_values(page, {"kind": kind})
                page.locator("main input[type=file]").set_input_files(
                    {"name": file_name, "mimeType": media_type(file_name), "buffer": upload_bytes(file_name)})
                self.press(UPLOAD)
            if data:
                self.seen(f"{name}, {len(data)} uploaded")
        else:
            if empty_first:
                self.press()
                self.seen(f"{name}, posted empty")
                self.go(name)  # nothing on the page was required
            set_values(page, data)
        self.press()

    def finish(self, pages: dict, empty_first: bool = False):
        self.go("check")
        self.seen("review")
        declaration = pages.get("check", {})
        if empty_first and declaration:
            self.press()
            self.seen("review, finished without the declaration")
        set_values(self.page, declaration)
        self.press()
        self.seen("confirmation")


class KeyboardWalk:
    """Walks `journey` with the keyboard only (Tab, Shift+Tab, typing, arrows, Space, Enter);
    the DOM is read to know what to reach, never clicked."""

    def __init__(self, keys: FocusKeys, base_url: str, journey: Journey):
        self.keys, self.page, self.base, self.journey = keys, keys.page, base_url, journey

    def text_of(self, selector: str) -> str:
        return self.page.evaluate(TEXT_JS, selector)

    def press(self, selector: str = PRIMARY, tag: str = "button"):
        self.keys.go(self.text_of(selector), tag)

    def start(self):
        """From the landing page: Tab to the journey's card, Enter, then "Start now"."""
        self.page.goto(self.base + "/")
        self.keys.tab_to(f'main a[href="/{self.journey.slug}/"]')
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.press("main a.button-start", "a")

    def select(self, name: str, value: str):
        """A <select>: arrow keys to the option (type-ahead needs the option's text)."""
        self.keys.tab_to(f'select[name="{name}"]')
        target = self.page.evaluate(INDEX_JS, [name, value])
        assert target >= 0, f"{name} has no option {value!r}"
        for _ in range(3):
            now = self.page.evaluate(OPTION_JS, name)
            if now == target:
                return
            for _ in range(abs(target - now)):
                self.page.keyboard.press("ArrowDown" if target > now else "ArrowUp")
        raise AssertionError(f"{name}: arrow keys did not reach {value!r}")

    def fill(self, values: dict):
        """Each value in its field, in the order of the page (Tab only goes forward)."""
        order = self.page.evaluate(FIELD_ORDER_JS)
        missing = [name for name in values if name not in order]
        assert not missing, f"no field {missing} on {self.page.url}"
        for name in sorted(values, key=order.index):
            if values[name] == "" and not self.page.locator(f'[name="{name}"]').first.is_visible():
                continue  # a question not shown (revealed by another answer): nothing to type
            value, kind = values[name], self.page.evaluate(KIND_JS, name)
            if kind == "radio":
                self.keys.choose(name, value)
            elif kind == "checkbox":
                if value:
                    self.keys.check(name)
            elif kind.startswith("select"):
                self.select(name, value)
            else:
                self.keys.type(name, value)

    def step(self, step: Step, data):
        if isinstance(step, ListStep):
            for number, item in enumerate(data):
                if number:
                    self.press("main a#add", "a")
                self.fill(item)
                self.press()
        elif isinstance(step, UploadStep):
            for file_name, kind in data:
                self.keys.upload(kind, file_name, upload_bytes(file_name), media_type(file_name))
        else:
            self.fill(data)
        self.press()

    def finish(self, pages: dict):
        self.fill(pages.get("check", {}))
        self.press()
