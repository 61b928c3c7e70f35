"""The saved profile (issue 14.2) over a real server: each item saved only with its tick;
the next claim prefilled (details, a saved family member as the patient, a saved bank
account shown by its last 4 characters and sent in full to the administrator, the
currency); a changed item asks before updating; the full IBAN on no page once saved;
removal; another member sees none of it."""
from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from tests.support.accounts import ask_link, link_in_folder, sign_in, use_link
from tests.support.files import jpeg_bytes
from tests.support.languages import english_left, texts
from tests.support.operator import cli_env, member as browser_with
from tests.support.pages import heading, parse, summary
from tests.support.pdf import pdf_text
from tests.support.samples import CLAIM, MEMBER, send
from tests.support.servers import flask_cli
from tests.support.web import Browserless

ZOE = "zoe.member@example.org"
OTHER = "someone.else@example.org"
IBAN = "BE71096123456769"  # CLAIM["bank-iban"], compacted
TICK = {"profile-remember": "y"}


def no_full_iban(response):
    """The page shows the saved IBAN nowhere, in any form (text, value attributes, source)."""
    assert IBAN not in re.sub(r"[^0-9A-Z]", "", response.text.upper()), response.url
    return response


def saved_items(member) -> list[str]:
    page = parse(no_full_iban(member.get("/saved-details")))
    return [" ".join(li.select_one(".saved-text").get_text(" ").split()) for li in page.select(".saved-entry")]


def value_of(response, name: str) -> str:
    found = parse(response).find(attrs={"name": name})
    if found.name == "select":
        chosen = found.find("option", selected=True)
        return chosen["value"] if chosen else ""
    return found.get("value", "")


def choices(response) -> dict[str, str]:
    """The saved entries offered on a page: label -> value."""
    page = parse(response)
    return {page.find("label", {"for": r["id"]}).get_text(" ", strip=True): r["value"]
            for r in page.select('input[name="profile-choice"]')}


def upload_and_check(member):
    member.post("/claim/receipts", {"action": "upload", "kind": "invoice", "file": (_jpeg(), "receipt.jpg")},
                content_type="multipart/form-data")
    member.post("/claim/receipts", {"action": "continue"})
    return member.get("/claim/check")


def _jpeg():
    import io
    return io.BytesIO(jpeg_bytes())


def claim_with_every_tick(member):
    """A claim for a family member, each item typed and ticked "Remember for my next claim"."""
    member.post("/claim/member", {**MEMBER, **TICK})
    member.post("/claim/patient", {"who": "family"})
    member.post("/claim/family-member", {**CLAIM["family-member"], **TICK})
    member.post("/claim/treatment", CLAIM["treatment"])
    for line in CLAIM["expenses"]:
        member.post("/claim/expenses/new", line)
    member.post("/claim/expenses", {})
    member.post("/claim/payment", {**CLAIM["payment"], "currency": "CHF", **TICK})
    member.post("/claim/bank", CLAIM["bank"])
    member.post("/claim/bank-iban", {**CLAIM["bank-iban"], **TICK})
    return upload_and_check(member)


def fresh_device(site, smtp_server, address=ZOE):
    device = site.member()
    sign_in(device, smtp_server, address)
    return device


def test_nothing_is_saved_without_the_tick(site, smtp_server):
    member = fresh_device(site, smtp_server)
    page = parse(member.get("/claim/member"))
    box = page.find("input", {"name": "profile-remember"})
    assert box is not None and not box.has_attr("checked")  # offered, unticked
    member.post("/claim/member", MEMBER)
    member.post("/claim/patient", {"who": "family"})
    member.post("/claim/family-member", CLAIM["family-member"])
    member.post("/claim/treatment", CLAIM["treatment"])
    member.post("/claim/expenses/new", CLAIM["expenses"][0])
    member.post("/claim/expenses", {})
    member.post("/claim/payment", CLAIM["payment"])
    member.post("/claim/bank", CLAIM["bank"])
    member.post("/claim/bank-iban", CLAIM["bank-iban"])
    assert heading(upload_and_check(member)).startswith("Check your answers")
    assert saved_items(member) == []
    assert "Nothing saved yet" in member.get("/saved-details").text
    # Not prefilled anywhere new either: a fresh draft on another device.
    assert value_of(fresh_device(site, smtp_server).get("/cover/sender"), "name") == ""


