"""Uploaded PDFs' pages laid out once, at upload, in the background (web/receipt_pages.py,
documents/prelayout.py), kept sealed with the upload, and only placed at finish. (Photos
need none: WeasyPrint places the JPEG intake kept.)

What the processor reads must not change: the packet made from kept pages has the text,
pages, page numbers and fee-table page references of the packet laid out whole at finish.
Kept pages that are missing, broken or made for other paper are laid out again; an upload
removed, or a claim finished, while its pages are being made loses nothing and leaves
nothing behind. On SQLite and, under ./dev test, PostgreSQL."""
from __future__ import annotations

import io
import re
import threading

from cryptography.fernet import Fernet
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.support.files import jpeg_bytes, one_page_pdf, two_page_pdf
from tests.support.pdf import MM, page_text
from tests.support.pdf_checks import structure_problems
from tests.support.samples import CLAIM, EXPENSES, fill_claim
from tests.support.web import Browserless
from workflows.documents import Attachment, prelayout
from workflows.journeys.contract import Finished
from workflows.store.models import Upload
from workflows.web import receipt_pages

PHOTO = ("photo.jpg", jpeg_bytes(size=(600, 800), color="grey"))
INVOICE = ("invoice.pdf", two_page_pdf())


def draft_of(web) -> str:
    return web.client.get_cookie("draft").value


def claim_state(app, token: str) -> dict:
    return app.extensions["store"].drafts.load(token)[0]["journeys"]["claim"]


def files_of(app, token: str) -> list[dict]:
    return claim_state(app, token)["answers"]["receipts"]["files"]


def kept(app, token: str) -> dict[str, tuple[bytes, bytes | None] | None]:
    """What the store holds for each of the draft's files, by name: (file, laid pages or None)."""
    receipt_pages.settled(60)  # the layouts started by the uploads so far are done
    return {f["name"]: app.extensions["store"].uploads.get_laid(token, f["id"]) for f in files_of(app, token)}


def rows(app) -> int:
    with app.extensions["store"].engine.connect() as db:
        return db.execute(select(func.count()).select_from(Upload)).scalar()


def texts(pdf: bytes) -> list[str]:
    """Every page's text as a viewer draws it (the receipts' own text included)."""
    return [page_text(pdf, n) for n in range(1, len(PdfReader(io.BytesIO(pdf)).pages) + 1)]


def laid_out_at_finish(app, token: str) -> bytes:
    """The same claim's packet with every receipt laid out at finish, as before kept pages."""
    state = claim_state(app, token)
    store = app.extensions["store"]
    with app.test_request_context():
        w = app.extensions["journeys"]["claim"]
        answers = store.submissions.get(token, "claim", state["reference"])["answers"]
        attachments = [Attachment(f["id"], f["name"], f["kind_label"], f["media_type"], f["pages"],
                                  store.uploads.get(token, f["id"])) for f in files_of(app, token)]
        return w.outputs.packet(Finished(answers, state["reference"], attachments,
                                         app.extensions["administrator"], w.review))


def test_an_uploads_pages_are_laid_out_and_kept_before_the_claim_is_finished(app, web):
    fill_claim(web, receipts=[PHOTO, INVOICE], finish=False)
    token = draft_of(web)
    assert claim_state(app, token).get("reference") is None
    found = kept(app, token)
    invoice = next(f for f in files_of(app, token) if f["name"] == "invoice.pdf")
    content, laid = found["invoice.pdf"]
    assert content == app.extensions["store"].uploads.get(token, invoice["id"])  # the file as kept
    pages = PdfReader(io.BytesIO(laid)).pages
    assert len(pages) == invoice["pages"] == 2
    assert all(abs(float(p.mediabox.width) - 210 * MM) < 1 and abs(float(p.mediabox.height) - 297 * MM) < 1
               for p in pages)
    assert "SCANNED INVOICE TWO" in page_text(laid, 2)
    assert found["photo.jpg"][1] is None  # placed by WeasyPrint as intake kept it


def test_the_packet_from_kept_pages_reads_as_the_one_laid_out_at_finish(app, web):
    # One expense line: every receipt covers it, so the fee table points at each one's page.
    fill_claim(web, receipts=[PHOTO, INVOICE, ("scan.pdf", two_page_pdf())], expenses=EXPENSES[:1],
               finish=False)
    token = draft_of(web)
    assert all(laid for name, (_, laid) in kept(app, token).items() if name.endswith(".pdf"))
    web.post("/claim/check", CLAIM["check"])
    token = draft_of(web)  # finishing moved the draft to a new token, with its uploads

    placed = web.get("/claim/done/packet.pdf").data
    whole = laid_out_at_finish(app, token)
    assert texts(placed) == texts(whole)
    pages = texts(placed)  # the cover, the claim form, then 5 receipt pages
    assert [re.search(r"Page (\d+) of (\d+)", p).groups() for p in pages] == [
        (str(n), str(len(pages))) for n in range(1, len(pages) + 1)]
    first_receipt = len(pages) - 5 + 1
    fees = next(p for p in pages if "Itemised fees" in p)
    assert f"page {first_receipt}" in fees and f"page {first_receipt + 1}" in fees
    assert "Itemised invoice: photo.jpg" in pages[first_receipt - 1]
    assert "Itemised invoice: invoice.pdf (page 2 of 2)" in pages[first_receipt + 1]
    assert structure_problems(placed) == []

    fax = web.get("/claim/done/fax.pdf?paper=letter").data
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in PdfReader(io.BytesIO(fax)).pages}
    assert sizes == {(612, 792)}
    fax_pages = texts(fax)
    assert len(fax_pages) == len(pages) + 1
    assert f"Page 2 of {len(pages) + 1}" in fax_pages[1] and "photo.jpg" in fax_pages[first_receipt]
    assert structure_problems(fax) == []


