"""Guards from the history (issue 14.6) over a real server: a receipt already sent with an
earlier claim (the same content), or an expense with the same patient, date, provider and
amount as one of an earlier claim, is named with the earlier reference, on its page and on
the check page, and the member can still send; another member's history says nothing. And
My claims lists the expenses of a claim not sent yet whose filing deadline is near."""
from __future__ import annotations

import datetime as dt

from tests.support.accounts import sign_in
from tests.support.files import jpeg_bytes
from tests.support.followups import signed_in_claim
from tests.support.pages import parse
from tests.support.samples import CLAIM, EXPENSES, fill_claim, parts_of
from workflows.engine import clock

ANA, BEA = "ana.member@example.org", "bea.member@example.org"


def cautions(response) -> list[str]:
    box = parse(response).select_one(".warning")
    return [li.get_text(" ", strip=True) for li in box.select("li")] if box else []


def test_the_same_receipt_and_expense_again_name_the_earlier_claim(site, smtp_server):
    scan = jpeg_bytes(color="beige")
    member, first = signed_in_claim(site, smtp_server, ANA, receipts=(("scan.jpg", scan),))
    member.post("/claim/new", {}, token_from="/claim/done")
    fill_claim(member, receipts=(("scan-again.jpg", scan),), finish=False,
               expenses=[EXPENSES[0], {**EXPENSES[1], "amount": "81.00"}])

    receipt = (f"scan-again.jpg was already sent with your earlier claim {first}: check that you are "
               "not claiming it twice.")
    line = (f"Expense 1 has the same patient, date, provider and amount as an expense of your earlier "
            f"claim {first}: check that you are not claiming it twice.")
    assert receipt in cautions(member.get("/claim/receipts"))
    on_expenses = cautions(member.get("/claim/expenses"))
    assert line in on_expenses and not any("Expense 2" in c for c in on_expenses)  # 81.00 is not 80.00
    check = member.get("/claim/check")
    assert all(any(text in c for c in cautions(check)) for text in (receipt, line))
    done = member.post("/claim/check", CLAIM["check"])  # a caution, not an error: it can be sent
    second = parse(done).select_one(".ref").get_text(strip=True)
    assert second.startswith("CLM") and second != first


def test_another_members_history_says_nothing(site, smtp_server):
    scan = jpeg_bytes(color="beige")
    signed_in_claim(site, smtp_server, ANA, receipts=(("scan.jpg", scan),))
    bea = site.member()
    sign_in(bea, smtp_server, BEA)
    fill_claim(bea, receipts=(("scan.jpg", scan),), finish=False)
    anonymous = site.member()
    fill_claim(anonymous, receipts=(("scan.jpg", scan),), finish=False)
    for member in (bea, anonymous):
        for page in ("/claim/receipts", "/claim/expenses", "/claim/check"):
            assert not any("earlier claim" in c for c in cautions(member.get(page))), page


def test_my_claims_lists_unsent_expenses_whose_filing_deadline_is_near(site, smtp_server, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.timezone.utc))
    member = site.member()
    sign_in(member, smtp_server, ANA)
    assert parse(member.get("/my-claims")).find(id="deadlines-near") is None
    near = {**EXPENSES[0], **parts_of("date", dt.date(2025, 6, 15))}  # by 31 December 2026: 31 days
    passed = {**EXPENSES[1], **parts_of("date", dt.date(2024, 3, 1))}  # by 31 December 2025
    later = {**EXPENSES[0], "amount": "12.00", **parts_of("date", dt.date(2026, 10, 1))}  # 2027: not near
    fill_claim(member, finish=False, expenses=[near, later, passed])

    section = parse(member.get("/my-claims")).find(id="deadlines-near").find_parent("section")
    items = [li.get_text(" ", strip=True) for li in section.select("li")]
    assert items == [
        "1 March 2024 · Zahnklinik Basel · CHF 80.00: had to reach Cigna by 31 December 2025; Cigna may "
        "refuse it, but you can still send it",
        "15 June 2025 · Dr Anne Martin · EUR 650.00: must reach Cigna by 31 December 2026",
    ]
    (go_on,) = [a for a in section.find_all("a") if a.get_text().startswith("Go on with it")]
    assert go_on["href"] == "/claim/"
    member.post("/claim/check", CLAIM["check"])
    assert parse(member.get("/my-claims")).find(id="deadlines-near") is None  # sent: not listed
