"""The claim packet PDF as the insurer reads it (text extracted with pypdf)."""
import io
import os
import re

import pytest
from pypdf import PdfReader

from tests.support.files import jpeg_bytes, two_page_pdf
from tests.support.pdf import flat, pdf_pages, pdf_text
from tests.support.samples import fill_claim
from workflows.administrators.cigna import CIGNA
from workflows.documents.fetcher import AppFetcher


@pytest.fixture
def packet(web):
    fill_claim(web, receipts=[("photo.jpg", jpeg_bytes(color="grey")), ("invoice.pdf", two_page_pdf())])
    return web.get("/claim/done/packet.pdf")


def test_packet_is_a_pdf_download(packet):
    assert packet.status_code == 200
    assert packet.mimetype == "application/pdf"
    assert re.fullmatch(r'attachment; filename="claim-CLM-[0-9A-Z]{4}-[0-9A-Z]{4}\.pdf"',
                        packet.headers["Content-Disposition"])


def test_cover_sheet_is_for_the_processor(packet):
    """Who, how much, what is enclosed on which pages, what is to follow; no advice for the member."""
    pages = pdf_pages(packet.data)
    cover, total = flat(pages[0]), len(pages)
    claim_form_end = max(i for i, text in enumerate(pages, start=1) if "Declaration" in text)
    for expected in ["Zoë Ørsted", "MIP-0042317", "Patient Zoë Ørsted (Member)", "EUR 650.00", "CHF 80.00",
                     CIGNA.claims_email, CIGNA.name,
                     f"Cover sheet and claim form pages 1–{claim_form_end}",
                     f"Itemised invoice: photo.jpg page {total - 2}",
                     f"Itemised invoice: invoice.pdf pages {total - 1}–{total}",
                     f"Signed {CIGNA.claim_form_name}: 1 to follow"]:
        assert expected in cover, expected
    # No medical detail, no bank details and no advice for the member on the cover.
    assert "molar" not in cover and "BE71" not in cover and "tape" not in cover


def test_claim_form_has_every_answer_and_the_itemised_fees(packet):
    text = flat(pdf_text(packet.data))
    for expected in ["Broken molar, crown needed", "France", "Dr Anne Martin, Lyon, France", "Dental: Crown",
                     "650.00 EUR", "Zahnklinik Basel, Basel, Switzerland", "80.00 CHF", "Total in EUR",
                     "Total in CHF", "BE71 0961 2345 6769", "GEBABEBB", "Rue de la Loi 1", "zoe@example.org",
                     "Signature (typed) Zoë Ørsted"]:
        assert expected in text, expected


def test_every_page_is_numbered_and_receipts_follow_one_per_page(packet):
    pages = pdf_pages(packet.data)
    total = len(pages)
    summary_pages = [i for i, text in enumerate(pages) if i and "Itemised invoice:" not in text]
    assert "Claim form" in pages[summary_pages[0]] and summary_pages[0] == 1
    assert total == 1 + len(summary_pages) + 1 + 2  # then the photo and the two PDF pages
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert "MIP-0042317" in text  # the member's reference on every page
    assert "Itemised invoice: photo.jpg" in pages[-3]
    assert "SCANNED INVOICE ONE" in pages[-2] and "SCANNED INVOICE TWO" in pages[-1]
    assert "page 1 of 2" in pages[-2]


def test_cover_has_a_qr_code_with_the_reference_and_claim_id(packet, tmp_path):
    import subprocess
    import zxingcpp
    from PIL import Image
    (tmp_path / "p.pdf").write_bytes(packet.data)
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "150", "-png", tmp_path / "p.pdf",
                    tmp_path / "page"], check=True)
    found = zxingcpp.read_barcodes(Image.open(next(tmp_path.glob("page*.png"))))
    reference = re.search(r"CLM-\w{4}-\w{4}", pdf_pages(packet.data)[0]).group(0)
    assert [b.text for b in found] == [f"MIP CLAIM {reference} REF MIP-0042317"]