def test_kept_pages_that_do_not_fit_are_laid_out_again(app, web):
    fill_claim(web, receipts=[PHOTO, INVOICE], expenses=EXPENSES[:1])
    token = draft_of(web)
    whole = texts(laid_out_at_finish(app, token))
    letter = (612.0, 792.0)
    store, state = app.extensions["store"], claim_state(app, token)
    with app.test_request_context():
        w = app.extensions["journeys"]["claim"]
        answers = store.submissions.get(token, "claim", state["reference"])["answers"]
        for spoilt in (b"%PDF-1.7 not really", b"", "letter", "one page short"):
            attachments = []
            for f in files_of(app, token):
                content = store.uploads.get(token, f["id"])
                laid = (None if f["media_type"] != "application/pdf" else
                        prelayout.lay_out(content, letter) if spoilt == "letter" else
                        prelayout.lay_out(one_page_pdf()) if spoilt == "one page short" else spoilt)
                attachments.append(Attachment(f["id"], f["name"], f["kind_label"], f["media_type"],
                                              f["pages"], content, laid))
            packet = w.outputs.packet(Finished(answers, state["reference"], attachments,
                                               app.extensions["administrator"], w.review))
            assert texts(packet) == whole, spoilt
            assert structure_problems(packet) == [], spoilt


def test_two_uploads_at_once_each_get_their_pages(app, web):
    fill_claim(web, receipts=[], finish=False)
    token = draft_of(web)
    tabs = [Browserless(app.test_client()) for _ in range(2)]
    for tab in tabs:
        tab.client.set_cookie("draft", token)
    done = []

    def upload(tab, name, content):
        done.append(tab.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                                 "file": (io.BytesIO(content), name)},
                             content_type="multipart/form-data").status_code)
    threads = [threading.Thread(target=upload, args=(tab, *file)) for tab, file in zip(tabs, [PHOTO, INVOICE])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert done == [200, 200]
    found = kept(app, token)
    assert sorted(found) == ["invoice.pdf", "photo.jpg"] and rows(app) == 2
    assert found["invoice.pdf"][1] and found["photo.jpg"][1] is None


def test_an_upload_removed_while_its_pages_are_made_leaves_nothing(app, web):
    fill_claim(web, receipts=[INVOICE], finish=False)
    token = draft_of(web)
    upload_id = files_of(app, token)[0]["id"]
    web.post(f"/claim/receipts/files/{upload_id}/remove", {}, token_from="/claim/receipts")
    receipt_pages.settled(60)
    assert files_of(app, token) == [] and rows(app) == 0
    # However late the pages come, they are not kept for a file that is gone.
    assert app.extensions["store"].uploads.keep_laid(upload_id, b"%PDF-1.7 pages") is False
    assert rows(app) == 0


def test_a_claim_finished_while_its_pages_are_made_is_whole_and_keeps_them(app, web):
    fill_claim(web, receipts=[PHOTO, INVOICE], expenses=EXPENSES[:1])  # finished at once
    packet = web.get("/claim/done/packet.pdf").data
    token = draft_of(web)
    found = kept(app, token)  # the pages made meanwhile went with the moved draft
    assert found["invoice.pdf"][1] and rows(app) == 2
    assert texts(packet) == texts(laid_out_at_finish(app, token))
    assert web.get("/claim/done/packet.pdf").data == packet  # the kept packet, unchanged


def test_key_rotation_and_delete_my_answers_cover_the_kept_pages(make_app):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(DRAFT_ENCRYPTION_KEYS=key_a)
    web = Browserless(app.test_client())
    fill_claim(web, receipts=[INVOICE], finish=False)
    token = draft_of(web)
    (content, laid), = kept(app, token).values()
    assert laid

    rotating = make_app(DRAFT_ENCRYPTION_KEYS=f"{key_b},{key_a}")
    assert rotating.extensions["store"].rekey()["uploads"].rotated == 1
    after = make_app(DRAFT_ENCRYPTION_KEYS=key_b)
    assert list(kept(after, token).values()) == [(content, laid)]

    member = Browserless(after.test_client())
    member.client.set_cookie("draft", token)
    member.get("/delete")
    member.post("/delete", {})
    assert rows(after) == 0
