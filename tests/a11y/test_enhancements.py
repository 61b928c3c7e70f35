"""What JavaScript adds, and only adds: a box that narrows the long currency list (by
keyboard, announced, never sending the form, never changing the choice), checked with
axe-core while in use; expenses saved in place, with the focus on what was done."""
from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.support.browser import WCAG_TAGS, hand_over, switch_language_keeping
from tests.support.samples import EXPENSES, MEMBER, TREATMENT
from tests.support.web import Browserless

LINE = EXPENSES[1]  # 80 CHF in Basel


def at_new_expense(page, live_server, treated_in=TREATMENT["country"]):
    """A claim answered over HTTP up to its expenses; the draft cookie handed to the browser."""
    web = Browserless(live_server.app.test_client())
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", {"who": "member"})
    web.post("/claim/treatment", dict(TREATMENT, country=treated_in))
    hand_over(page, web.client, live_server.url)
    page.goto(live_server.url + "/claim/expenses/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an expense")


def options(page) -> list[str]:
    return page.locator("#currency option").evaluate_all("os => os.map(o => o.value)")


def test_currency_list_narrows_as_you_type(page, live_server):
    at_new_expense(page, live_server)
    select = page.get_by_label("Currency", exact=True)
    expect(select).to_have_value("EUR")  # treated in France
    everything = options(page)
    assert len(everything) > 150

    box = page.get_by_label("Find a currency: type a code or a name, like CHF or franc")
    box.focus()
    page.keyboard.type("franc")
    francs = options(page)
    # EUR is not a franc, but it stays chosen (and listed first); screen readers hear so.
    assert francs[:2] == ["", "EUR"] and 5 < len(francs) < 30 and "CHF" in francs and "XOF" in francs
    labels = page.locator("#currency option").all_inner_texts()[2:]
    assert all("franc" in text.lower() for text in labels), labels
    expect(select).to_have_value("EUR")
    expect(page.get_by_role("status")).to_have_text(
        f"{len(francs) - 2} matching currencies in the list. Still chosen: EUR – Euro")

    box.press("ControlOrMeta+a")
    page.keyboard.type("swiss franc")
    assert options(page) == ["", "EUR", "CHF"]
    expect(select).to_have_value("EUR")
    page.keyboard.press("Enter")  # to the list: narrowing neither sends the form nor chooses
    expect(select).to_be_focused()
    expect(select).to_have_value("EUR")
    expect(page.locator(".error-summary")).to_have_count(0)
    page.keyboard.press("ArrowDown")  # choosing in the list does
    expect(select).to_have_value("CHF")

    box.focus()
    page.keyboard.type("zzz")  # nothing matches: the list stays as it was
    expect(page.get_by_role("status")).to_have_text("No currency matches: the list is unchanged")
    assert options(page) == ["", "EUR", "CHF"]
    box.press("ControlOrMeta+a")
    page.keyboard.press("Backspace")  # an empty box: every currency again, the choice kept
    assert options(page) == everything
    expect(select).to_have_value("CHF")

    page.keyboard.type("swiss")
    axe = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert axe.violations_count == 0, axe.generate_report()

    for name in ("Day", "Month", "Year"):
        page.get_by_role("group", name="Date of service").get_by_label(name, exact=True).fill(
            LINE[f"date-{name.lower()}"])
    for name in ("Provider", "Description", "Amount"):
        page.get_by_label(name, exact=True).fill(LINE[name.lower()])
    page.get_by_label("Provider's town or city", exact=True).fill(LINE["city"])
    page.get_by_role("button", name="Save expense").click()
    expect(page.locator("table.totals")).to_contain_text("CHF 80.00")


def fill_line(page, line):
    for part in ("day", "month", "year"):
        page.locator(f"#date{'' if part == 'day' else '-' + part}").fill(line[f"date-{part}"])
    for label in ("Provider", "Description", "Amount"):
        page.get_by_label(label, exact=True).fill(line[label.lower()])
    page.get_by_label("Provider's town or city", exact=True).fill(line["city"])
    page.get_by_label("Currency", exact=True).select_option(line["currency"])


