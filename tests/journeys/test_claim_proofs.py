"""Each expense line names its proof (issue 12, point 2): the member says at upload which lines
a document covers and can change it later; the packet's fee table points every line to the
pages of its documents, as a processor reads it (pypdf); the check page warns about lines
without a document and documents without a line, and the member can still finish."""
from __future__ import annotations

import io
import re

from tests.support.files import jpeg_bytes, one_page_pdf
from tests.support.pages import listed, parse
from tests.support.pdf import flat, pdf_pages
from tests.support.samples import CLAIM, fill_claim


def at_receipts(web):
    """The sample claim (two expenses: Dr Anne Martin, Zahnklinik Basel) at its upload page;
    the expense lines offered there, by their short name ("Expense 1") -> value."""
    fill_claim(web, finish=False, receipts=())
    page = parse(web.get("/claim/receipts"))
    return {box.find_next("label").get_text().split(":")[0]: box["value"]
            for box in page.select("input[name=covers]")}


def upload(web, name, content, kind, covers):
    return web.post("/claim/receipts", {"action": "upload", "kind": kind, "covers-asked": "1", "covers": covers,
                                        "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def cautions(response) -> list[str]:
    return [" ".join(li.get_text().split()) for li in parse(response).select(".warning li")]


def fee_rows(pages: list[str]) -> list[str]:
    """The fee table's rows, as one line of text each (a row ends where the next begins)."""
    text = flat(" ".join(pages[1:3]))
    table = text[text.index("Itemised fees"):text.index("Total in EUR")]
    return re.split(r"(?= \d+ \d{1,2} [A-Z][a-z]+ \d{4} )", table)[1:]


def test_each_fee_line_points_to_the_pages_of_its_receipts(web):
    lines = at_receipts(web)
    assert list(lines) == ["Expense 1", "Expense 2"]
    upload(web, "martin-invoice.pdf", one_page_pdf("MARTIN INVOICE 650"), "invoice", [lines["Expense 1"]])
    upload(web, "basel-invoice.jpg", jpeg_bytes(), "invoice", [lines["Expense 2"]])
    response = upload(web, "card-payment.jpg", jpeg_bytes(color="gray"), "payment", list(lines.values()))
    assert listed(response) == ["Itemised invoice: martin-invoice.pdf (1 page)",
                                "Itemised invoice: basel-invoice.jpg (1 page)",
                                "Proof of payment: card-payment.jpg (1 page)"]
    assert [p.get_text() for p in parse(response).select(".item-covers")] == [
        "Covers: Expense 1", "Covers: Expense 2", "Covers: Expense 1, Expense 2"]
    web.post("/claim/receipts", {"action": "continue"})
    check = web.get("/claim/check")
    assert cautions(check) == []
    # One card payment proves both lines: the checklist counts lines covered, not files, so
    # no proof of payment is "to follow" (only the administrator's own form is).
    missing = [" ".join(li.get_text().split()) for li in parse(check).select("ul.missing li")]
    assert any(m.startswith("Signed") for m in missing), missing
    assert not [m for m in missing if m.startswith(("Proof of payment", "Itemised invoice"))], missing
    web.post("/claim/check", CLAIM["check"])
    pages = pdf_pages(web.get("/claim/done/packet.pdf").data)

    martin, basel = fee_rows(pages)
    assert "Dr Anne Martin" in martin and "Zahnklinik Basel" in basel
    expected = {"Dr Anne Martin": [("Itemised invoice", "martin-invoice.pdf"), ("Proof of payment", "card-payment.jpg")],
                "Zahnklinik Basel": [("Itemised invoice", "basel-invoice.jpg"), ("Proof of payment", "card-payment.jpg")]}
    for row, provider in ((martin, "Dr Anne Martin"), (basel, "Zahnklinik Basel")):
        proofs = re.findall(r"(Itemised invoice|Proof of payment): page (\d+)", row)
        assert [kind for kind, _n in proofs] == [kind for kind, _name in expected[provider]]
        for (kind, number), (_kind, name) in zip(proofs, expected[provider]):
            n = int(number)
            assert 1 <= n <= len(pages)
            page = flat(pages[n - 1])
            assert page.startswith(f"{kind}: {name}"), (provider, n, page)  # the document's own page
            assert f"Page {n} of {len(pages)}" in page
    assert "MARTIN INVOICE 650" in pages[int(re.search(r"Itemised invoice: page (\d+)", martin)[1]) - 1]


def test_one_line_is_preselected_and_a_document_can_be_given_lines_later(web):
    fill_claim(web, finish=False, receipts=(), expenses=CLAIM["expenses"][:1])
    boxes = parse(web.get("/claim/receipts")).select("input[name=covers]")
    assert len(boxes) == 1 and boxes[0].has_attr("checked")
    assert boxes[0].find_next("label").get_text().startswith("Expense 1: ")
    assert "Dr Anne Martin · EUR 650.00" in boxes[0].find_next("label").get_text()
    upload(web, "invoice.jpg", jpeg_bytes(), "invoice", [])  # the member unticked it
    web.post("/claim/receipts", {"action": "continue"})
    check = web.get("/claim/check")
    assert cautions(check) == ["Expense 1 has no document: say which documents cover it, or upload one. Fix this "
                               "(Expense 1 has no document: say which documents cover it, or upload one.)",
                               "invoice.jpg does not cover any expense. Choose its expenses "
                               "(invoice.jpg does not cover any expense.)"]
    links = [a["href"] for a in parse(check).select(".warning li a")]
    assert links[0] == "/claim/receipts?change=1"

    # The document's own page, from the check page: tick the line, back to the check page.
    page = parse(web.get(links[1]))
    assert page.select_one("h1").get_text() == "Which expenses does invoice.jpg cover?"
    value = page.select_one("input[name=covers]")["value"]
    response = web.post(links[1], {"covers": value})
    assert parse(response).select_one("h1").get_text() == "Check your answers before finishing"
    assert cautions(response) == []
    response = web.post("/claim/check", CLAIM["check"])
    pages = pdf_pages(web.get("/claim/done/packet.pdf").data)
    (row,) = fee_rows(pages)
    n = int(re.search(r"Itemised invoice: page (\d+)", row)[1])
    assert flat(pages[n - 1]).startswith("Itemised invoice: invoice.jpg")


def test_lines_without_documents_can_still_be_sent(web):
    lines = at_receipts(web)
    upload(web, "martin.jpg", jpeg_bytes(), "invoice", [lines["Expense 1"]])
    web.post("/claim/receipts", {"action": "continue"})
    check = web.get("/claim/check")
    assert [c.split(" Fix this")[0] for c in cautions(check)] == [
        "Expense 2 has no document: say which documents cover it, or upload one."]
    assert "You can still go on." in parse(check).select_one(".warning").get_text()
    web.post("/claim/check", CLAIM["check"])
    martin, basel = fee_rows(pdf_pages(web.get("/claim/done/packet.pdf").data))
    assert re.search(r"Itemised invoice: page \d+", martin)
    assert "None enclosed" in basel
