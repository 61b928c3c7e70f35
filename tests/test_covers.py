"""Fax cover sheets and window-envelope letters, standalone and in front of a packet."""
import io
import re
import subprocess

import pytest
from pypdf import PdfReader

from tests.support.files import jpeg_bytes
from tests.support.pages import parse
from tests.support.pdf import flat, pdf_pages, text_boxes
from tests.support.pdf_checks import structure_problems
from tests.support.samples import SENDER, TREATMENT, admission, fill_claim, fill_guarantee
from workflows import documents as covers
from workflows.administrators.cigna import CIGNA


def test_fax_ready_claim_counts_every_page_and_keeps_medical_detail_off_the_cover(web):
    fill_claim(web)
    packet = web.get("/claim/done/packet.pdf").data
    response = web.get("/claim/done/fax.pdf?paper=A4")
    assert response.mimetype == "application/pdf"
    assert re.fullmatch(r'attachment; filename="claim-fax-CLM-\w{4}-\w{4}\.pdf"',
                        response.headers["Content-Disposition"])
    pages = pdf_pages(response.data)
    cover = flat(pages[0])
    assert f"Total pages including this cover: {len(pages)}" in cover
    assert len(pages) == 1 + len(pdf_pages(packet))
    for fact in (CIGNA.name, CIGNA.fax.number, "MIP-0042317", "Claim reimbursement", "zoe@example.org"):
        assert fact in cover, fact
    assert "Confidential" in cover and "destroy them" in cover
    for medical in (TREATMENT["reason"], "molar", "Crown", "650.00", "Dr Anne Martin", "dental", "France"):
        assert medical not in cover, medical
    # The packet follows, its pages numbered as pages of the whole fax, and unchanged but
    # for a box for the member's handwritten signature.
    alone = pdf_pages(packet)
    for number, faxed in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in faxed
    # (Page numbers differ throughout: the footers, and the cover's enclosure pages, count
    # pages of the fax.)
    changed = [n for n, (faxed, own) in enumerate(zip(pages[1:], alone))
               if re.sub(r"\d+", "#", faxed) != re.sub(r"\d+", "#", own)]
    assert len(changed) == 1 and "Handwritten signature of the member" in flat(pages[1 + changed[0]])


def numbered_as(text: str, replacement: str) -> str:
    """A page's text with its "Page N of M" footer replaced."""
    return re.sub(r"Page \d+ of \d+", replacement, text)


def sizes(pdf: bytes) -> list[tuple[int, int]]:
    """Every page's media box, in whole points."""
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
            for p in PdfReader(io.BytesIO(pdf)).pages]


def letter_pdf(text: str) -> bytes:
    """A receipt scanned on US Letter paper."""
    from weasyprint import HTML
    return HTML(string=f"<style>@page {{ size: letter }}</style><p>{text}</p>").write_pdf()


@pytest.mark.parametrize("paper, size", [("letter", (612, 792)), ("A4", (595, 842))])
def test_a_fax_is_one_paper_size_throughout(web, paper, size):
    """Cover, claim summary and receipts (a photo, and a scan on the other paper size) all
    on the paper chosen for the cover."""
    fill_claim(web, receipts=(("photo.jpg", None), ("scan.pdf", letter_pdf("SCANNED ON LETTER"))))
    alone = web.get("/claim/done/packet.pdf").data
    fax = web.get(f"/claim/done/fax.pdf?paper={paper}").data
    total = 1 + len(sizes(alone))
    assert sizes(fax) == [size] * total
    assert structure_problems(fax) == []  # still tagged, pages fitted or not
    pages = [flat(p) for p in pdf_pages(fax)]
    assert f"Total pages including this cover: {total}" in pages[0]
    assert "Claim for reimbursement" in pages[1] and "Claim form" in "".join(pages[2:-2])
    assert "photo.jpg" in pages[-2] and "SCANNED ON LETTER" in pages[-1]
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in page
    # The packet on its own keeps its own size and numbering.
    assert sizes(alone) == [(595, 842)] * (total - 1)
    assert [re.findall(r"Page \d+ of \d+", flat(p)) for p in pdf_pages(alone)] == [
        [f"Page {n} of {total - 1}"] for n in range(1, total)]


def test_an_urgent_guarantee_fax_says_urgent_on_its_cover(web):
    fill_guarantee(web)  # an emergency admission yesterday
    fax = web.get("/guarantee/done/fax.pdf?paper=letter").data
    pages = [flat(p) for p in pdf_pages(fax)]
    assert pages[0].startswith("Fax URGENT – please pass this fax on at once")
    assert "Total pages including this cover: 2" in pages[0]
    assert "URGENT – EMERGENCY ADMISSION" in pages[1] and "Page 2 of 2" in pages[1]
    assert sizes(fax) == [(612, 792)] * 2
    assert "appendicitis" not in pages[0].lower()


def test_a_planned_admission_fax_is_not_marked_urgent(web):
    fill_guarantee(web, admission_answers=admission("planned", days_ahead=30, care="day"))
    cover = flat(pdf_pages(web.get("/guarantee/done/fax.pdf").data)[0])
    assert "URGENT" not in cover and "Guarantee of payment request" in cover


