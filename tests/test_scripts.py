"""Names and addresses in any script: accepted by the forms, shown on the pages, and printed in
every PDF (claim packet, guarantee request, fax cover, postal letter) and in the emails with
real glyphs.

"Real glyphs" is read from the PDF itself (tests/support/pdf_checks.py): every code the pages' text
operators show is looked up in the embedded font program (parsed with fontTools) and must be a
glyph that exists and draws something, not .notdef and not a code past the font's last glyph
(which is what WeasyPrint writes for a character no font has). The ToUnicode map says which
characters each glyph stands for. A negative control proves the check sees a missing glyph.
"""
from __future__ import annotations

import email
import email.policy
import io
import subprocess
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from tests.support.files import jpeg_bytes
from tests.support.pages import parse
from tests.support.pdf import pdf_words
from tests.support.pdf_checks import glyphs
from tests.support.samples import EXPENSES, HOSPITAL, MEDICAL, TREATMENT, admission, date_parts
from tests.support.web import Browserless
from workflows import documents
from workflows import documents as covers
from workflows.documents import pdf as rendering


@dataclass(frozen=True)
class Person:
    name: str  # the member (and the one who writes, signs, sends)
    patient: str  # a family member
    address: str
    doctor: str

    @property
    def rtl(self) -> bool:
        return any(unicodedata.bidirectional(c) in ("R", "AL") for c in self.name)

    def strings(self) -> list[str]:
        return [self.name, self.patient, *self.address.splitlines()]


PEOPLE = [
    pytest.param(Person("Zoë Ørsted", "Søren Ørsted", "Østerbrogade 12\n2100 København Ø", "Dr Åsa Lindqvist"),
                 id="latin"),
    pytest.param(Person("李小龍", "李香凝", "九龍塘金巴倫道41號\n香港", "陳家明醫生"), id="chinese"),
    pytest.param(Person("محمد عبد الله", "فاطمة محمد", "شارع الملك فهد 12\nالرياض 11564", "د. خالد العلي"),
                 id="arabic"),
    pytest.param(Person("Дмитрий Иванов", "Анна Иванова", "ул. Тверская, д. 7\n125009 Москва", "д-р Ольга Смирнова"),
                 id="cyrillic"),
    pytest.param(Person("Nguyễn Thị Minh Khai", "Trần Văn Đức", "12 Đường Lê Lợi\nQuận 1, Thành phố Hồ Chí Minh",
                        "BS. Phạm Quốc Hùng"), id="vietnamese"),
    pytest.param(Person("Γιώργος Παπαδόπουλος", "Ελένη Παπαδοπούλου", "Οδός Ερμού 25\n105 63 Αθήνα",
                        "Δρ Νίκος Γεωργίου"), id="greek"),
    pytest.param(Person("דוד לוי", "שרה לוי", "רחוב הרצל 10\nתל אביב", "ד״ר רות כהן"), id="hebrew"),
]


def readable(text: str, expected: str, rtl: bool) -> bool:
    """`expected` is in the extracted text; for right-to-left text, word by word (a text
    extractor may put the words of a right-to-left run, or the run and its neighbours'
    brackets, in another order)."""
    if " ".join(expected.split()) in text:
        return True
    return rtl and all(word in text for word in expected.split())


def assert_printed(pdf: bytes, strings: list[str], rtl: bool) -> None:
    found = glyphs(pdf)
    assert not found.missing, f"drawn without a glyph: {sorted(found.missing)}"
    assert not found.unchecked_fonts
    text = pdf_words(pdf)
    for s in strings:
        letters = set(s) - {" "}
        assert letters <= found.drawn, f"{s!r}: no glyph drawn for {sorted(letters - found.drawn)}"
        assert found.drawn_in_order(s), f"{s!r} is not drawn in reading order"
        assert readable(text, s, rtl), f"{s!r} not in the text: {text[:300]}"