def test_expenses_are_added_changed_and_removed_without_a_reload(page, live_server):
    at_new_expense(page, live_server)
    loads = []
    page.on("load", lambda _: loads.append(page.url))
    page.evaluate("window.sameDocument = true")

    fill_line(page, EXPENSES[0])
    page.get_by_role("button", name="Save expense").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Expenses: you have added 1 expense")
    assert page.url.endswith("/claim/expenses")
    # Screen readers hear what was done; the message has no heavy box around it.
    notice = page.get_by_role("status")
    expect(notice).to_have_text("Expense 1 saved")
    expect(notice).to_be_focused()
    ring = notice.evaluate("e => { const s = getComputedStyle(e); return [s.outlineWidth, s.boxShadow]; }")
    assert ring == ["2px", "none"]  # seen, but not the 3px yellow box with a shadow of controls

    page.get_by_role("link", name="Add another expense").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an expense")
    page.get_by_role("button", name="Save expense").click()  # nothing filled in
    expect(page).to_have_title(re.compile(r"^Error: Add an expense"))
    expect(page.locator(".error-summary")).to_be_focused()
    fill_line(page, LINE)
    page.get_by_role("button", name="Save expense").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Expenses: you have added 2 expenses")
    expect(page.locator(".totals")).to_contain_text("CHF 80.00")
    swapped = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert swapped.violations_count == 0, swapped.generate_report()

    page.get_by_role("link", name="Change expense 2").click()
    page.get_by_label("Amount", exact=True).fill("95")
    page.get_by_role("button", name="Save expense").click()
    expect(page.locator(".totals")).to_contain_text("CHF 95.00")
    page.get_by_role("button", name="Remove expense 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Expenses: you have added 1 expense")

    page.get_by_role("link", name="Skip to main content").focus()
    page.keyboard.press("Enter")  # the skip link moves within the page: no reload either
    assert page.url.endswith("/claim/expenses#main")
    assert page.evaluate("window.sameDocument") is True and loads == []  # never reloaded
    page.go_back()  # from #main to the list itself: still the same page
    page.go_back()  # the address bar followed each page; back loads the one it shows
    assert page.url.endswith("/claim/expenses/1")
    # app.js reloads on popstate; until the new document is there, the old one (same heading,
    # same list) would pass every check below, and no load would have been seen yet.
    page.wait_for_function("() => window.sameDocument === undefined")
    page.wait_for_load_state()
    # Expense 2 became expense 1, so the server sends the member to the list: every change
    # was saved there as it was made.
    expect(page.get_by_role("heading", level=1)).to_have_text("Expenses: you have added 1 expense")
    expect(page.locator(".items")).to_contain_text("Zahnklinik Basel")
    expect(page.locator(".totals")).to_contain_text("CHF 95.00")
    assert loads


def test_switching_language_on_a_swapped_page_keeps_what_was_typed(page, live_server):
    """The switcher on a form page submits that form to the language change, even on a page
    swapped in without a reload: the typed expense comes back in French, not saved, not lost."""
    at_new_expense(page, live_server)
    fill_line(page, EXPENSES[0])
    page.get_by_role("button", name="Save expense").click()
    page.get_by_role("link", name="Add another expense").click()  # swapped in place
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an expense")
    assert page.url.endswith("/claim/expenses/new")
    switch_language_keeping(page, "Français", "fr", {"provider": "Zahnklinik Basel", "description": "Contrôle"})
    page.locator("#amount").fill("80")
    page.locator("#city").fill("Basel")
    page.locator("#currency").select_option("CHF")
    for part in ("day", "month", "year"):
        page.locator(f"#date{'' if part == 'day' else '-' + part}").fill(LINE[f"date-{part}"])
    page.locator("main form#answers button[type=submit]").click()
    expect(page.locator(".items")).to_contain_text("Zahnklinik Basel")
    expect(page.locator(".totals")).to_contain_text("80,00")


def test_enter_in_a_swapped_form_saves_it_in_place(page, live_server):
    at_new_expense(page, live_server)
    page.evaluate("window.sameDocument = true")
    fill_line(page, LINE)
    page.get_by_label("Amount", exact=True).press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Expenses: you have added 1 expense")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.evaluate("window.sameDocument") is True  # saved without a reload


def test_typing_in_the_currency_box_never_changes_the_choice(page, live_server):
    """Treated in Kenya: KES is chosen for the member. Typing "dollar" narrows the list and
    keeps KES; only a choice in the list changes it, by mouse or by keyboard."""
    at_new_expense(page, live_server, treated_in="KE")
    select = page.get_by_label("Currency", exact=True)
    expect(select).to_have_value("KES")
    box = page.get_by_label("Find a currency: type a code or a name, like CHF or franc")
    box.focus()
    page.keyboard.type("dollar")
    expect(select).to_have_value("KES")
    shown = options(page)
    assert shown[:2] == ["", "KES"] and "AUD" in shown and "USD" in shown
    select.select_option("AUD")  # a deliberate choice, with the mouse
    expect(select).to_have_value("AUD")

    box.press("ControlOrMeta+a")
    page.keyboard.type("us dollar")
    expect(select).to_have_value("AUD")
    page.keyboard.press("ArrowDown")  # by keyboard: down to the list, down to the first match
    expect(select).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(select).to_have_value(options(page)[2])
    assert options(page)[2] != "AUD"
