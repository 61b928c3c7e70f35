"""Hostile field values over real HTTP: impossible dates and amounts, odd IBANs, floods,
line breaks aimed at mail headers, markup and CSS, invisible and bidi characters."""
from __future__ import annotations

import io
import re

import pytest

from app import create_app
from tests.support.files import jpeg_bytes
from tests.support.mail import Inbox, smtp
from tests.support.pages import field_error, heading, listed, parse, path_of, summary
from tests.support.pdf import pdf_text
from tests.support.samples import (EXPENSES, GOP_PATIENT, HOSPITAL, MEMBER, TREATMENT, WRITER, admission, date_parts,
                                   fill_claim)
from tests.support.servers import ROOT, live
from workflows.administrators.cigna import CIGNA


def to_expenses(member):
    member.post("/claim/member", MEMBER)
    member.post("/claim/patient", {"who": "member"})
    member.post("/claim/treatment", TREATMENT)


def to_bank_iban(member, country="BE"):
    to_expenses(member)
    member.post("/claim/expenses/new", EXPENSES[0])
    member.post("/claim/expenses", {})
    member.post("/claim/payment", {"payee": "member", "currency": "EUR", "method": "bank"})
    response = member.post("/claim/bank", {"holder": "Zoë Ørsted", "country": country})
    assert path_of(response) == "/claim/bank-iban"


# --- dates --------------------------------------------------------------------------------------

def born(day, month, year):
    return {"date_of_birth-day": day, "date_of_birth-month": month, "date_of_birth-year": year}


@pytest.mark.parametrize("parts, message", [
    (born("31", "2", "1980"), "Date of birth must be a real date"),
    (born("29", "2", "1981"), "Date of birth must be a real date"),
    (born("1", "1", "0099"), "Date of birth must be after 1900"),
    (born("1", "1", "10000"), "Date of birth must include a year with 4 numbers, like 1980"),
    (born("0", "0", "0"), "Date of birth must include a year with 4 numbers, like 1980"),
    (born("-1", "13", "1980"), "Date of birth must be a real date, in numbers, like 27 3 1980"),
    (date_parts("date_of_birth", -3), "Date of birth must be in the past"),
    (date_parts("date_of_birth", -365 * 30), "Date of birth must be in the past"),
])
def test_impossible_birth_dates_get_a_message_next_to_the_field(member, parts, message):
    response = member.post("/claim/member", dict(MEMBER, **parts))
    assert response.status_code == 200 and path_of(response) == "/claim/member"
    assert summary(response) == [message]
    assert field_error(response, "date_of_birth") == message
    page = parse(response)
    assert page.find(id="date_of_birth")["value"] == parts["date_of_birth-day"]  # as typed


@pytest.mark.parametrize("path, data, field, message", [
    ("/claim/expenses/new", dict(EXPENSES[0], **date_parts("date", -3)), "date",
     "Date of service must be today or in the past"),
    ("/claim/expenses/new", dict(EXPENSES[0], **{"date-year": "10000"}), "date",
     "Date of service must include a year with 4 numbers, like 1980"),
    ("/claim/family-member", {"name": "Leo Ørsted", "relationship": "child", **date_parts("date_of_birth", -30)},
     "date_of_birth", "Patient's date of birth must be today or in the past"),
])
def test_impossible_claim_dates(member, path, data, field, message):
    to_expenses(member)
    if path == "/claim/family-member":
        member.post("/claim/patient", {"who": "family"})
    response = member.post(path, data)
    assert field_error(response, field) == message
    assert summary(response) == [message]


@pytest.mark.parametrize("changes, message", [
    ({"date-day": "31", "date-month": "2"}, "Admission date must be a real date"),
    ({"date-year": "10000"}, "Admission date must include a year with 4 numbers, like 1980"),
    (date_parts("date", -800), "Admission date must be within the next 12 months"),
])
def test_impossible_admission_dates(member, changes, message):
    member.post("/guarantee/writer", WRITER)
    member.post("/guarantee/patient", GOP_PATIENT)
    response = member.post("/guarantee/admission", dict(admission("planned", 20), **changes))
    assert field_error(response, "date") == message


