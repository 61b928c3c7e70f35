"""A signed-in member who kept the bank details and remembered the account starts another
claim: the saved account is still the one chosen, "Remember" is not offered again, and an
account typed again with a number already saved updates that entry, never a copy."""
from __future__ import annotations

from tests.support.accounts import sign_in
from tests.support.pages import parse
from tests.support.samples import CLAIM, fill_claim

ZOE = "zoe.another@example.org"
TICK = {"profile-remember": "y"}


def saved_accounts(member) -> list[str]:
    page = parse(member.get("/saved-details"))
    return [" ".join(li.select_one(".saved-text").get_text(" ").split()) for li in page.select(".saved-entry")
            if "IBAN" in li.get_text()]


def chosen_account(member) -> str:
    page = parse(member.get("/claim/bank"))
    chosen = page.select_one('input[name="profile-choice"][checked]')
    return page.find("label", {"for": chosen["id"]}).get_text(" ", strip=True) if chosen else ""


def test_start_another_keeps_the_remembered_account_chosen_and_saves_no_copy(site, smtp_server):
    member = site.member()
    sign_in(member, smtp_server, ZOE)
    fill_claim(member, answers={"bank-iban": {**CLAIM["bank-iban"], "keep": "y", **TICK}})
    assert saved_accounts(member) == ["IBAN ending 6769, Zoë Ørsted"]

    member.post("/claim/new", {}, token_from="/claim/done")
    for step in ("patient", "treatment"):  # the next claim, up to its bank pages
        member.post(f"/claim/{step}", CLAIM[step])
    member.post("/claim/expenses/new", CLAIM["expenses"][0])
    member.post("/claim/expenses", {})
    member.post("/claim/payment", CLAIM["payment"])
    assert chosen_account(member) == "IBAN ending 6769, Zoë Ørsted"
    assert parse(member.get("/claim/bank-iban")).find(attrs={"name": "profile-remember"}) is None

    # The same account typed again under "Another account", with "Remember" ticked.
    member.post("/claim/bank", {"profile-choice": "new", **CLAIM["bank"]})
    member.post("/claim/bank-iban", {**CLAIM["bank-iban"], **TICK})
    assert saved_accounts(member) == ["IBAN ending 6769, Zoë Ørsted"]
    assert chosen_account(member) == "IBAN ending 6769, Zoë Ørsted"
