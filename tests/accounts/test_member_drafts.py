"""What signing in does to the draft (issue 14.1, 14.3, 14.8), over a real server: a new
session id on signing in and out, the old ones reading nothing; work done before signing in
kept; a draft that follows the member to another device, files included; 30 days for a
member's draft, 24 hours for an anonymous one; "Delete my answers" while signed in."""
from __future__ import annotations

from tests.support.accounts import sign_in
from tests.support.files import jpeg_bytes
from tests.support.pages import heading, listed, parse
from tests.support.pdf import pdf_text
from tests.support.samples import CLAIM, MEMBER, fill_claim

ANA = "ana.member@example.org"
RECEIPT = "Itemised invoice: receipt.jpg (1 page)"


def typed_name(member) -> str:
    return parse(member.get("/claim/member")).find("input", {"name": "full_name"}).get("value", "")


def continues(member) -> bool:
    return "Continue your claim" in parse(member.get("/")).get_text(" ")


def signed_in(member) -> bool:
    return heading(member.get("/my-claims")) == "My claims"


def with_cookie(site, value: str):
    """Another browser, given a copy of a cookie (stolen, or planted earlier)."""
    browser = site.member()
    browser.http.cookies.set("draft", value)
    return browser


def test_signing_in_and_out_gives_a_new_session_id_and_the_old_ones_read_nothing(site, smtp_server):
    member = site.member()
    member.post("/claim/member", MEMBER)
    anonymous = member.draft
    sign_in(member, smtp_server, ANA)
    signed = member.draft
    assert signed not in (None, anonymous)
    assert typed_name(member) == MEMBER["full_name"]  # the work done before signing in is kept
    assert typed_name(with_cookie(site, anonymous)) == ""  # the old id reads nothing

    member.post("/sign-out", {}, token_from="/my-claims")
    assert member.draft not in (None, signed, anonymous)
    assert not signed_in(member) and typed_name(member) == ""  # signed out: the member's draft stays theirs
    stale = with_cookie(site, signed)
    assert not signed_in(stale) and typed_name(stale) == ""
    sign_in(member, smtp_server, ANA)
    assert typed_name(member) == MEMBER["full_name"]


def test_a_draft_begun_on_one_device_continues_on_another_with_its_files(site, smtp_server):
    phone = site.member()
    fill_claim(phone, finish=False)  # every answer and a receipt, before signing in
    sign_in(phone, smtp_server, ANA)
    laptop = site.member()
    laptop.post("/claim/member", {**MEMBER, "full_name": "Not Kept"})  # the laptop's own, anonymous
    sign_in(laptop, smtp_server, ANA)
    assert listed(laptop.get("/claim/receipts")) == [RECEIPT]
    # Both had the journey under way: the laptop's answer (the later, on that device) wins
    # where both answered, and nothing else of either is lost.
    assert typed_name(laptop) == "Not Kept"
    laptop.post("/claim/member", MEMBER)

    # The phone, still signed in, sees the same; finished on the laptop, it is finished there.
    assert typed_name(phone) == MEMBER["full_name"] and listed(phone.get("/claim/receipts")) == [RECEIPT]
    laptop.post("/claim/check", CLAIM["check"])
    finished = parse(laptop.get("/claim/done")).select_one(".ref")
    assert finished is not None
    assert parse(phone.get("/claim/done")).select_one(".ref").get_text() == finished.get_text()
    # The packet is made from the receipt uploaded on the phone before signing in.
    assert "receipt.jpg" in pdf_text(phone.get("/claim/done/packet.pdf").content)


def test_a_members_draft_lives_30_days_an_anonymous_one_24_hours(site, smtp_server, clock):
    anonymous, member = site.member(), site.member()
    anonymous.post("/claim/member", MEMBER)
    sign_in(member, smtp_server, ANA)
    member.post("/claim/member", MEMBER)
    clock.advance(hours=24, minutes=1)
    assert not continues(anonymous)
    assert continues(member)
    clock.advance(days=29, hours=23)  # since the member's last visit
    assert continues(member) and signed_in(member)
    clock.advance(days=30, minutes=1)
    assert not continues(member) and not signed_in(member)


def test_the_lifetime_of_a_members_draft_is_a_setting(serve, make_app, smtp_server, clock):
    from tests.support.mail import SENDER
    site = serve(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER=SENDER,
                          CLOCK=clock, MEMBER_DRAFT_LIFETIME_DAYS=2))
    member = site.member()
    sign_in(member, smtp_server, ANA)
    member.post("/claim/member", MEMBER)
    clock.advance(days=1, hours=23)
    assert continues(member)
    clock.advance(days=2, minutes=1)
    assert not continues(member)


def test_delete_my_answers_while_signed_in_deletes_the_members_draft_everywhere(site, smtp_server):
    phone, laptop = site.member(), site.member()
    sign_in(phone, smtp_server, ANA)
    sign_in(laptop, smtp_server, ANA)
    phone.post("/claim/member", MEMBER)
    assert continues(laptop)
    assert heading(phone.post("/delete", {})) == "Your answers have been deleted"
    assert not signed_in(phone)  # and this browser is signed out
    assert not continues(laptop) and signed_in(laptop)


def test_sign_out_everywhere_ends_every_session_of_the_member(site, smtp_server):
    phone, laptop, other = site.member(), site.member(), site.member()
    for browser, address in ((phone, ANA), (laptop, ANA), (other, "bea@example.org")):
        sign_in(browser, smtp_server, address)
    laptop.post("/sign-out/everywhere", {}, token_from="/my-claims")
    assert not signed_in(phone) and not signed_in(laptop)
    assert signed_in(other)  # another member's sessions are theirs


def test_uploads_keep_working_for_a_signed_in_member(site, smtp_server):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    fill_claim(member, finish=False, receipts=(("scan.jpg", jpeg_bytes()),))
    assert listed(member.get("/claim/receipts")) == ["Itemised invoice: scan.jpg (1 page)"]