# --- amounts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, message", [
    ("-5", "Amount must be more than 0"),
    ("0", "Amount must be more than 0"),
    ("0,00", "Amount must be more than 0"),
    ("1e309", "Amount must be a number, like 120.50"),
    ("NaN", "Amount must be a number, like 120.50"),
    ("Infinity", "Amount must be a number, like 120.50"),
    ("0x1F", "Amount must be a number, like 120.50"),
    ("99999999999", "Amount must be less than 10,000,000"),
    ("12.345", "Amount in EUR can have at most 2 decimal places. Did you mean 12,345.00?"),
])
def test_impossible_amounts_get_a_message(member, amount, message):
    to_expenses(member)
    response = member.post("/claim/expenses/new", dict(EXPENSES[0], amount=amount))
    assert path_of(response) == "/claim/expenses/new"
    assert field_error(response, "amount") == message
    assert parse(response).find(id="amount")["value"] == amount


@pytest.mark.parametrize("typed, shown", [("12,50", "EUR 12.50"), ("1.234,50", "EUR 1,234.50"),
                                          ("1,234.50", "EUR 1,234.50"), (" 12.5 ", "EUR 12.50")])
def test_amounts_are_read_as_members_type_them(member, typed, shown):
    to_expenses(member)
    response = member.post("/claim/expenses/new", dict(EXPENSES[0], amount=typed))
    assert path_of(response) == "/claim/expenses"
    assert listed(response)[0].endswith(f"· Dr Anne Martin · Crown · {shown}")
    totals = {th.get_text(): td.get_text() for th, td in
              ((r.th, r.td) for r in parse(response).select(".totals tr"))}
    assert totals == {"Total in EUR": shown}


def test_the_readme_documents_how_amounts_are_read():
    readme = (ROOT / "docs" / "how-it-works.md").read_text()  # the README links to it
    section = readme[readme.index("## How answers are read"):]
    section = " ".join(section[:section.index("\n## ", 3)].split())
    for fact in ("`12,50` is read as 12.50", "`1.234,50`", "`1,234.50`", "`-5`", "`0`", "`1e309`",
                 "`NaN`", "decimal places"):
        assert fact in section, fact


# --- IBANs --------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, message", [
    ("BE71 0961 2345 6768", "IBAN is not valid: check it for a mistyped character"),
    ("BE71 0961 2345 676", "IBAN has the wrong number of characters for its country"),
    ("BE71-0961-2345-6769", "Enter an IBAN in the correct format, like BE71 0961 2345 6769"),
    ("BE71\t0961 2345 6769", "IBAN must be on one line"),
    ("NL91 ABNA 0417 1643 00", "This IBAN is for another country (Netherlands) than the bank's (Belgium): "
                               "check the IBAN or change the bank's country"),
])
def test_wrong_ibans_are_refused_with_a_message(member, typed, message):
    to_bank_iban(member)
    response = member.post("/claim/bank-iban", {"iban": typed, "bic": "GEBABEBB"})
    assert field_error(response, "iban") == message
    assert summary(response) == [message]


@pytest.mark.parametrize("typed", [
    "be71096123456769", "  BE71  0961 2345   6769 ", "BE71\u00a00961\u00a02345\u00a06769",
    "be71 0961 2345 6769\u200b",
])
def test_odd_spacing_and_lowercase_ibans_are_accepted_normalised(member, typed):
    to_bank_iban(member)
    response = member.post("/claim/bank-iban", {"iban": typed, "bic": "gebabebb"})
    assert path_of(response) == "/claim/receipts"
    page = parse(member.get("/claim/bank-iban"))
    assert page.find(id="iban")["value"] == "BE71 0961 2345 6769"
    assert page.find(id="bic")["value"] == "GEBABEBB"


# --- size: one huge field, a flood of fields -----------------------------------------------------

