"""Answers that try to make the PDF renderer fetch something: local files through <img>,
<link rel=attachment> and <object>, and HTTP through CSS url() and <img> aimed at a
listener started by the test. The listener must see no connection, the PDF must embed no
file, and every attempt must be printed as the literal text that was typed."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from tests.support.files import jpeg_bytes
from tests.support.pages import parse, path_of, summary
from tests.support.pdf import pdf_text
from tests.support.samples import EXPENSES, GOP_PATIENT, HOSPITAL, MEDICAL, MEMBER, TREATMENT, WRITER, admission
from tests.support.servers import wait_for
from workflows.administrators.cigna import CIGNA


def attempts(port: int) -> dict[str, str]:
    here = f"http://127.0.0.1:{port}"
    return {
        "file-img": "<img src=file:///etc/passwd>",
        "attachment": "<link rel=attachment href=file:///etc/hostname>",
        "css": f"<style>@import url({here}/import);*{{background:url({here}/bg)}}</style>",
        "inline-css": f'<p style="background:url({here}/inline)">x</p>',
        "http-img": f"<img src={here}/img>",
        "object": "<object data=file:///etc/passwd></object><iframe src=file:///etc/hostname></iframe>",
        "svg": f'<svg><image href="{here}/svg"/></svg>',
    }


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def embedded_files(pdf: bytes) -> list[str]:
    """Files carried inside the PDF: the catalog's /EmbeddedFiles and file-attachment notes."""
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    names = reader.trailer["/Root"].get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        found.append("/EmbeddedFiles")
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                found.append("/FileAttachment")
    return found


def post_all(member, steps):
    for path, data in steps:
        response = member.post(path, data)
        assert not summary(response), (path, summary(response))
    return response


# --- journeys with every attempt typed into the fields a document prints -------------------------

def claim(member, a, finish=True):
    post_all(member, [
        ("/claim/member", dict(MEMBER, full_name=a["file-img"], address=a["attachment"] + "\n" + a["css"])),
        ("/claim/patient", {"who": "member"}),
        ("/claim/treatment", dict(TREATMENT, reason=" ".join(a.values()))),
        ("/claim/expenses/new", dict(EXPENSES[0], provider=a["http-img"], description=a["inline-css"])),
        ("/claim/expenses", {}),
        ("/claim/payment", {"payee": "member", "currency": "EUR", "method": "bank"}),
        ("/claim/bank", {"holder": a["object"], "country": "BE"}),
        ("/claim/bank-iban", {"iban": "BE71 0961 2345 6769", "bic": "GEBABEBB"}),
        ("/claim/receipts", {"action": "continue", "kind": "invoice", "file": (io.BytesIO(jpeg_bytes()), "r.jpg")}),
    ])
    if not finish:
        return
    done = member.post("/claim/check", {"confirm": "y", "signature": a["svg"]})
    assert path_of(done) == "/claim/done"


def guarantee(member, a, finish=True):
    post_all(member, [
        ("/guarantee/writer", dict(WRITER, name=a["file-img"])),
        ("/guarantee/patient", GOP_PATIENT),
        ("/guarantee/admission", admission()),
        ("/guarantee/hospital", dict(HOSPITAL, name=a["http-img"], address=a["attachment"] + "\n" + a["css"],
                                     contact_name=a["object"], doctor_name=a["inline-css"],
                                     doctor_specialty=a["svg"])),
        ("/guarantee/medical", dict(MEDICAL, reason=" ".join(a.values()), procedure=a["css"])),
        ("/guarantee/consent", {"consent": "y"}),  # a relative writes
        ("/guarantee/attachments", {"action": "continue"}),
    ])
    if finish:
        assert path_of(member.post("/guarantee/check", {})) == "/guarantee/done"


def cover(member, a, method="fax", finish=True):
    post_all(member, [
        ("/cover/sender", {"name": a["file-img"], "reference": "MIP-0042317", "phone": "+32 3 555 01 23",
                           "reply_fax": "", "reply_email": "zoe@example.org"}),
        ("/cover/sending", {"method": method, "subject": "other", "other": a["file-img"], "pages": "2",
                            "paper": "A4", "message": " ".join([a["attachment"], a["css"], a["http-img"]])}),
    ])
    if finish:
        assert path_of(member.post("/cover/check", {})) == "/cover/done"