def test_anonymous_pages_offer_nothing_to_remember(site):
    anonymous = site.member()
    for path in ("/claim/member", "/cover/sender"):
        assert parse(anonymous.get(path)).find(attrs={"name": "profile-remember"}) is None
    assert anonymous.get("/saved-details").url.endswith("/sign-in")


def test_each_item_saved_with_its_tick_prefills_the_next_claim_and_the_insurer_gets_the_iban(
        site, smtp_server):
    phone = fresh_device(site, smtp_server)
    no_full_iban(claim_with_every_tick(phone))  # saved: the check page already masks it
    assert saved_items(phone) == [
        "Full name: Zoë Ørsted, Personal reference number: MIP-0042317, Date of birth: 3 April 1970, "
        "Email address: zoe@example.org, Country: Belgium, Phone number: +32 3 555 01 23, "
        "Postal address: Rue de la Loi 1 1000 Brussels",
        "Ana Ørsted, born 27 March 2012 (Child)",
        "IBAN ending 6769, Zoë Ørsted",
        "CHF – Swiss Franc",
    ]
    # Sealed at rest: the database holds none of it in clear.
    with site.app.extensions["store"].db.engine.connect() as db:
        stored = b"".join(bytes(row[0]) if not isinstance(row[0], str) else row[0].encode()
                          for row in db.execute(text("SELECT data FROM members")))
    assert b"0961" not in stored and "Ørsted".encode() not in stored

    phone.post("/delete", {})  # a fresh start: the draft goes, the profile stays
    laptop = fresh_device(site, smtp_server)
    member_page = laptop.get("/claim/member")
    assert value_of(member_page, "full_name") == "Zoë Ørsted"
    assert value_of(member_page, "reference") == "MIP-0042317"
    laptop.post("/claim/member", {**MEMBER})  # unchanged: nothing asked
    laptop.post("/claim/patient", {"who": "family"})
    offered = choices(laptop.get("/claim/family-member"))
    assert list(offered) == ["Ana Ørsted, born 27 March 2012 (Child)", "Someone else"]
    after = laptop.post("/claim/family-member", {"profile-choice": offered["Ana Ørsted, born 27 March 2012 (Child)"]})
    assert after.url.endswith("/claim/treatment")
    laptop.post("/claim/treatment", CLAIM["treatment"])
    laptop.post("/claim/expenses/new", CLAIM["expenses"][1])
    laptop.post("/claim/expenses", {})
    assert value_of(laptop.get("/claim/payment"), "currency") == "CHF"  # preselected
    laptop.post("/claim/payment", {**CLAIM["payment"], "currency": "CHF"})
    bank_page = no_full_iban(laptop.get("/claim/bank"))
    offered = choices(bank_page)
    assert list(offered) == ["IBAN ending 6769, Zoë Ørsted", "Another account"]
    after = laptop.post("/claim/bank", {"profile-choice": offered["IBAN ending 6769, Zoë Ørsted"]})
    assert after.url.endswith("/claim/receipts")
    check = no_full_iban(upload_and_check(laptop))
    assert "IBAN ending 6769" in check.text and "Ana Ørsted" in check.text
    iban_page = no_full_iban(laptop.get("/claim/bank-iban?change=1"))
    assert value_of(iban_page, "iban") == "" and "saved IBAN ending 6769" in iban_page.text
    laptop.post("/claim/bank-iban?change=1", {"iban": "", "bic": "GEBABEBB"})  # left empty: kept
    laptop.post("/claim/check", CLAIM["check"])
    no_full_iban(laptop.get("/claim/done"))
    send(laptop)

    to_insurer = [m["message"] for m in smtp_server.messages if "wbg.mip@cigna.com" in m["rcpt_tos"]]
    assert len(to_insurer) == 1
    packet = next(a for a in to_insurer[0].iter_attachments() if a.get_content_type() == "application/pdf")
    printed = pdf_text(packet.get_content())
    assert "BE71 0961 2345 6769" in printed and "Ana Ørsted" in printed


