"""A claim the administrator can pay the first time (issue 12): the packet's claim form section
as a processor reads it (pypdf), one truth about the administrator's own form on every page,
the documents checklist, the filing deadline; in English, French and Spanish (documents stay
English)."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from tests.support.clock import Clock
from tests.support.files import jpeg_bytes
from tests.support.meridian import MERIDIAN
from tests.support.pages import parse
from tests.support.pdf import flat, pdf_pages, pdf_text
from tests.support.samples import CLAIM, parts_of
from tests.support.web import Browserless
from workflows.administrators import PlanRules
from workflows.administrators.cigna import CIGNA
from workflows.engine import clock
from workflows.journeys.claim import rules

LANGUAGES = ["en", "fr", "es"]
PHARMACY = {"service": "medicine", "provider": "Pharmacie du Centre", "city": "Lyon", "country": "FR",
            "description": "Antibiotics", "amount": "23.40", "currency": "EUR"}
OTHER_INSURER = {"insurer": "Mutualité Chrétienne", "policy_number": "MC-552-190", "amount_paid": "120.00",
                 "paid_currency": "EUR"}


def today_is(monkeypatch, day: dt.date):
    """The app's today (workflows/engine/clock.py), at 09:00 UTC on `day`."""
    monkeypatch.setattr(clock, "now", Clock(dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.timezone.utc)))


def member_in(web, language):
    web.client.set_cookie("lang", language)
    return web


def upload(web, kind, name="receipt.jpg"):
    web.post("/claim/receipts", {"action": "upload", "kind": kind, "file": (io.BytesIO(jpeg_bytes()), name)},
             content_type="multipart/form-data")


def claim_up_to_check(web, lines=None, treatment=None, other=None, kinds=("invoice",)):
    """A family member's claim, to the check page: the answers from the journey's examples,
    with `treatment` changes, the other insurer's answers and expense lines as given."""
    web.post("/claim/member", CLAIM["member"])
    web.post("/claim/patient", {"who": "family"})
    web.post("/claim/family-member", CLAIM["family-member"])
    web.post("/claim/treatment", {**CLAIM["treatment"], **(treatment or {})})
    if (treatment or {}).get("accident") == "yes":
        web.post("/claim/accident", {**CLAIM["accident"], "work_related": "yes"})
    if other:
        web.post("/claim/other-insurance", other)
    for line in lines or CLAIM["expenses"]:
        web.post("/claim/expenses/new", line)
    web.post("/claim/expenses", {})
    web.post("/claim/payment", CLAIM["payment"])
    web.post("/claim/bank", CLAIM["bank"])
    web.post("/claim/bank-iban", CLAIM["bank-iban"])
    for kind in kinds:
        upload(web, kind)
    web.post("/claim/receipts", {"action": "continue"})
    return web.get("/claim/check")


def finish(web):
    web.post("/claim/check", CLAIM["check"])
    return web.get("/claim/done/packet.pdf").data


def a_line(days_ago=30, **changes):
    day = clock.today() - dt.timedelta(days=days_ago)
    return {**CLAIM["expenses"][0], **parts_of("date", day), **changes}


