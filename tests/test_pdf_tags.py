"""Every PDF the app makes is tagged (WeasyPrint's PDF/UA-1 variant), with a title and a
language, and stays tagged where pypdf lays uploaded pages into it or puts a cover in front.

Read back with pypdf; tests/support/pdf_checks.py checks that the structure tree and the
pages' marked content agree. (veraPDF, the reference PDF/UA validator, is not installable here: no Debian
package and no PyPI package ships it.)"""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from tests.support.files import jpeg_bytes, two_page_pdf
from tests.support.pdf import elements, page_text, text_boxes
from tests.support.pdf_checks import structure_problems
from tests.support.samples import SENDER, fill_claim, fill_guarantee
from tests.support.web import Browserless
from workflows import documents as covers


def tagged_pdf() -> bytes:
    """A tagged PDF (marked content with MCIDs of its own structure tree)."""
    return HTML(string="<html lang='fr'><title>Facture</title><h1>TAGGED RECEIPT</h1>"
                       "<table><tr><th>Total</th><td>EUR 12.00</td></tr></table>").write_pdf(pdf_variant="pdf/ua-1")


def filled_form_pdf() -> bytes:
    """A filled-in PDF form: the value exists only in a widget annotation's appearance stream."""
    blank = HTML(string="<p>CLAIM FORM</p><input name='member' style='width: 80mm'>").write_pdf(pdf_forms=True)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
    writer.update_page_form_field_values(writer.pages[0], {"member": "FILLED 4711"}, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


RECEIPT_PAGES = 1 + 2 + 1 + 1  # photo, invoice, facture, form


@pytest.fixture
def claim(web):
    fill_claim(web, receipts=[("photo.jpg", jpeg_bytes(size=(300, 400), color="grey")),
                              ("invoice.pdf", two_page_pdf()), ("facture.pdf", tagged_pdf()),
                              ("form.pdf", filled_form_pdf())])
    return web


def kinds(web) -> dict[str, tuple[bytes, int]]:
    """Every kind of PDF the app makes, with the page count it must have."""
    claim_packet = web.get("/claim/done/packet.pdf").data
    # As its own footers count them ("Page 1 of N"): the cover, the summary, then the receipts.
    packet_pages = int(re.search(r"Page 1 of (\d+)", page_text(claim_packet, 1)).group(1))
    assert packet_pages >= 2 + RECEIPT_PAGES
    fax = web.get("/claim/done/fax.pdf").data
    post = web.get("/claim/done/post.pdf").data
    fill_guarantee(web)
    request = web.get("/guarantee/done/packet.pdf").data
    web.post("/cover/sender", SENDER)
    web.post("/cover/sending", {"method": "fax", "subject": "claim", "pages": "4", "paper": "A4"})
    web.post("/cover/check", {})
    fax_cover = web.get("/cover/done/packet.pdf").data
    web = Browserless(web.client.application.test_client())  # a new visitor: the letter
    web.post("/cover/sender", SENDER)
    web.post("/cover/sending", {"method": "post", "subject": "claim", "pages": "4", "paper": "A4"})
    web.post("/cover/check", {})
    letter = web.get("/cover/done/packet.pdf").data
    return {"claim packet": (claim_packet, packet_pages), "fax-ready claim": (fax, 1 + packet_pages),
            "post-ready claim": (post, 1 + packet_pages), "guarantee request": (request, 1),
            "fax cover": (fax_cover, 1), "postal letter": (letter, 1)}


def test_every_pdf_is_tagged_with_a_title_and_a_language(claim):
    titles = {}
    for kind, (pdf, pages) in kinds(claim).items():
        reader = PdfReader(io.BytesIO(pdf))
        root = reader.trailer["/Root"]
        assert len(reader.pages) == pages, kind
        assert root["/MarkInfo"]["/Marked"] == True, kind  # noqa: E712 (a pypdf BooleanObject)
        assert "/StructTreeRoot" in root, kind
        assert root["/Lang"] == "en", kind
        assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True, kind  # noqa: E712
        titles[kind] = reader.metadata.title
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert re.search(r'pdfuaid:part="?1', xmp), kind  # identifies itself as PDF/UA-1
        assert titles[kind] in xmp or titles[kind].replace("&", "&amp;") in xmp, kind  # dc:title
        assert reader.pdf_header == "%PDF-1.7", kind
        assert structure_problems(pdf) == [], kind
        roles = [e["role"] for e in elements(pdf)]
        assert roles[0] == "/Document" and "/H1" in roles, kind
    assert re.fullmatch(r"Claim CLM-\w{4}-\w{4} – Zoë Ørsted", titles["claim packet"])
    assert titles["fax-ready claim"] == "Fax to Cigna International Health Services – Claim reimbursement"
    assert titles["post-ready claim"] == "Letter to Cigna International Health Services – Claim reimbursement"
    assert titles["guarantee request"].startswith("URGENT – Guarantee of payment request – MIP-0077120")
    assert titles["fax cover"].startswith("Fax to ") and titles["postal letter"].startswith("Letter to ")


def test_receipt_pages_are_figures_with_alt_text_in_their_own_section(claim):
    pdf = claim.get("/claim/done/packet.pdf").data
    last = len(PdfReader(io.BytesIO(pdf)).pages)
    photo, invoice, facture, form = last - 4, last - 3, last - 1, last
    figures = [e for e in elements(pdf) if e["role"] == "/Figure"]
    assert [(f["alt"], f["page"]) for f in figures] == [
        ("QR code: claim " + re.search(r"CLM-\w{4}-\w{4}", page_text(pdf, 1)).group() +
         ", personal reference number MIP-0042317", 1),
        ("Itemised invoice: photo.jpg", photo),
        ("Itemised invoice: invoice.pdf, page 1 of 2", invoice),
        ("Itemised invoice: invoice.pdf, page 2 of 2", invoice + 1),
        ("Itemised invoice: facture.pdf", facture),
        ("Itemised invoice: form.pdf", form),
    ]
    tree = elements(pdf)
    for figure in figures[1:]:  # each receipt: a section of its page, its heading, then the figure
        at = tree.index(figure)
        start = max(i for i in range(at) if tree[i]["depth"] < figure["depth"])
        section, siblings = tree[start], [e["role"] for e in tree[start + 1:at] if e["depth"] == figure["depth"]]
        assert (section["role"], section["page"], siblings) == ("/Sect", figure["page"], ["/H2"])
    assert "SCANNED INVOICE ONE" in page_text(pdf, invoice) and "SCANNED INVOICE TWO" in page_text(pdf, invoice + 1)
    assert "TAGGED RECEIPT" in page_text(pdf, facture) and "EUR 12.00" in page_text(pdf, facture)
    # The filled-in form's value is drawn into the page, in its box below the form's title
    # (as a viewer shows the annotation); no untagged annotation is left.
    assert "FILLED 4711" in page_text(pdf, form)
    words = {w[0]: w[1:] for w in text_boxes(pdf, form)}  # word: (x0, y0, x1, y1) in mm from the top left
    assert abs(words["FILLED"][0] - words["CLAIM"][0]) < 3
    assert 0 < words["FILLED"][1] - words["CLAIM"][3] < 10
    assert all("/Annots" not in page for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_cover_in_front_keeps_both_structure_trees(claim):
    packet = claim.get("/claim/done/packet.pdf").data
    fax = claim.get("/claim/done/fax.pdf").data
    tree, packet_tree = elements(fax), elements(packet)
    top = [(e["role"], e["page"]) for e in tree if e["depth"] == 1]
    assert top[0] == ("/H1", 1)  # "Fax", on the cover
    # The packet's own tree follows, one page further on.
    packet_top = [(role, page + 1) for role, page in ((e["role"], e["page"]) for e in packet_tree if e["depth"] == 1)]
    assert top[-len(packet_top):] == packet_top
    assert [e["alt"] for e in tree if e["role"] == "/Figure"] == [e["alt"] for e in packet_tree if e["role"] == "/Figure"]
    ids = [e["id"] for e in tree if e["id"]]
    assert ids and len(ids) == len(set(ids))  # table header IDs stay unique
    # The bookmarks come along too: the cover's, then the packet's (top level).
    titles = [item.title for item in PdfReader(io.BytesIO(fax)).outline if not isinstance(item, list)]
    assert titles[:2] == ["Fax", "Claim for reimbursement of medical and dental expenses"]
    assert "Claim form" in titles


def test_the_structure_check_sees_a_broken_tree():
    """Negative control: pypdf's plain append keeps the cover's catalog but not the packet's
    structure tree; the check must report the packet's pages as untagged."""
    cover = covers.fax_cover(covers.Sender("Zoë Ørsted", "MIP-0042317"), "Claim reimbursement", 2)
    packet = HTML(string="<html lang='en'><title>t</title><h1>One</h1><h1 style='break-before: page'>Two</h1>"
                  ).write_pdf(pdf_variant="pdf/ua-1")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(cover)))
    writer.append(PdfReader(io.BytesIO(packet)))
    out = io.BytesIO()
    writer.write(out)
    assert structure_problems(out.getvalue()) == ["page 2: no /StructParents", "page 3: no /StructParents"]
    assert structure_problems(covers.prepend(cover, packet)) == []