DOCUMENTS = {
    # name: (make the journey, fetch the PDF, attempts printed in it)
    "claim-packet": (claim, lambda m, s: m.get("/claim/done/packet.pdf").content, list(attempts(0))),
    "claim-fax": (claim, lambda m, s: m.get("/claim/done/fax.pdf?paper=A4").content, list(attempts(0))),
    "claim-post": (claim, lambda m, s: m.get("/claim/done/post.pdf").content, list(attempts(0))),
    "claim-emailed": (claim, None, list(attempts(0))),
    "guarantee-request": (guarantee, lambda m, s: m.get("/guarantee/done/packet.pdf").content, list(attempts(0))),
    "guarantee-emailed": (guarantee, None, list(attempts(0))),
    "cover-fax": (lambda m, a: cover(m, a, "fax"), lambda m, s: m.get("/cover/done/packet.pdf").content,
                  ["file-img", "attachment", "css", "http-img"]),
    "cover-post": (lambda m, a: cover(m, a, "post"), lambda m, s: m.get("/cover/done/packet.pdf").content,
                   ["file-img", "attachment", "css", "http-img"]),
}


def emailed(member, smtp_server, journey):
    member.post(f"/{journey}/done/send", {"copy": "yes"}, token_from=f"/{journey}/done")
    (received,) = smtp_server.messages
    assert received["rcpt_tos"][0] in (CIGNA.claims_email, CIGNA.admissions_email)
    (pdf,) = [p.get_content() for p in received["message"].iter_attachments()
              if p.get_content_type() == "application/pdf"]
    return pdf


@pytest.mark.parametrize("document", DOCUMENTS)
def test_nothing_is_fetched_or_embedded_and_the_attempts_print_literally(member, smtp_server, listener, document):
    port, seen = listener
    make, fetch, printed = DOCUMENTS[document]
    typed = attempts(port)
    make(member, typed)
    pdf = fetch(member, smtp_server) if fetch else emailed(member, smtp_server, document.split("-")[0])
    assert pdf.startswith(b"%PDF-")
    assert seen == []  # no connection at all reached the listener
    assert embedded_files(pdf) == []
    passwd = open("/etc/passwd").read().splitlines()[0]
    text = pdf_text(pdf)
    assert passwd not in text and passwd.encode() not in pdf
    for name in printed:
        assert squash(typed[name]) in squash(text), name


def test_the_checks_above_do_catch_a_renderer_that_fetches(listener, tmp_path):
    """Control: WeasyPrint with its default fetcher, given the same markup as HTML, embeds
    the local file and connects to the listener, and the checks above see both."""
    port, seen = listener
    secret = tmp_path / "hostname"
    secret.write_text("secret-host-name")
    html = (f"<link rel=attachment href=file://{secret}>"
            f"<p style='background:url(http://127.0.0.1:{port}/bg)'>x</p>")
    pdf = HTML(string=html).write_pdf()
    assert embedded_files(pdf) == ["/EmbeddedFiles"]
    assert wait_for(lambda: len(seen) >= 1, timeout=5)
    assert seen[0].startswith(b"GET /bg HTTP/1.1")


@pytest.mark.parametrize("journey, make", [("claim", claim), ("guarantee", guarantee), ("cover", cover)])
def test_the_attempts_are_escaped_text_on_the_review_and_done_pages(member, listener, journey, make):
    port, seen = listener
    typed = attempts(port)
    make(member, typed, finish=False)
    review = member.get(f"/{journey}/check")
    assert path_of(review) == f"/{journey}/check"
    done = member.post(f"/{journey}/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    assert path_of(done) == f"/{journey}/done"
    for page in (review, done):
        main = parse(page).main
        for tag in ("img", "link", "style", "object", "iframe", "svg", "image"):
            assert main.find_all(tag) == [], tag
        assert [p for p in main.find_all("p") if p.get("style")] == []
    text = squash(parse(review).main.get_text())
    for name, value in typed.items():
        if journey != "cover" or name in ("file-img", "attachment", "css", "http-img"):
            assert squash(value) in text, name
    assert seen == []
