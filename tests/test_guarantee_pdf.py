"""The guarantee request PDF on paper: a typical request fits one page, the longest answers
the forms take fit two, and no page is left holding only the closing box."""
import io

from tests.support.files import one_page_pdf
from tests.support.pdf import flat, pdf_pages
from tests.support.samples import CONSENT, GOP_PATIENT, HOSPITAL, MEDICAL, WRITER, admission, fill_guarantee


def filled(phrase: str, limit: int) -> str:
    """`phrase` repeated up to `limit` characters: a long answer made of real words."""
    return (phrase * (limit // len(phrase) + 1))[:limit].strip()


def fill_longest(web):
    """The guarantee journey with every free-text answer as long as its field allows."""
    web.post("/guarantee/writer", {**WRITER, "name": filled("Maria Angeles ", 100),
                                   "email": "maria.angeles." + "a" * 40 + "@relatives-of-members.example.org"})
    web.post("/guarantee/patient", {**GOP_PATIENT, "member_name": filled("Jonathan Ruiz ", 100),
                                    "patient_name": filled("Leonardo Ruiz ", 100)})
    web.post("/guarantee/admission", admission())
    web.post("/guarantee/hospital", {
        **HOSPITAL, "name": filled("Hospital Universitario ", 150),
        "address": filled("Paseo de la Castellana 261, Edificio Norte\n", 400),
        "contact_name": filled("Admissions office ", 100), "contact_fax": "+34 91 727 70 01",
        "contact_email": "admisiones.urgencias." + "b" * 40 + "@hospital-universitario.example",
        "doctor_name": filled("Dra. Marta Gil ", 100), "doctor_specialty": filled("Paediatric surgery ", 100)})
    web.post("/guarantee/medical", {**MEDICAL, "reason": filled("Acute appendicitis with fever. ", 1000),
                                    "procedure": filled("Laparoscopic appendectomy. ", 1000)})
    web.post("/guarantee/consent", CONSENT)  # a relative writes: the patient's consent
    web.post("/guarantee/attachments", {"action": "upload", "kind": "doctor-letter",
                                        "file": (io.BytesIO(one_page_pdf()), "letter.pdf")},
             content_type="multipart/form-data")
    web.post("/guarantee/attachments", {"action": "continue"})
    return web.post("/guarantee/check", {})


def test_a_typical_request_fits_one_page(web):
    fill_guarantee(web)
    pages = pdf_pages(web.get("/guarantee/done/packet.pdf").data)
    assert len(pages) == 1
    text = flat(pages[0])
    assert "URGENT – EMERGENCY ADMISSION" in text and "Please reply to ana@example.org" in text
    assert "Page 1 of 1" in text


def test_the_longest_answers_fit_two_pages_and_the_closing_box_is_not_alone(web):
    assert fill_longest(web).request.path == "/guarantee/done"
    pages = [flat(p) for p in pdf_pages(web.get("/guarantee/done/packet.pdf").data)]
    assert len(pages) == 2
    assert "Laparoscopic appendectomy." in "".join(pages)  # the long answers are all there
    assert "".join(pages).count("Acute appendicitis with fever.") == 32
    last = pages[-1]
    closing = last.index("Please reply to")
    # Before the closing box, the last page holds answers too: at least the writer's row.
    assert "Request written by" in last[:closing] and "Maria Angeles" in last[:closing]
    assert "Enclosed: Doctor's letter (letter.pdf)" in last[closing:]
