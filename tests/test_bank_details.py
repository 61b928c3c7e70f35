"""Bank details as the member meets them: the BIC found from the IBAN where the bank is
known, asked with a hint where to find it where not, and the account kept for the next
claim of the visit only when the member asks."""
import pytest

from tests.support.pages import field_error, parse, summary
from tests.support.pdf import pdf_text
from tests.support.samples import CLAIM, EXPENSES, MEMBER, TREATMENT, fill_claim

KEEP = "Use these bank details for my next claim in this visit"


def at_bank_iban(web, country="BE"):
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", CLAIM["patient"])
    web.post("/claim/treatment", TREATMENT)
    web.post("/claim/expenses/new", EXPENSES[0])
    web.post("/claim/expenses", {})
    web.post("/claim/payment", CLAIM["payment"])
    web.post("/claim/bank", {"holder": "Zoë Ørsted", "country": country})


def hint(response, field_id):
    return parse(response).find(id=f"{field_id}-hint").get_text(" ", strip=True)


@pytest.mark.parametrize("country, iban, bic", [
    ("BE", "BE71 0961 2345 6769", "GKCCBEBB"),
    ("DE", "de89 3704 0044 0532 0130 00", "COBADEFFXXX"),
])
def test_a_known_bank_s_bic_is_filled_in_from_the_iban_for_the_member_to_check(web, country, iban, bic):
    at_bank_iban(web, country)
    response = web.post("/claim/bank-iban", {"iban": iban, "bic": ""})
    assert response.request.path == "/claim/bank-iban"  # shown, not saved unseen
    page = parse(response)
    assert summary(response) == [] and not page.title.get_text().startswith("Error:")
    assert page.find(id="bic")["value"] == bic
    assert hint(response, "bic").startswith("Filled in from your IBAN: check it against your bank "
                                            "statement or online banking")
    assert "We filled in the BIC from your IBAN" in page.select_one(".notice").get_text()
    assert page.find(id="iban")["value"].replace(" ", "").upper() == iban.replace(" ", "").upper()
    response = web.post("/claim/bank-iban", {"iban": iban, "bic": page.find(id="bic")["value"]})
    assert response.request.path == "/claim/receipts"


def test_the_member_s_own_bic_is_kept_and_a_changed_one_is_taken(web):
    at_bank_iban(web)
    response = web.post("/claim/bank-iban", {"iban": "BE71 0961 2345 6769", "bic": "GEBABEBB"})
    assert response.request.path == "/claim/receipts"
    assert parse(web.get("/claim/bank-iban")).find(id="bic")["value"] == "GEBABEBB"


def test_an_unknown_bank_s_bic_is_asked_with_where_to_find_it(web):
    at_bank_iban(web)
    response = web.post("/claim/bank-iban", {"iban": "BE68 5390 0754 7034", "bic": ""})
    assert summary(response) == ["Enter the BIC (SWIFT code)"]
    assert field_error(response, "bic") == "Enter the BIC (SWIFT code)"
    assert hint(response, "bic") == ("8 or 11 letters and numbers, on your bank statement or in "
                                     "your online banking.")
    assert parse(response).find(id="iban")["value"] == "BE68 5390 0754 7034"  # kept as typed


def test_the_bic_hint_on_the_first_visit_says_where_to_find_it(web):
    at_bank_iban(web)
    text = hint(web.get("/claim/bank-iban"), "bic")
    assert "on your bank statement or in your online banking" in text
    assert "filled in from the IBAN where your bank is known" in text


def next_claim_to_payment(web):
    web.post("/claim/new", {}, token_from="/claim/done")
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", {"who": "family"})
    web.post("/claim/family-member", CLAIM["family-member"])
    web.post("/claim/treatment", TREATMENT)
    web.post("/claim/expenses/new", EXPENSES[0])
    web.post("/claim/expenses", {})
    return web.get("/claim/payment")


def finish_with(web, keep: bool):
    bank_iban = {**CLAIM["bank-iban"], **({"keep": "y"} if keep else {})}
    fill_claim(web, finish=False)
    web.post("/claim/bank-iban", bank_iban)
    web.post("/claim/receipts", {"action": "continue"})
    review = web.get("/claim/check").get_data(as_text=True)
    assert "GEBABEBB" in review and KEEP not in review  # a choice about this service only
    return web.post("/claim/check", CLAIM["check"])


def test_the_next_claim_does_not_offer_the_account_unless_asked(web):
    at_bank_iban(web)
    page = parse(web.get("/claim/bank-iban"))
    assert page.find(id="keep") is not None and not page.find(id="keep").has_attr("checked")
    finish_with(web, keep=False)
    payment = parse(next_claim_to_payment(web))
    assert not payment.find("input", attrs={"name": "method", "checked": True})
    web.post("/claim/payment", CLAIM["payment"])
    bank = parse(web.get("/claim/bank"))
    assert bank.find(id="holder")["value"] == ""
    web.post("/claim/bank", CLAIM["bank"])
    assert parse(web.get("/claim/bank-iban")).find(id="iban")["value"] == ""


def test_the_next_claim_of_the_visit_offers_the_kept_account_when_asked(web):
    done = finish_with(web, keep=True)
    assert KEEP not in pdf_text(web.get("/claim/done/packet.pdf").data)  # not for the insurer
    assert done.request.path == "/claim/done"
    payment = parse(next_claim_to_payment(web))
    assert payment.find("input", attrs={"name": "method", "value": "bank"}).has_attr("checked")
    web.post("/claim/payment", CLAIM["payment"])
    assert parse(web.get("/claim/bank")).find(id="holder")["value"] == CLAIM["bank"]["holder"]
    web.post("/claim/bank", CLAIM["bank"])
    page = parse(web.get("/claim/bank-iban"))
    assert page.find(id="iban")["value"] == "BE71 0961 2345 6769"
    assert page.find(id="bic")["value"] == "GEBABEBB"
    assert page.find(id="keep").has_attr("checked")  # as the member left it; they can untick it


def test_kept_bank_details_go_with_deleted_answers(web):
    finish_with(web, keep=True)
    web.post("/delete", {}, token_from="/delete")
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", CLAIM["patient"])
    web.post("/claim/treatment", TREATMENT)
    web.post("/claim/expenses/new", EXPENSES[0])
    web.post("/claim/expenses", {})
    payment = parse(web.get("/claim/payment"))
    assert not payment.find("input", attrs={"name": "method", "checked": True})