def test_receipt_photo_is_embedded_upright(web):
    # A landscape photo taken with the camera turned: EXIF says rotate 90°.
    fill_claim(web, receipts=[("turned.jpg", jpeg_bytes(size=(1600, 1200), exif_orientation=6))])
    reader = PdfReader(io.BytesIO(web.get("/claim/done/packet.pdf").data))
    image = max((i.image for i in reader.pages[2].images), key=lambda i: i.width * i.height)
    assert image.height > image.width > 500


# --- nothing but the app's own assets -----------------------------------------------------------

def test_markup_in_answers_is_printed_literally_and_fetches_nothing(web, listener, tmp_path):
    port, hits = listener
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LOCAL-FILE")
    hostile = (f'<img src="file://{secret}"><link rel="attachment" href="file://{secret}">'
               f'<style>*{{background:url(http://127.0.0.1:{port}/css)}}</style>'
               f'<img src="http://127.0.0.1:{port}/img">')
    fill_claim(web, finish=False)
    web.post("/claim/treatment?change=1", {"kind": "medical", "reason": hostile, "country": "BE",
                                           "accident": "no", "other_insurance": "no"})
    web.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    data = web.get("/claim/done/packet.pdf").data
    assert hits == []
    assert b"TOP-SECRET-LOCAL-FILE" not in data
    reader = PdfReader(io.BytesIO(data))
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get_object())
    assert f'<img src="http://127.0.0.1:{port}/img">' in flat(pdf_text(data)).replace(" ", "").replace("imgsrc", "img src")


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "http://127.0.0.1:9/", "https://example.org/x.png",
    "data:text/plain,hello", "app:static/../../../etc/passwd", "app:res/unknown",
])
def test_the_pdf_fetcher_refuses_everything_but_app_assets(url):
    with pytest.raises(ValueError):
        AppFetcher({}).fetch(url)


def test_the_pdf_fetcher_serves_app_assets():
    response = AppFetcher({"qr.png": (b"png", "image/png")}).fetch("app:res/qr.png")
    assert response.read() == b"png"
    css = AppFetcher().fetch("app:static/css/pdf.css")
    assert b"@page" in css.read()


def test_a_killed_renderer_does_not_cost_the_member_the_pdf(web):
    """The renderer dies (the OOM killer, say) between two PDFs: the next one is still made,
    by a new renderer this process starts."""
    import os
    import signal
    from workflows.documents import renderer as documents
    fill_claim(web)
    first = web.get("/claim/done/packet.pdf")
    assert first.status_code == 200
    pid = documents.renderer_pid()  # started with the app, by this (the test's) process
    assert pid
    os.kill(pid, signal.SIGKILL)
    again = web.get("/claim/done/fax.pdf")  # not kept yet: laid out now
    assert again.status_code == 200 and "FAX" in pdf_text(again.get_data()).upper()
    assert documents.renderer_pid() not in (0, pid)
    assert web.get("/claim/done/post.pdf").status_code == 200


def test_a_render_waiting_behind_another_keeps_to_its_own_time_limit(app):
    """One render at a time per app process: a render that waits its turn behind a long one
    ends at its own time limit (the member gets the honest page then), not after both."""
    import threading
    import time
    from workflows.documents import RenderTimeout, renderer, time_limit
    long_one = threading.Thread(target=renderer.run, args=(time.sleep, 6))
    long_one.start()
    for _ in range(200):  # until the long render holds this process's turn
        if renderer._turn.locked():
            break
        time.sleep(0.05)
    started = time.monotonic()
    with time_limit(0.5), pytest.raises(RenderTimeout):
        renderer.run(os.getpid)
    waited = time.monotonic() - started
    long_one.join()
    assert waited < 4, f"waited {waited:.1f} s: the time limit did not count the wait"