def test_table_cells_name_their_row_header(web):
    """Key-value tables (<th scope="row">): each data cell points at its row's header cell,
    so a screen reader says "From: Zoë Ørsted", not a bare value."""
    pdf = covers.fax_cover(covers.Sender("Zoë Ørsted", "MIP-0042317", phone="+32 3 555 01 23"),
                           "Claim reimbursement", 2)
    rows, tree = [], elements(pdf)
    for i, e in enumerate(tree):
        if e["role"] == "/TR":
            cells = [c for c in tree[i + 1:] if c["depth"] == e["depth"] + 1][:2]
            rows.append(cells)
    assert len(rows) == 7
    for header, data in rows:
        assert header["role"] == "/TH" and data["role"] == "/TD"
        assert data["headers"] == [header["id"]]


def test_an_untagged_document_can_still_follow_a_cover():
    """A packet kept from before PDFs were tagged: its pages follow, the cover stays tagged."""
    cover = covers.fax_cover(covers.Sender("Zoë Ørsted", "MIP-0042317"), "Claim reimbursement", 2)
    joined = covers.prepend(cover, two_page_pdf())
    assert len(PdfReader(io.BytesIO(joined)).pages) == 3
    assert "SCANNED INVOICE TWO" in page_text(joined, 3)
    assert [e["role"] for e in elements(joined)][:2] == ["/Document", "/H1"]
