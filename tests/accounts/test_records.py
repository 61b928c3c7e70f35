"""The history's records (issue 14.4): written when a signed-in member finishes any journey of
the registry (the toy only the tests register included), with its kept packet; never for a
member who is not signed in. Over a real server."""
from __future__ import annotations

import re

from tests.support.accounts import sign_in
from tests.support.drive import fill
from tests.support.pdf import flat, pdf_text
from tests.support.registry import every_journey

ANA = "ana.records@example.org"


def store_of(site):
    return site.app.extensions["store"]


def member_id(site, member) -> str:
    return store_of(site).members.session(member.draft).member_id


@every_journey()
def test_a_signed_in_member_finishing_any_journey_gets_a_record_with_its_packet(journey, site, smtp_server):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    fill(member, journey.wizard, journey.pages())
    records = store_of(site).records.for_member(member_id(site, member))
    assert [r.journey for r in records] == [journey.slug]
    record = records[0]
    assert record.has_packet and record.data["title"] and record.data["answer"] is None
    assert record.data["deliveries"] == []
    packet = store_of(site).records.packet(member_id(site, member), record.reference)
    text = flat(pdf_text(packet))
    assert record.reference in text
    assert [shown for shown in journey.shown if shown not in text] == []
    # The very packet the confirmation page offers.
    assert member.get(f"/{journey.slug}/done/packet.pdf").content == packet


@every_journey()
def test_nothing_is_recorded_for_a_member_who_is_not_signed_in(journey, site):
    member = site.member()
    fill(member, journey.wizard, journey.pages())
    assert member.get(f"/{journey.slug}/done").status_code == 200
    with store_of(site).engine.connect() as db:
        assert db.exec_driver_sql("SELECT count(*) FROM records").scalar() == 0


def test_a_claim_record_holds_the_patient_totals_lines_and_receipt_hashes(site, smtp_server):
    from tests.support.registry import JOURNEYS
    claim = next(j for j in JOURNEYS if j.slug == "claim")
    member = site.member()
    sign_in(member, smtp_server, ANA)
    fill(member, claim.wizard, claim.pages())
    data = store_of(site).records.for_member(member_id(site, member))[0].data
    assert data["patient"] == "Zoë Ørsted"
    assert data["totals"] == {"EUR": "650.00", "CHF": "80.00"}
    assert [(l["provider"], l["amount"], l["currency"]) for l in data["lines"]] == [
        ("Dr Anne Martin", "650.00", "EUR"), ("Zahnklinik Basel", "80.00", "CHF")]
    assert all(len(l["date"]) == 10 and l["patient"] == "Zoë Ørsted" for l in data["lines"])
    # The hash of the file as stored (the intake's cleaned copy): the same receipt, the same hash.
    [receipt] = data["receipts"]
    assert receipt["name"] == "receipt.jpg" and re.fullmatch(r"[0-9a-f]{64}", receipt["sha256"])
