"""Driving a page with the keyboard only: Tab / Shift+Tab to a control (reading
document.activeElement to know where focus is), then typing, arrow keys, Space or Enter.
No clicks and no locator fills."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

ACTIVE_JS = """() => {
  const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '',
          type: e.type || '', value: e.value === undefined ? '' : String(e.value),
          text: (e.textContent || '').replace(/\\s+/g, ' ').trim()};
}"""

FOCUS_JS = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                  && s.outlineColor !== 'rgba(0, 0, 0, 0)' && s.outlineColor !== 'transparent';
  return {key: e.outerHTML.slice(0, 90), body: e === document.body,
          visible: outline || s.boxShadow !== 'none'};
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


class FocusKeys(Keys):
    """Keys, plus a check of the focus style at every stop Tab makes."""

    def __init__(self, page):
        super().__init__(page)
        self.unseen: list[str] = []  # focus stops without a visible focus style
        self.stops = 0

    def active(self):
        found = self.page.evaluate(FOCUS_JS)
        if not found["body"]:
            self.stops += 1
            if not found["visible"]:
                self.unseen.append(f"{self.page.url}: {found['key']}")
        return super().active()

    def heading(self, text):
        expect(self.page.get_by_role("heading", level=1)).to_have_text(text)

    def download(self, text) -> bytes:
        self.tab_to_text("a", text)
        with self.page.expect_download() as info:
            self.page.keyboard.press("Enter")
        return Path(info.value.path()).read_bytes()
