"""Signing in by email link over a real server (issue 14.1, 14.8): the link from the real
mail server, or from the outbox folder; once only, 15 minutes only, its own address only;
CSRF; the same answer for known and unknown addresses; rate limits."""
from __future__ import annotations

import re
import threading

from tests.support.accounts import ask_link, last_link, link_in_folder, sign_in, use_link
from tests.support.mail import SENDER
from tests.support.pages import heading, parse, summary, field_error

ANA, BEA = "ana.member@example.org", "bea.member@example.org"


def signed_in_as(member) -> str:
    """The address "My claims" names, or "" when the page sends the member to sign in."""
    page = member.get("/my-claims")
    if heading(page) != "My claims":
        return ""
    return re.search(r"Signed in as (\S+)\.", parse(page).get_text(" ")).group(1)


def test_the_link_from_the_mail_signs_the_member_in(site, smtp_server):
    member = site.member()
    assert parse(member.get("/")).find("a", string="Sign in")["href"] == "/sign-in"
    sent = ask_link(member, "  Ana.Member@Example.org ")
    assert heading(sent) == "Check your email"
    (received,) = [m["message"] for m in smtp_server.messages]
    assert received["To"] == "Ana.Member@example.org" and received["From"] == SENDER
    assert "Cigna" not in received.get_body(("plain",)).get_content()
    assert f"{site.url}/sign-in/link/" in received.get_body(("plain",)).get_content()

    landing = member.get(f"/sign-in/link/{last_link(smtp_server)}")
    assert heading(landing) == "Sign in" and signed_in_as(member) == ""  # opening it signs nobody in
    # It names the address it signs in as: a link someone else sent shows whose it is.
    assert "This link signs you in as Ana.Member@example.org." in parse(landing).get_text(" ")
    done = use_link(member, last_link(smtp_server))
    assert "You are signed in." in parse(done).get_text()
    assert signed_in_as(member) == "Ana.Member@example.org"  # as typed (the domain normalised)
    header = parse(member.get("/contact")).header
    assert header.find("a", string="My claims") and header.find("button", string="Sign out everywhere")


def test_without_a_mail_server_the_link_is_written_to_the_outbox_folder(serve, make_app, tmp_path):
    site = serve(make_app())
    member = site.member()
    ask_link(member, ANA)
    use_link(member, link_in_folder(tmp_path / "outbox"))
    assert signed_in_as(member) == ANA


def test_a_link_works_once_even_clicked_twice_at_the_same_moment(site, smtp_server):
    first = site.member()
    ask_link(first, ANA)
    token = last_link(smtp_server)
    browsers = [site.member() for _ in range(4)]
    tokens = [b.token(f"/sign-in/link/{token}") for b in browsers]
    replies = [None] * len(browsers)

    def click(i):
        replies[i] = browsers[i].post("/sign-in/link", {"token": token, "csrf_token": tokens[i]})
    threads = [threading.Thread(target=click, args=(i,)) for i in range(len(browsers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in replies) == [200, 400, 400, 400]
    assert [signed_in_as(b) for b in browsers].count(ANA) == 1
    opened = first.get(f"/sign-in/link/{token}")
    assert opened.status_code == 400 and heading(opened) == "This sign-in link cannot be used"
    again = first.post("/sign-in/link", {"token": token}, token_from="/sign-in")
    assert again.status_code == 400 and heading(again) == "This sign-in link cannot be used"
    assert signed_in_as(first) == ""


def test_a_link_expires_after_15_minutes(site, smtp_server, clock):
    member = site.member()
    ask_link(member, ANA)
    fresh = last_link(smtp_server)
    ask_link(member, ANA)
    stale = last_link(smtp_server)
    clock.advance(minutes=14, seconds=59)
    use_link(member, fresh)
    assert signed_in_as(member) == ANA
    clock.advance(seconds=2)
    other = site.member()
    assert other.get(f"/sign-in/link/{stale}").status_code == 400
    assert other.post("/sign-in/link", {"token": stale}, token_from="/sign-in").status_code == 400
    assert signed_in_as(other) == ""


def test_a_link_signs_in_only_the_address_it_was_sent_to(site, smtp_server):
    bea = site.member()
    sign_in(bea, smtp_server, BEA)
    assert signed_in_as(bea) == BEA
    ask_link(site.member(), ANA)
    ana_link = last_link(smtp_server)
    forged = ana_link[:-1] + ("A" if ana_link[-1] != "A" else "B")
    assert use_link(bea, forged).status_code == 400 and signed_in_as(bea) == BEA
    use_link(bea, ana_link)  # Bea's browser holds Ana's link: it is Ana who is signed in
    assert signed_in_as(bea) == ANA


def test_the_forms_need_their_csrf_token(site, smtp_server):
    member = site.member()
    member.get("/sign-in")
    refused = member.post("/sign-in", {"email": ANA, "csrf_token": "forged"})
    assert refused.status_code == 400 and smtp_server.messages == []
    assert site.member().http.post(site.url + "/sign-in", data={"email": ANA}).status_code == 400
    assert smtp_server.messages == []
    ask_link(member, ANA)
    token = last_link(smtp_server)
    assert member.post("/sign-in/link", {"token": token, "csrf_token": "forged"}).status_code == 400
    assert signed_in_as(member) == ""
    use_link(member, token)  # the refused attempt did not use it up
    assert signed_in_as(member) == ANA


def test_a_wrong_address_is_said_by_the_field_and_in_the_summary(site, smtp_server):
    page = site.member().post("/sign-in", {"email": "ana at example"})
    message = "Enter an email address in the correct format, like name@example.com"
    assert summary(page) == [message] and field_error(page, "email") == message
    assert parse(page).select_one(".error-summary a")["href"] == "#email"
    assert summary(site.member().post("/sign-in", {"email": ""})) == ["Enter your email address"]
    assert smtp_server.messages == []


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_known_and_unknown_addresses_get_the_same_answer(site, smtp_server):
    sign_in(site.member(), smtp_server, ANA)  # Ana is a member now; Bea is not
    known, unknown = site.member(), site.member()
    answers = [m.post("/sign-in", {"email": address}) for m, address in ((known, ANA), (unknown, BEA))]
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.url for a in answers] == [site.url + "/sign-in/sent"] * 2
    assert _without_tokens(answers[0].text) == _without_tokens(answers[1].text)
    assert [m["message"]["To"] for m in smtp_server.messages[-2:]] == [ANA, BEA]
    use_link(unknown, last_link(smtp_server))  # and Bea's link makes her a member
    assert signed_in_as(unknown) == BEA


def test_rate_limits_per_address_and_per_client(serve, make_app, smtp_server):
    site = serve(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER=SENDER,
                          SIGN_IN_LIMIT_PER_ADDRESS=2, SIGN_IN_LIMIT_PER_CLIENT=5))
    member = site.member()
    assert [ask_link(member, ANA).status_code for _ in range(3)] == [200, 200, 429]
    refused = ask_link(site.member(), ANA)  # another browser: still Ana's address
    assert refused.status_code == 429 and heading(refused) == "Too many sign-in links asked for"
    assert "Retry-After" in refused.headers
    assert ask_link(member, BEA).status_code == 200  # this client's (127.0.0.1's) 5th of 5
    assert ask_link(member, "cy@example.org").status_code == 429
    assert len(smtp_server.messages) == 3
