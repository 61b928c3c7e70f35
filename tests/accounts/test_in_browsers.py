"""Signing in and out in Chromium: by keyboard with JavaScript off in one browser, with it on
in another; "Sign out everywhere" in one ends the other's session (issue 14.1, 14.8)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.accounts import last_link

ANA = "ana.member@example.org"


@pytest.fixture
def browsers(browser):
    """Two devices: one without JavaScript, one with it."""
    without = browser.new_context(java_script_enabled=False)
    with_js = browser.new_context()
    yield without.new_page(), with_js.new_page()
    without.close()
    with_js.close()


def sign_in_by_keyboard(page, url: str, inbox) -> None:
    page.goto(url + "/contact")
    page.get_by_role("link", name="Sign in", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_label("Email address").fill(ANA)
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(f"{url}/sign-in/link/{last_link(inbox)}")
    page.get_by_role("button", name="Sign in", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_text("You are signed in.")).to_be_visible()


def cookie(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "draft")


def test_sign_out_everywhere_signs_out_the_other_browser(site, smtp_server, browsers):
    no_js, js = browsers
    no_js.goto(site.url + "/")
    before = cookie(no_js) if no_js.context.cookies() else ""
    sign_in_by_keyboard(no_js, site.url, smtp_server)
    signed = cookie(no_js)
    assert signed != before
    sign_in_by_keyboard(js, site.url, smtp_server)
    expect(js.get_by_role("link", name="My claims")).to_be_visible()

    js.get_by_role("button", name="Sign out everywhere").click()
    js.wait_for_load_state()
    expect(js.get_by_text("You are signed out on every device.")).to_be_visible()
    no_js.reload()
    expect(no_js.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(no_js.get_by_role("link", name="My claims")).to_have_count(0)

    sign_in_by_keyboard(no_js, site.url, smtp_server)
    no_js.get_by_role("button", name="Sign out", exact=True).click()
    no_js.wait_for_load_state()
    assert cookie(no_js) != signed
    expect(no_js.get_by_text("You are signed out.")).to_be_visible()
