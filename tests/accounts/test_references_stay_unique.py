"""A member's draft keeps its token when it is made again (after "Delete my answers", or the
purge of an expired draft, the next sign-in makes it anew): the next claim still gets a
reference of its own, and both claims are on My claims."""
from __future__ import annotations

from tests.support.accounts import sign_in
from tests.support.drive import fill
from tests.support.pages import parse
from tests.support.registry import JOURNEYS

ANA = "ana.references@example.org"
CLAIM_JOURNEY = next(j for j in JOURNEYS if j.slug == "claim")


def finish_claim(member) -> str:
    fill(member, CLAIM_JOURNEY.wizard, CLAIM_JOURNEY.pages())
    return parse(member.get("/claim/done")).select_one(".panel .ref").get_text(strip=True)


def my_claims(member) -> list[str]:
    return sorted(a["href"].rsplit("/", 1)[-1] for a in parse(member.get("/my-claims")).select("h2.record-title a"))


def test_a_claim_after_delete_my_answers_gets_a_new_reference(site, smtp_server):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    first = finish_claim(member)
    member.post("/delete", {})
    sign_in(member, smtp_server, ANA)
    second = finish_claim(member)
    assert second != first
    assert my_claims(member) == sorted([first, second])


def test_a_claim_after_the_purge_of_an_expired_draft_gets_a_new_reference(site, smtp_server, clock):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    first = finish_claim(member)
    clock.advance(days=40)
    site.app.extensions["store"].purge_expired()
    sign_in(member, smtp_server, ANA)
    second = finish_claim(member)
    assert second != first
    assert my_claims(member) == sorted([first, second])