@pytest.mark.parametrize("path, field, message", [
    ("/claim/member", "full_name", "Full name must be 100 characters or fewer"),
    ("/claim/member", "address", "Postal address must be 500 characters or fewer"),
    ("/claim/treatment", "reason", "Reason for treatment or diagnosis must be 1000 characters or fewer"),
])
def test_100_kb_in_one_field_is_refused_with_a_message(member, path, field, message):
    member.post("/claim/member", MEMBER)
    member.post("/claim/patient", {"who": "member"})
    data = dict(MEMBER if path == "/claim/member" else TREATMENT)
    data[field] = "x" * 100_000
    response = member.post(path, data)
    assert response.status_code == 200
    assert summary(response) == [message]
    assert field_error(response, field) == message
    assert parse(member.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"


@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
def test_a_flood_of_form_fields_gets_a_friendly_413_and_keeps_the_draft(member, multipart):
    member.post("/claim/member", MEMBER)
    token = member.token("/claim/patient")
    fields = [("csrf_token", token), ("who", "member")] + [(f"x{i}", "1") for i in range(1500)]
    files = [("attachment", ("a.txt", b"a"))] if multipart else None
    response = member.http.post(member.url + "/claim/patient", data=fields, files=files, timeout=60)
    assert response.status_code == 413
    assert heading(response) == "The form is too large"
    assert ("This page sent far more than the form asks for, so nothing was saved from it. "
            "Your earlier answers are kept: go back and try again.") in response.text
    assert parse(member.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"
    assert path_of(member.get("/claim/treatment")) == "/claim/patient"  # "who" was not saved


def test_a_megabyte_of_plain_form_is_refused_before_it_is_parsed(member):
    member.post("/claim/member", MEMBER)
    token = member.token("/claim/patient")
    response = member.http.post(member.url + "/claim/patient", timeout=60,
                                data={"csrf_token": token, "who": "member", "junk": "é" * 500_000})
    assert response.status_code == 413 and heading(response) == "The form is too large"


# --- line breaks aimed at mail headers ---------------------------------------------------------------

INJECTION = "Zoë\r\nBcc: mallory@evil.example"


@pytest.mark.parametrize("path, base, field, message", [
    ("/claim/member", MEMBER, "full_name", "Full name must be on one line"),
    ("/claim/member", MEMBER, "reference", "Personal reference number must be on one line"),
    ("/claim/member", MEMBER, "email", "Email address must be on one line"),
    ("/claim/family-member", {"relationship": "child", **date_parts("date_of_birth", 4000)}, "name",
     "Patient's full name must be on one line"),
    ("/guarantee/writer", WRITER, "name", "Your full name must be on one line"),
    ("/guarantee/writer", WRITER, "email", "Your email address must be on one line"),
    ("/guarantee/patient", GOP_PATIENT, "reference", "Member's personal reference number must be on one line"),
    ("/guarantee/patient", GOP_PATIENT, "patient_name", "Patient's full name must be on one line"),
    ("/guarantee/patient", GOP_PATIENT, "member_name", "Member's full name must be on one line"),
    ("/guarantee/hospital", HOSPITAL, "contact_email", "Admissions contact's email must be on one line"),
])
def test_line_breaks_in_fields_that_reach_mail_headers_are_refused(member, path, base, field, message):
    refused(member, path, base, field, message, "\r\n")


@pytest.mark.parametrize("newline", ["\n", "\r", "\u0085", "\u2028", "\u2029", "\x0b"],
                         ids=["LF", "CR", "NEL", "LS", "PS", "VT"])
@pytest.mark.parametrize("field, message", [("full_name", "Full name must be on one line"),
                                            ("email", "Email address must be on one line")])
def test_every_kind_of_line_break_is_refused(member, field, message, newline):
    refused(member, "/claim/member", MEMBER, field, message, newline)


def refused(member, path, base, field, message, newline):
    if path.startswith("/claim/family"):
        member.post("/claim/member", MEMBER)
        member.post("/claim/patient", {"who": "family"})
    elif path != "/guarantee/writer" and path.startswith("/guarantee/"):
        member.post("/guarantee/writer", WRITER)
        member.post("/guarantee/patient", GOP_PATIENT)
        member.post("/guarantee/admission", admission())
    value = INJECTION.replace("\r\n", newline)
    if "email" in field:
        value = "zoe@example.org" + newline + "Bcc: mallory@evil.example"
    response = member.post(path, dict(base, **{field: value}))
    assert path_of(response) == path
    assert field_error(response, field) == message


def test_header_lookalikes_without_line_breaks_stay_inside_the_subject(member, smtp_server):
    name = "Zoë Ørsted Bcc: mallory@evil.example %0D%0ABcc: x"
    fill_claim(member, finish=False)
    member.post("/claim/member?change=1", dict(MEMBER, full_name=name))
    member.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    member.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
    (received,) = smtp_server.messages
    assert received["rcpt_tos"] == [CIGNA.claims_email, "zoe@example.org"]
    msg = received["message"]
    assert msg["Bcc"] is None
    assert msg["Subject"] == f"Claim reimbursement – MIP-0042317 – {name}"
    assert sorted(set(msg.keys())) == sorted(
        {"From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"})


# --- markup and CSS in every text field ----------------------------------------------------------------

def markup(tag: str) -> str:
    return f"<b>{tag}</b><img src=x><style>*{{}}</style>"


TEXT_FIELDS = {  # (step, field): the value typed there
    ("member", "full_name"): markup("N1"),
    ("member", "address"): markup("A1") + "\n<i>line two</i>",
    ("family-member", "name"): markup("P1"),
    ("treatment", "reason"): markup("R1"),
    ("accident", "description"): markup("D1"),
    ("other-insurance", "insurer"): markup("I1"),
    ("other-insurance", "policy_number"): markup("Y1"),
    ("expenses", "provider"): markup("V1"),
    ("expenses", "description"): markup("E1"),
    ("bank", "holder"): markup("H1"),
    ("bank-local", "account_number"): markup("K1"),
    ("bank-local", "bank_code"): "<b>C1</b><style>",
    ("bank-local", "bank_name"): markup("B1"),
    ("bank-local", "bank_address"): markup("S1"),
    ("declaration", "signature"): markup("G1"),
}


def typed(step, field):
    return TEXT_FIELDS[(step, field)]


@pytest.fixture(scope="module")
def marked_up(tmp_path_factory):
    """One claim with markup and CSS in every free-text field, sent over SMTP: the review
    page, the done page, the packet's text and the email as received."""
    folder = tmp_path_factory.mktemp("markup")
    with smtp(Inbox()) as inbox, live(create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{folder / 'd.sqlite3'}",
        "OUTBOX_DIR": str(folder / "outbox"), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": inbox.port,
        "MAIL_DEFAULT_SENDER": "MIP member forms <forms@example.org>", "MAIL_TIMEOUT": 5})) as server:
        m = server.member()
        steps = [
            ("/claim/member", dict(MEMBER, full_name=typed("member", "full_name"), address=typed("member", "address"))),
            ("/claim/patient", {"who": "family"}),
            ("/claim/family-member", {"name": typed("family-member", "name"), "relationship": "child",
                                      **date_parts("date_of_birth", 4000)}),
            ("/claim/treatment", dict(TREATMENT, reason=typed("treatment", "reason"), accident="yes", other_insurance="yes")),
            ("/claim/accident", {**date_parts("date", 50), "description": typed("accident", "description"),
                                  "work_related": "no"}),
            ("/claim/other-insurance", {"insurer": typed("other-insurance", "insurer"),
                                        "policy_number": typed("other-insurance", "policy_number")}),
            ("/claim/expenses/new", dict(EXPENSES[0], provider=typed("expenses", "provider"),
                                         description=typed("expenses", "description"))),
            ("/claim/expenses", {}),
            ("/claim/payment", {"payee": "member", "currency": "USD", "method": "bank"}),
            ("/claim/bank", {"holder": typed("bank", "holder"), "country": "US"}),
            ("/claim/bank-local", {"account_number": typed("bank-local", "account_number"),
                                   "bank_code": typed("bank-local", "bank_code"), "bic": "CHASUS33",
                                   "bank_name": typed("bank-local", "bank_name"),
                                   "bank_address": typed("bank-local", "bank_address")}),
            ("/claim/receipts", {"action": "continue", "kind": "invoice", "file": (io.BytesIO(jpeg_bytes()), "r.jpg")}),
        ]
        for path, data in steps:
            response = m.post(path, data)
            assert not summary(response), (path, summary(response))
        review = m.get("/claim/check")
        assert path_of(review) == "/claim/check"
        done = m.post("/claim/check", {"confirm": "y", "signature": typed("declaration", "signature")})
        assert path_of(done) == "/claim/done", summary(done)
        packet = m.get("/claim/done/packet.pdf").content
        m.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
        yield {"review": review, "done": done, "pdf": re.sub(r"\s+", "", pdf_text(packet)),
               "mail": inbox.messages[0]["message"]}


