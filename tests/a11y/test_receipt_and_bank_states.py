"""The upload page's and bank page's new states on a phone screen, through the same audit as
every other page (axe-core, 320/360 px, page weight, error summary and focus): a file kept
without its kind, adding a page to a receipt, files refused by the script before sending,
a BIC filled in from the IBAN and one asked for."""
from __future__ import annotations

import pytest

from tests.support.audit import Audit
from tests.support.browser import PHONE
from tests.support.files import jpeg
from tests.support.samples import CLAIM, EXPENSES, MEMBER, TREATMENT

SAVE = "Save and continue"


@pytest.fixture
def audit(browser, live_server):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    yield Audit(page, live_server.url)
    context.close()


def test_new_receipt_and_bank_states_pass_the_audit(audit, live_server, tmp_path):
    a = audit
    a.goto("/claim/member", "claim: your details")
    a.press(SAVE, "claim: patient", **MEMBER)
    a.press(SAVE, "claim: treatment", who="member")
    a.press(SAVE, "claim: expense", **TREATMENT)
    a.press("Save expense", "claim: expenses", **EXPENSES[0])
    a.press("Continue", "claim: payment")
    a.press(SAVE, "claim: bank", **CLAIM["payment"])
    a.press(SAVE, "claim: IBAN", **CLAIM["bank"])
    a.fails(SAVE, "claim: IBAN of an unknown bank, BIC asked", {"iban": "BE68 5390 0754 7034"})
    a.press(SAVE, "claim: IBAN, BIC filled in to check", iban="BE71 0961 2345 6769")
    assert a.page.locator("#bic").input_value() == "GKCCBEBB"
    a.page.get_by_label("Use these bank details for my next claim in this visit").check()
    a.press(SAVE, "claim: receipts")

    # Chosen without its kind: kept, and asked next to the file.
    a.page.get_by_label("Choose files", exact=True).set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    a.fails("Upload", "claim: receipts, a file kept without its kind")
    assert a.page.get_by_role("group", name="What kind of document is photo.jpg?").is_visible()
    a.page.get_by_role("group", name="What kind of document is photo.jpg?").get_by_role(
        "radio", name="Itemised invoice").check()

    # The script names a file over 10 MB before sending it.
    big = tmp_path / "scan.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024))
    a.page.get_by_label("Choose files", exact=True).set_input_files(str(big))
    a.page.get_by_role("button", name="Upload", exact=True).click()
    a.check("claim: receipts, a file refused before sending")
    a.check_error_page("claim: receipts, a file refused before sending", {})
    a.page.get_by_label("Choose files", exact=True).set_input_files([])

    a.press("Continue", "claim: check your answers")
    a.goto("/claim/receipts?change=1", "claim: receipts, changing")
    a.follow("Add a page to photo.jpg", "claim: receipts, adding a page")
    a.fails("Add pages", "claim: receipts, adding a page, nothing chosen")
    a.page.get_by_label("Choose files", exact=True).set_input_files(
        {"name": "back.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    a.press("Add pages", "claim: receipts, a page added")
    assert a.page.locator(".item-text").all_inner_texts() == ["Itemised invoice: photo.jpg (2 pages)"]
    assert not a.problems, "\n".join(a.problems)