# --- point 1: the claim form section ------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_claim_form_section_has_every_field_in_the_third_person(web, language):
    member_in(web, language)
    claim_up_to_check(web, lines=[a_line(), a_line(29, **PHARMACY)],
                      treatment={"kind": "medical", "setting": "inpatient", "accident": "yes", "other_insurance": "yes"},
                      other=OTHER_INSURER)
    pages = pdf_pages(finish(web))
    form = flat(" ".join(p for p in pages[1:] if "Itemised invoice:" not in p))
    accident_day = dt.date.fromisoformat(
        "{date-year}-{date-month:0>2}-{date-day:0>2}".format(**CLAIM["accident"])).strftime("%-d %B %Y")
    expected = [
        # Member, patient, treatment, in the form's order.
        "Member Personal reference number MIP-0042317 Name Zoë Ørsted Address Rue de la Loi 1 1000 Brussels "
        "Belgium Phone +32 3 555 01 23 Email zoe@example.org",
        "Patient Name Ana Ørsted Date of birth 27 March 2012 Relationship to the member Child",
        "Country where treated France", "Diagnosis or reason for treatment Broken molar, crown needed",
        "Claim type Medical", "Inpatient or outpatient Inpatient",
        f"Accident Yes, on {accident_day}, work-related: Fell off a bicycle",
        "Other insurance Mutualité Chrétienne, policy MC-552-190, amount paid EUR 120.00",
        # Itemised fees: date, provider (name, city, country), service, amount, currency, proof.
        "Provider (name, city, country)", "Dr Anne Martin, Lyon, France", "Dental: Crown", "650.00 EUR",
        "Pharmacie du Centre, Lyon, France", "Medicine (pharmacy): Antibiotics", "23.40 EUR", "None enclosed",
        # Reimbursement and declaration.
        "Reimbursement Pay The member Currency EUR Method Bank transfer",
        "IBAN: BE71 0961 2345 6769", "BIC: GEBABEBB", "The member declared:",
        "Signature (typed) Zoë Ørsted", "Date",
    ]
    for text in expected:
        assert text in form, text
    order = [form.index(h) for h in ("Member Personal", "Patient Name", "Treatment", "Itemised fees",
                                     "Reimbursement Pay", "Declaration")]
    assert order == sorted(order)
    for second_person in ("Your details", "Me (the member)", "Bank account: IBAN", "I did", "tape"):
        assert second_person not in flat(" ".join(pages)), second_person


def test_a_handwritten_signature_box_only_on_paper(web):
    claim_up_to_check(web)
    emailed = flat(pdf_text(finish(web)))
    faxed = flat(pdf_text(web.get("/claim/done/fax.pdf").data))
    posted = flat(pdf_text(web.get("/claim/done/post.pdf").data))
    assert "Handwritten signature of the member" not in emailed
    assert "Handwritten signature of the member" in faxed and "Handwritten signature of the member" in posted


# --- point 1: one truth about the administrator's form --------------------------------------------

def form_statements(web):
    """What each page that mentions a form says about it: receipts, check, confirmation,
    contact, and the packet's cover and claim form section."""
    receipts = flat(parse(web.get("/claim/receipts")).select_one(".claim-form-note").get_text(" "))
    check = flat(parse(web.get("/claim/check")).select_one("#missing").find_next("ul").get_text(" "))
    packet = pdf_pages(finish(web))
    done = flat(parse(web.get("/claim/done")).select_one(".advice .claim-form-note").get_text(" "))
    contact = flat(parse(web.get("/contact")).get_text(" "))
    return {"receipts": receipts, "check": check, "done": done, "contact": contact,
            "cover": flat(packet[0]), "claim form": flat(packet[1])}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_says_the_cigna_form_is_required_signed_and_where_to_get_it(web, language):
    member_in(web, language)
    claim_up_to_check(web)
    said = form_statements(web)
    for where, text in said.items():
        assert CIGNA.claim_form_name in text, where
    for where in ("receipts", "done", "contact"):
        assert CIGNA.website in said[where], where
    assert f"Signed {CIGNA.claim_form_name}: 1 to follow" in said["cover"]
    assert f"Goes with the signed {CIGNA.claim_form_name}, not instead of it" in said["claim form"]
    assert "is the claim form" not in " ".join(said.values())


def test_for_an_administrator_without_a_form_the_packet_is_the_claim_form(make_app):
    web = Browserless(make_app(ADMINISTRATOR="tests.support.meridian").test_client())
    claim_up_to_check(web)
    said = form_statements(web)
    for where in ("receipts", "done", "contact"):
        assert "Meridian needs no form of its own: the claim packet's claim form section is the claim form" \
            in said[where], where
    assert "for Meridian the claim form in this packet is the claim form" in said["cover"]
    everything = " ".join(said.values())
    assert "Signed" not in said["cover"] and "requires its own form" not in everything
    assert "Cigna" not in everything and MERIDIAN.claims_email in said["cover"]


