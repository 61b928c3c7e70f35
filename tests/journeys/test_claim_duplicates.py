"""The same expense or the same file twice within a claim (issue 12, point 5): a warning that
names both on the expenses or upload page and on the check page; the member can still go on."""
from __future__ import annotations

import io

from tests.support.files import jpeg_bytes
from tests.support.pages import parse
from tests.support.samples import CLAIM, EXPENSES, fill_claim

SAME_LINE = "Expense 1 and Expense 3 have the same date, provider and amount: check that you have not entered the same expense twice."
SAME_FILE = "receipt.jpg and receipt-copy.jpg are the same file: check that you have not uploaded it twice."


def cautions(response) -> list[str]:
    return [" ".join(li.get_text().split()) for li in parse(response).select(".warning li")]


def upload(web, name, content):
    return web.post("/claim/receipts", {"action": "upload", "kind": "invoice", "file": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")


def test_the_same_expense_twice_is_named_on_the_list_and_check_pages(web):
    again = {**EXPENSES[0], "provider": "  dr anne  MARTIN ", "amount": "650"}  # same, typed otherwise
    fill_claim(web, finish=False, expenses=[*EXPENSES, again])
    assert cautions(web.get("/claim/expenses")) == [SAME_LINE]
    check = web.get("/claim/check")
    assert [c.split(" Fix this")[0] for c in cautions(check)][0] == SAME_LINE
    fix = parse(check).select(".warning li a")[0]
    assert fix["href"] == "/claim/expenses?change=1"
    response = web.post("/claim/check", CLAIM["check"])
    assert parse(response).select_one("h1").get_text(strip=True) == "Your claim packet is ready"


def test_a_different_amount_or_day_is_not_a_duplicate(web):
    other_day = {**EXPENSES[0], "date-day": str(int(EXPENSES[0]["date-day"]) % 28 + 1)}
    fill_claim(web, finish=False, expenses=[*EXPENSES, {**EXPENSES[0], "amount": "650.01"}, other_day])
    assert cautions(web.get("/claim/expenses")) == []


def test_the_same_file_twice_is_named_on_the_upload_and_check_pages(web):
    fill_claim(web, finish=False, receipts=(), expenses=EXPENSES[:1])
    content = jpeg_bytes()
    upload(web, "receipt.jpg", content)
    upload(web, "other.jpg", jpeg_bytes(color="gray"))
    response = upload(web, "receipt-copy.jpg", content)
    assert cautions(response) == [SAME_FILE]
    response = web.post("/claim/receipts", {"action": "continue"})
    assert parse(response).select_one("h1").get_text(strip=True) == "Check your answers before finishing"
    assert [c.split(" Fix this")[0] for c in cautions(response)] == [SAME_FILE]
    response = web.post("/claim/check", CLAIM["check"])
    assert parse(response).select_one("h1").get_text(strip=True) == "Your claim packet is ready"