def test_changing_a_saved_item_asks_yes_updates_no_keeps(site, smtp_server):
    member = fresh_device(site, smtp_server)
    member.post("/claim/member", {**MEMBER, **TICK})
    assert member.get("/claim/member").text.count("profile-remember") == 0  # saved: no tick to offer

    asked = member.post("/claim/member", {**MEMBER, "phone": "+32 3 555 09 99"})
    assert asked.url.endswith("/claim/member")
    assert summary(asked) == ["You changed your saved details: select yes to update them too, "
                              "or no to keep them as they are"]
    kept = member.post("/claim/member", {**MEMBER, "phone": "+32 3 555 09 99", "profile-update": "no"})
    assert kept.url.endswith("/claim/patient")
    assert "+32 3 555 01 23" in saved_items(member)[0]
    assert value_of(member.get("/claim/member"), "phone") == "+32 3 555 09 99"  # this claim's answer

    member.post("/claim/member", {**MEMBER, "phone": "+32 3 555 07 77", "profile-update": "yes"})
    assert "+32 3 555 07 77" in saved_items(member)[0]

    # A saved account changed on the IBAN page: asked the same way.
    member.post("/claim/patient", {"who": "member"})
    member.post("/claim/treatment", CLAIM["treatment"])
    member.post("/claim/expenses/new", CLAIM["expenses"][0])
    member.post("/claim/expenses", {})
    member.post("/claim/payment", CLAIM["payment"])
    member.post("/claim/bank", CLAIM["bank"])
    member.post("/claim/bank-iban", {**CLAIM["bank-iban"], **TICK})
    assert saved_items(member)[1] == "IBAN ending 6769, Zoë Ørsted"
    new_iban = {"iban": "BE68 5390 0754 7034", "bic": "GEBABEBB"}
    asked = member.post("/claim/bank-iban", new_iban)
    assert asked.url.endswith("/claim/bank-iban") and "Update your saved details too?" in asked.text
    member.post("/claim/bank-iban", {**new_iban, "profile-update": "yes"})
    assert saved_items(member)[1] == "IBAN ending 7034, Zoë Ørsted"


def test_each_item_can_be_removed_and_another_member_never_sees_them(site, smtp_server):
    zoe = fresh_device(site, smtp_server)
    claim_with_every_tick(zoe)
    other = fresh_device(site, smtp_server, OTHER)
    assert saved_items(other) == []
    assert value_of(other.get("/claim/member"), "full_name") == ""
    other.post("/claim/member", MEMBER)
    other.post("/claim/patient", {"who": "family"})
    assert choices(other.get("/claim/family-member")) == {}
    # Another member's entry ids do nothing in this member's account.
    ids = [i["value"] for i in parse(zoe.get("/saved-details")).select('input[name="entry"]')]
    for entry in ids:
        other.post("/saved-details/remove", {"item": "accounts", "entry": entry})
        other.post("/saved-details/remove", {"item": "dependants", "entry": entry})
    assert len(saved_items(zoe)) == 4

    page = parse(zoe.get("/saved-details"))
    for form in page.select(".saved-entry form"):
        fields = {i["name"]: i["value"] for i in form.select("input") if i["name"] != "csrf_token"}
        zoe.post("/saved-details/remove", fields, token_from="/saved-details")
    assert saved_items(zoe) == []
    assert value_of(fresh_device(site, smtp_server).get("/cover/sender"), "name") == ""


def test_details_saved_on_one_journey_fill_in_the_others(site, smtp_server):
    member = fresh_device(site, smtp_server)
    member.post("/cover/sender", {"name": "Zoë Ørsted", "reference": "MIP-0042317", "phone": MEMBER["phone"],
                                  "reply_email": MEMBER["email"], **TICK})
    claim = member.get("/claim/member")
    assert [value_of(claim, n) for n in ("full_name", "reference", "phone", "email")] == [
        "Zoë Ørsted", "MIP-0042317", MEMBER["phone"], MEMBER["email"]]
    assert value_of(claim, "address") == ""  # never saved: nothing to fill in
    member.post("/guarantee/writer", {"role": "member", "name": "Zoë Ørsted", "email": MEMBER["email"],
                                      "phone": MEMBER["phone"]})
    guarantee = member.get("/guarantee/patient")
    assert (value_of(guarantee, "member_name"), value_of(guarantee, "reference")) == ("Zoë Ørsted", "MIP-0042317")