# --- point 3: the documents checklist ---------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_checklist_follows_the_answers(web, language):
    member_in(web, language)
    check = parse(claim_up_to_check(web, lines=[a_line(), a_line(29, **PHARMACY)],
                                    treatment={"other_insurance": "yes"}, other=OTHER_INSURER))
    missing = [flat(li.get_text()) for li in check.select("ul.missing li")]
    # An invoice and a proof of payment for each line (one invoice uploaded), the prescription,
    # the other insurer's statement, the administrator's form.
    assert len(missing) == 5
    assert check.find("a", href="/claim/receipts?change=1") is not None
    cover = flat(pdf_pages(finish(web))[0])
    for item in ("Proof of payment: 2 to follow (one for each expense)",
                 "Prescription: 1 to follow (one for each medicine)",
                 "Other insurer's statement: 1 to follow (the other insurer paid part of the claim)",
                 "Itemised invoice: 1 to follow"):
        assert item in cover, item


def test_nothing_to_follow_when_every_document_is_there(web):
    check = parse(claim_up_to_check(web, lines=[a_line(**PHARMACY)],
                                    kinds=("invoice", "payment", "prescription", "claim-form")))
    assert check.select_one("#missing") is None
    cover = flat(pdf_pages(finish(web))[0])
    assert "To follow Nothing: every document the claim calls for is enclosed." in cover
    assert re.search(r"Signed claim form: receipt\.jpg page \d+", cover)


def test_no_prescription_or_statement_asked_for_without_medicine_or_payment(web):
    check = parse(claim_up_to_check(web, treatment={"other_insurance": "yes"},
                                    other={**OTHER_INSURER, "amount_paid": "", "paid_currency": ""}))
    text = flat(check.select_one("ul.missing").get_text(" "))
    assert "Prescription" not in text and "Other insurer" not in text and "Proof of payment" in text


# --- point 4: the filing deadline -------------------------------------------------------------------

@pytest.mark.parametrize("language, near, past", [
    ("en", "Expenses from 2025 must reach Cigna by 31 December 2026",
     "Expenses from 2024 had to reach Cigna by 31 December 2025. Cigna may refuse them"),
    ("fr", "Les dépenses de 2025 doivent parvenir à Cigna au plus tard le 31 décembre 2026",
     "Les dépenses de 2024 devaient parvenir à Cigna au plus tard le 31 décembre 2025"),
    ("es", "Los gastos de 2025 deben llegar a Cigna a más tardar el 31 de diciembre de 2026",
     "Los gastos de 2024 debían llegar a Cigna a más tardar el 31 de diciembre de 2025"),
])
def test_deadline_warnings_name_the_date_and_the_claim_can_still_be_sent(web, monkeypatch, language, near, past):
    today_is(monkeypatch, dt.date(2026, 11, 15))  # 46 days before 31 December 2026
    member_in(web, language)
    check = claim_up_to_check(web, lines=[{**a_line(), **parts_of("date", dt.date(2025, 12, 20))},
                                          {**a_line(), **parts_of("date", dt.date(2024, 6, 1))},
                                          {**a_line(), **parts_of("date", dt.date(2026, 10, 1))}])
    warning = flat(parse(check).select_one(".warning").get_text(" "))
    assert near in warning and past in warning
    assert "2026 must" not in warning and "de 2026 " not in warning  # this year's line is in time
    assert CIGNA.phones[0].number not in warning  # a deadline is not a reason to phone
    assert "Claim form" in pdf_text(finish(web))


def test_deadline_is_plan_data():
    answers = {"expenses": {"items": [{"date": "2025-03-01"}]}}
    assert rules.deadline_notices(answers, dt.date(2026, 12, 1), PlanRules()) != []
    assert rules.deadline_notices(answers, dt.date(2026, 12, 1), PlanRules(filing_deadline_years=2)) == []
    assert rules.deadline_notices(answers, dt.date(2026, 12, 1), PlanRules(filing_warning_days=10)) == []
    assert rules.filing_deadline(dt.date(2025, 3, 1), PlanRules()) == dt.date(2026, 12, 31)