def fill_claim_as(web, person: Person, receipt_name: str) -> None:
    member = {"full_name": person.name, "reference": "MIP-0042317", **date_parts("date_of_birth", 50 * 365),
              "email": "member@example.org", "country": "BE", "phone": "+32 3 555 01 23",
              "address": person.address}
    steps = [
        ("/claim/member", member),
        ("/claim/patient", {"who": "family"}),
        ("/claim/family-member", {"name": person.patient, **date_parts("date_of_birth", 12 * 365),
                                  "relationship": "child"}),
        ("/claim/treatment", TREATMENT),
    ]
    for url, data in steps:
        response = web.post(url, data, follow=False)
        assert response.status_code == 303, (url, parse(web.get(url)).select(".error-message"))
    for line in EXPENSES:
        web.post("/claim/expenses/new", {**line, "provider": person.doctor})
    web.post("/claim/expenses", {})
    web.post("/claim/payment", {"payee": "member", "currency": "EUR", "method": "bank"})
    web.post("/claim/bank", {"holder": person.name, "country": "BE"})
    web.post("/claim/bank-iban", {"iban": "BE71 0961 2345 6769", "bic": "GEBABEBB"})
    web.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                 "file": (io.BytesIO(jpeg_bytes(size=(300, 400))), receipt_name)},
             content_type="multipart/form-data")
    web.post("/claim/receipts", {"action": "continue"})