def walk_profile(member) -> set[str]:
    """The texts of the profile's pages and states: the offer, the question, the choice, the list."""
    shown = [member.get("/claim/member").text]
    member.post("/claim/member", {**MEMBER, **TICK})
    shown.append(member.post("/claim/member", {**MEMBER, "phone": "+32 3 555 09 99"}).text)
    member.post("/claim/patient", {"who": "family"})
    member.post("/claim/family-member", {**CLAIM["family-member"], **TICK})
    member.post("/claim/treatment", CLAIM["treatment"])
    member.post("/claim/expenses/new", CLAIM["expenses"][0])
    member.post("/claim/expenses", {})
    shown.append(member.get("/claim/payment").text)
    member.post("/claim/payment", CLAIM["payment"])
    member.post("/claim/bank", CLAIM["bank"])
    member.post("/claim/bank-iban", {**CLAIM["bank-iban"], **TICK})
    shown += [member.get(path).text for path in ("/claim/family-member", "/claim/bank", "/claim/bank-iban",
                                                 "/saved-details", "/contact")]
    return set().union(*(texts(html) for html in shown))


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_profile_pages_speak_french_and_spanish(site, smtp_server, language):
    english = walk_profile(fresh_device(site, smtp_server))
    member = site.member()
    member.http.cookies.set("lang", language)
    sign_in(member, smtp_server, OTHER)
    translated = walk_profile(member)
    assert {t for t in translated & english if english_left(t, language)} == set()
    assert "Remember for my next claim" in english and "Remember for my next claim" not in translated


def test_the_saved_profile_is_re_encrypted_by_keys_rotate(make_app, database_url, tmp_path):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    browser = Browserless(make_app(DRAFT_ENCRYPTION_KEYS=key_a).test_client())
    ask_link(browser, ZOE)
    use_link(browser, link_in_folder(tmp_path / "outbox"))
    browser.post("/cover/sender", {"name": "Zoë Ørsted", "reference": "MIP-0042317", "phone": MEMBER["phone"],
                                   "reply_email": MEMBER["email"], **TICK})
    cookie = browser.client.get_cookie("draft").value

    run = flask_cli(["keys", "rotate"], cli_env(database_url, tmp_path, f"{key_b},{key_a}"))
    assert run.returncode == 0, run.stderr
    assert "members: 1 re-encrypted" in run.stdout and "Ørsted" not in run.stdout + run.stderr
    page = browser_with(make_app(DRAFT_ENCRYPTION_KEYS=key_b), cookie).get("/saved-details")
    assert "Full name: Zoë Ørsted" in " ".join(page.get_data(as_text=True).split())


def test_a_second_account_is_kept_beside_the_first_and_a_chosen_one_changed_asks(site, smtp_server):
    member = fresh_device(site, smtp_server)
    member.post("/claim/member", MEMBER)
    member.post("/claim/patient", {"who": "member"})
    member.post("/claim/treatment", CLAIM["treatment"])
    member.post("/claim/expenses/new", CLAIM["expenses"][0])
    member.post("/claim/expenses", {})
    member.post("/claim/payment", CLAIM["payment"])
    member.post("/claim/bank", CLAIM["bank"])
    member.post("/claim/bank-iban", {**CLAIM["bank-iban"], **TICK})
    # Another account, typed under "Another account": saved as a second one when ticked.
    member.post("/claim/bank", {"profile-choice": "new", "holder": "Zoë and Karl Ørsted", "country": "DE"})
    member.post("/claim/bank-iban", {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", **TICK})
    assert saved_items(member) == ["IBAN ending 6769, Zoë Ørsted", "IBAN ending 3000, Zoë and Karl Ørsted"]

    # The first chosen again, its holder changed on the same page: asked, and kept on "no".
    first = choices(member.get("/claim/bank"))["IBAN ending 6769, Zoë Ørsted"]
    asked = member.post("/claim/bank", {"profile-choice": first, "holder": "Z. Ørsted", "country": "BE"})
    assert asked.url.endswith("/claim/bank") and "Update your saved details too?" in asked.text
    member.post("/claim/bank", {"profile-choice": first, "holder": "Z. Ørsted", "country": "BE",
                                "profile-update": "no"})
    iban_page = no_full_iban(member.get("/claim/bank-iban"))
    assert "saved IBAN ending 6769" in iban_page.text
    assert saved_items(member)[0] == "IBAN ending 6769, Zoë Ørsted"