def test_postal_letter_puts_the_address_in_the_din_5008_window(web):
    fill_claim(web)
    data = web.get("/claim/done/post.pdf").data
    words = text_boxes(data)
    name_words = CIGNA.name.split()
    address = [w for w in words if w[0] in set(" ".join((CIGNA.name, *CIGNA.postal_lines)).split())
               and 40 < w[2] < 95]
    first = next(w for w in address if w[0] == name_words[0])
    last_line = max(w[4] for w in address)
    # DIN 5008 form B field: 20 mm from the left, 45 mm from the top, 85 x 45 mm.
    assert abs(first[1] - 20) <= 2
    assert 45 - 2 <= first[2] and last_line <= 90 + 2
    assert max(w[3] for w in address) <= 105 + 2
    text = flat(pdf_pages(data)[0])
    for expected in ("Claim reimbursement – personal reference number MIP-0042317",
                     "Claim packet (", "Itemised invoice (1 page)", *CIGNA.postal_lines):
        assert expected in text
    assert "receipt.jpg" not in text and "molar" not in text


def test_postal_letter_has_fold_and_hole_marks_at_din_positions(web, tmp_path):
    from PIL import Image
    fill_claim(web)
    (tmp_path / "letter.pdf").write_bytes(web.get("/claim/done/post.pdf").data)
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "254", "-gray", "-png",
                    tmp_path / "letter.pdf", tmp_path / "p"], check=True)
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")  # 10 pixels per millimetre
    marked = [y / 10 for y in range(image.height)
              if any(image.getpixel((x, y)) < 128 for x in range(40, 100))]
    assert marked, "no marks in the left margin"
    for target in (105, 148.5, 210):
        assert any(abs(y - target) <= 0.5 for y in marked), target
    assert all(min(abs(y - t) for t in (105, 148.5, 210)) <= 0.5 for y in marked)


def test_guarantee_can_be_faxed_with_its_attachments(web):
    fill_guarantee(web, attachments=[("letter.jpg", jpeg_bytes(), "doctor-letter")])
    pages = pdf_pages(web.get("/guarantee/done/fax.pdf").data)
    assert f"Total pages including this cover: {len(pages)}" in flat(pages[0])
    assert len(pages) == 3  # cover, request, the doctor's letter
    assert "URGENT – Guarantee of payment request" in flat(pages[0])
    assert "appendicitis" not in pages[0].lower() and "Leo Ruiz" not in pages[0]


def test_standalone_fax_cover(web):
    web.post("/cover/sender", SENDER)
    web.post("/cover/sending", {"method": "fax", "subject": "other", "other": "Missing invoice",
                                "pages": "4", "paper": "A4", "message": "Second copy, please ignore the first."})
    done = web.post("/cover/check", {})
    page = parse(done)
    assert page.h1.get_text() == "Your cover sheet is ready"
    assert page.find("a", string="Write the email in your mail app") is None
    cover = flat(pdf_pages(web.get("/cover/done/packet.pdf").data)[0])
    for expected in ("Total pages including this cover: 5", "Missing invoice", CIGNA.fax.number,
                     "Second copy, please ignore the first.", "MIP-0042317"):
        assert expected in cover
    assert web.client.post("/cover/done/send").status_code in (400, 404)


def test_standalone_postal_letter(web):
    web.post("/cover/sender", SENDER)
    web.post("/cover/sending", {"method": "post", "subject": "claim", "pages": "2", "paper": "A4"})
    web.post("/cover/check", {})
    text = flat(pdf_pages(web.get("/cover/done/packet.pdf").data)[0])
    assert "Claim reimbursement – personal reference number MIP-0042317" in text
    assert "2 pages" in text and CIGNA.postal_lines[0] in text


@pytest.mark.parametrize("changes, field, message", [
    ({"pages": "0"}, "pages", "Number of pages must be a whole number from 1 to 200"),
    ({"pages": "two"}, "pages", "Number of pages must be a whole number from 1 to 200"),
    ({"pages": ""}, "pages", "Enter the number of pages that follow"),
    ({"subject": "other", "other": ""}, "other", "Enter what the fax or letter is about"),
])
def test_sending_form_messages(web, changes, field, message):
    web.post("/cover/sender", SENDER)
    data = {"method": "fax", "subject": "claim", "pages": "3", "paper": "A4", **changes}
    page = parse(web.post("/cover/sending", data))
    assert page.find(id=f"{field}-error").get_text(" ", strip=True) == f"Error: {message}"


def test_a_reply_route_is_required(web):
    page = parse(web.post("/cover/sender", {**SENDER, "reply_email": ""}))
    assert [a.get_text() for a in page.select(".error-summary a")] == [
        "Enter a fax number or an email address for replies"]


def test_a_long_message_still_gives_the_right_total():
    sender = covers.Sender("A", "B", "+32 3 555 01 23")
    pdf = covers.fax_cover(sender, "Claim reimbursement", 3, message="word " * 900)
    pages = pdf_pages(pdf)
    assert f"Total pages including this cover: {len(pages) + 3}" in flat(pages[0])