@pytest.mark.parametrize("person", PEOPLE)
def test_a_claim_in_any_script_is_accepted_shown_printed_and_sent(person, mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    receipt = f"{person.patient}.jpg"
    fill_claim_as(web, person, receipt)

    # The forms keep the value as typed and let it read in its own direction.
    field = parse(web.get("/claim/member")).find(id="full_name")
    assert field["value"] == person.name and field["dir"] == "auto"
    assert parse(web.get("/claim/member")).find(id="address")["dir"] == "auto"
    # The check page shows every answer, each value in its own direction.
    check = parse(web.get("/claim/check"))
    shown = [dd.get_text() for dd in check.select("dd.summary-value[dir=auto]")]
    for expected in (person.name, person.patient, person.address, receipt):
        assert expected in shown, expected
    done = web.post("/claim/check", {"confirm": "y", "signature": person.name})
    assert done.status_code == 200 and "Your claim packet is ready" in done.get_data(as_text=True)

    packet = web.get("/claim/done/packet.pdf").data
    assert_printed(packet, [*person.strings(), person.doctor, receipt.removesuffix(".jpg")], person.rtl)
    assert f"Signature (typed) {person.name}" in pdf_words(packet) or person.rtl
    assert PdfReader(io.BytesIO(packet)).metadata.title.endswith(person.patient)

    fax = web.get("/claim/done/fax.pdf").data  # the fax cover from the member, then the packet
    assert_printed(fax, [person.name, person.patient], person.rtl)
    letter = web.get("/claim/done/post.pdf").data  # the sender and return address in the letter
    assert_printed(letter, person.strings(), person.rtl)

    # The mailto: link and the email sent over SMTP carry the names as typed, in UTF-8.
    href = parse(web.get("/claim/done")).find("a", string="Write the email in your mail app")["href"]
    assert person.patient in unquote(href) and person.name in unquote(href)
    web.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
    (received,) = smtp_server.messages
    message = received["message"]
    assert message["Subject"].endswith(f" – {person.patient}")
    body = message.get_body(("plain",))
    assert body.get_content_charset() == "utf-8"
    assert f"Member: {person.name}" in body.get_content()
    assert f"Patient: {person.patient} (Child)" in body.get_content()
    (attachment,) = message.iter_attachments()
    assert attachment.get_content() == packet


@pytest.mark.parametrize("person", PEOPLE)
def test_a_guarantee_request_in_any_script_is_printed_and_mailed(person, web):
    steps = [
        ("/guarantee/writer", {"role": "family", "name": person.name, "email": "writer@example.org",
                               "phone": "+34 600 123 456"}),
        ("/guarantee/patient", {"member_name": person.name, "reference": "MIP-0077120",
                                "patient_name": person.patient, **date_parts("patient_dob", 11 * 365),
                                "relationship": "child"}),
        ("/guarantee/admission", admission()),
        ("/guarantee/hospital", {**HOSPITAL, "address": person.address, "contact_name": person.patient,
                                 "doctor_name": person.doctor}),
        ("/guarantee/medical", MEDICAL),
        ("/guarantee/consent", {"consent": "y"}),  # a relative writes
    ]
    for url, data in steps:
        response = web.post(url, data, follow=False)
        assert response.status_code == 303, (url, parse(web.get(url)).select(".error-message"))
    web.post("/guarantee/attachments", {"action": "continue"})
    shown = [dd.get_text() for dd in parse(web.get("/guarantee/check")).select("dd.summary-value[dir=auto]")]
    assert person.name in shown and person.patient in shown and person.address in shown
    web.post("/guarantee/check", {})

    request = web.get("/guarantee/done/packet.pdf").data
    assert_printed(request, [*person.strings(), person.doctor], person.rtl)
    fax = web.get("/guarantee/done/fax.pdf").data
    assert_printed(fax, [person.name, person.patient], person.rtl)
    assert_printed(web.get("/guarantee/done/post.pdf").data, [person.name, person.patient], person.rtl)

    message = email.message_from_bytes(web.get("/guarantee/done/message.eml").data, policy=email.policy.default)
    assert person.patient in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert f"Member: {person.name}" in body and f"Patient: {person.patient}, born" in body
    assert person.address.splitlines()[0] in body


def test_the_glyph_check_sees_a_character_that_no_font_has():
    """Negative control: U+10FFFD (private use, plane 16) is in no installed font, so WeasyPrint
    can only draw a missing glyph for it; the check must say so, and only for it."""
    assert subprocess.run(["fc-list", ":charset=10fffd"], capture_output=True, text=True,
                          check=True).stdout.strip() == ""
    name = "Zoë \U0010FFFD Ørsted"
    pdf = covers.fax_cover(covers.Sender(name, "MIP-0042317"), "Claim reimbursement", 3)
    found = glyphs(pdf)
    assert found.missing == {"\U0010FFFD"}
    assert set("ZoëØrsted") <= found.drawn
    # The text alone would not tell: the missing glyph still maps to the character.
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    assert name in text.decode()


def test_typed_values_are_isolated_in_their_own_direction():
    assert documents.isolate("محمد 12") == '<bdi dir="rtl">محمد 12</bdi>'
    assert documents.isolate("12 Đường Lê Lợi") == '<bdi dir="ltr">12 Đường Lê Lợi</bdi>'
    assert documents.isolate("<b>") == '<bdi dir="ltr">&lt;b&gt;</bdi>'
    assert documents.isolate("12") == "12"
    # Each line of an address in its own direction.
    assert documents.isolate("רחוב הרצל 10\nTel Aviv") == '<bdi dir="rtl">רחוב הרצל 10</bdi>\n<bdi dir="ltr">Tel Aviv</bdi>'
    # A phrase isolates only the typed parts, and is the plain text everywhere else.
    phrase = documents.Phrase(documents.Typed("שרה לוי"), ", born 3 April 2015")
    assert phrase == "שרה לוי, born 3 April 2015"
    assert documents.isolate(phrase) == '<bdi dir="rtl">שרה לוי</bdi>, born 3 April 2015'


def test_a_number_after_a_right_to_left_name_stays_after_it():
    """<bdi> isolation as WeasyPrint draws it: the name is one right-to-left run of its own, so
    the claim reference after it is not pulled into it (it would be drawn before the name)."""
    def drawing_order(name_html):
        html = f'<html lang="en"><head><title>t</title></head><body><p>Patient {name_html} 12345</p></body></html>'
        found = glyphs(HTML(string=html).write_pdf(font_config=rendering.FONTS))
        assert found.drawn_in_order("محمد عبد الله")
        return [c for run in found.runs for text in run for c in text if not c.isspace()]

    order = drawing_order(documents.isolate("محمد عبد الله"))
    assert order.index("1") > max(order.index(c) for c in "محمد")
    order = drawing_order("محمد عبد الله")  # without isolation the number joins the run
    assert order.index("1") < min(order.index(c) for c in "محمد")