ON_REVIEW = [k for k in TEXT_FIELDS if k[0] != "declaration"]


@pytest.mark.parametrize("step, field", ON_REVIEW, ids=[f"{s}.{f}" for s, f in ON_REVIEW])
def test_markup_is_escaped_on_the_review_page(marked_up, step, field):
    main = parse(marked_up["review"]).main
    value = typed(step, field)
    assert value.split("\n")[0] in main.get_text()
    tag = re.search(r"<b>(\w+)</b>", value).group(1)
    assert [b for b in main.find_all("b") if b.get_text() == tag] == []
    assert main.find_all("img") == [] and main.find_all("style") == []


@pytest.mark.parametrize("step, field", list(TEXT_FIELDS), ids=[f"{s}.{f}" for s, f in TEXT_FIELDS])
def test_markup_is_printed_as_literal_text_in_the_packet(marked_up, step, field):
    for line in typed(step, field).split("\n"):
        assert re.sub(r"\s+", "", line) in marked_up["pdf"]


def test_markup_is_plain_text_in_the_email_and_escaped_on_the_done_page(marked_up):
    msg = marked_up["mail"]
    assert msg["Subject"] == f"Claim reimbursement – MIP-0042317 – {typed('family-member', 'name')}"
    body = msg.get_body(("plain",)).get_content()
    assert f"Member: {typed('member', 'full_name')}" in body
    assert [p.get_content_type() for p in msg.walk()] == ["multipart/mixed", "text/plain", "application/pdf"]
    main = parse(marked_up["done"]).main
    assert main.find_all("img") == [] and main.find_all("style") == []
    assert typed("family-member", "name") in main.find(id="mail-subject").get_text()


def test_a_personal_reference_number_refuses_markup(member):
    response = member.post("/claim/member", dict(MEMBER, reference="<b>MIP</b>"))
    assert field_error(response, "reference") == (
        "Personal reference number must only include letters, numbers, spaces, hyphens, "
        "full stops and slashes")


# --- invisible and direction-changing characters: removed ------------------------------------------

INVISIBLE = {"ZWSP": "\u200b", "RLO": "\u202e", "LRO": "\u202d", "RLI": "\u2067", "PDI": "\u2069",
             "RLM": "\u200f", "ALM": "\u061c", "BOM": "\ufeff"}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_and_bidi_characters_are_removed(member, char):
    response = member.post("/claim/member", dict(
        MEMBER, full_name=f"Zo{char}ë Ør{char}sted", reference=f"MIP-{char}0042317",
        address=f"Rue de la Loi 1{char}\n1000 Brussels"))
    assert path_of(response) == "/claim/patient"
    page = parse(member.get("/claim/member"))
    assert page.find(id="full_name")["value"] == "Zoë Ørsted"
    assert page.find(id="reference")["value"] == "MIP-0042317"
    assert page.find(id="address").get_text() == "Rue de la Loi 1\n1000 Brussels"


def test_a_right_to_left_override_reaches_neither_the_packet_nor_the_email(member, smtp_server):
    fill_claim(member, finish=False)
    member.post("/claim/member?change=1", dict(MEMBER, full_name="Zoë \u202eØrsted\u202c"))
    assert parse(member.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"
    member.post("/claim/check", {"confirm": "y", "signature": "Zoë\u202e Ørsted"})
    text = pdf_text(member.get("/claim/done/packet.pdf").content)
    assert "Zoë Ørsted" in text
    assert not set(text) & set(INVISIBLE.values())
    member.post("/claim/done/send", {}, token_from="/claim/done")
    msg = smtp_server.messages[0]["message"]
    assert msg["Subject"] == "Claim reimbursement – MIP-0042317 – Zoë Ørsted"
    assert not set(msg.get_body(("plain",)).get_content()) & set(INVISIBLE.values())
