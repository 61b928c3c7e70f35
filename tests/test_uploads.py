"""Receipt intake as the member sees it on the receipts page."""
import io

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from tests.support.files import jpeg_bytes, png_bomb, two_page_pdf
from tests.support.pages import listed, parse
from tests.support.samples import fill_claim
from tests.support.web import Browserless


@pytest.fixture
def at_receipts(web):
    fill_claim(web, finish=False, receipts=())
    web.post("/claim/expenses", {})
    return web


def upload(web, *files, kind="invoice"):
    data = {"action": "upload", "kind": kind, "file": [(io.BytesIO(c), n) for n, c in files]}
    return web.post("/claim/receipts", data, content_type="multipart/form-data")


def errors(response):
    return [a.get_text() for a in parse(response).select(".error-summary a")]


def test_several_files_are_accepted_and_listed(at_receipts):
    response = upload(at_receipts, ("a.jpg", jpeg_bytes()), ("b.pdf", two_page_pdf()))
    assert errors(response) == []
    assert listed(response) == ["Itemised invoice: a.jpg (1 page)", "Itemised invoice: b.pdf (2 pages)"]


@pytest.mark.parametrize("name, content, message", [
    ("empty.pdf", b"", "empty.pdf: The selected file is empty"),
    ("page.pdf", b"<html><body>hi</body></html>", "page.pdf: The selected file must be a PDF, JPG or PNG"),
    ("drawing.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "drawing.jpg: The selected file must be a PDF, JPG or PNG"),
    ("bomb.png", png_bomb(), "bomb.png: The selected image is too large: it must be under 40 megapixels"),
    ("cut.jpg", jpeg_bytes()[:400], "cut.jpg: The selected image could not be read: it may be damaged"),
    ("broken.pdf", b"%PDF-1.7\n1 0 obj <<", "broken.pdf: The selected PDF could not be read: it may be damaged"),
])
def test_files_are_judged_by_their_content(at_receipts, name, content, message):
    response = upload(at_receipts, (name, content))
    assert errors(response) == [message]
    assert listed(response) == []


def test_a_password_protected_pdf_is_refused_with_a_way_out(at_receipts):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(two_page_pdf())))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    response = upload(at_receipts, ("locked.pdf", out.getvalue()))
    assert errors(response) == ["locked.pdf: The selected PDF is protected by a password: "
                                "save it without the password and upload it again"]


def test_kind_and_file_are_required(at_receipts):
    response = at_receipts.post("/claim/receipts", {"action": "upload"}, content_type="multipart/form-data")
    assert errors(response) == ["Select what kind of document this is", "Select a file to upload"]
    response = at_receipts.post("/claim/receipts", {"action": "continue"})
    assert errors(response) == ["Upload at least one document"]


def test_a_file_can_be_removed(at_receipts):
    upload(at_receipts, ("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes()))
    page = parse(at_receipts.get("/claim/receipts"))
    action = page.select(".item form")[0]["action"]
    response = at_receipts.post(action, {}, token_from="/claim/receipts")
    assert listed(response) == ["Itemised invoice: b.jpg (1 page)"]
    assert "a.jpg removed" in response.get_data(as_text=True)


def test_file_names_are_shown_without_folders_or_control_characters(at_receipts):
    response = upload(at_receipts, ("..\\..\\etc/pass\twd\u202e<b>.jpg", jpeg_bytes()))
    assert listed(response) == ["Itemised invoice: passwd<b>.jpg (1 page)"]
    assert "<b>" not in str(parse(response).select_one(".item-text").decode_contents()).replace("&lt;b&gt;", "")


def test_images_are_normalised_upright_without_metadata_and_fit_a4(web):
    image = Image.new("CMYK", (4000, 3000), (0, 0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90°
    exif[0x010F] = "SecretCam"  # camera make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    fill_claim(web, receipts=[("cmyk.jpg", out.getvalue())])
    reader = PdfReader(io.BytesIO(web.get("/claim/done/packet.pdf").data))
    embedded = max(reader.pages[-1].images, key=lambda i: len(i.data))
    assert b"SecretCam" not in embedded.data and b"Exif" not in embedded.data
    picture = embedded.image
    assert picture.mode == "RGB"
    assert picture.height > picture.width  # turned upright
    assert picture.height <= 1969 and picture.width <= 1418  # 180 x 250 mm at 200 dpi


def test_an_oversized_request_gets_a_413_page_not_a_reset(make_app):
    app = make_app(MAX_UPLOAD_MB=1)
    web = Browserless(app.test_client())
    fill_claim(web, finish=False, receipts=())
    response = upload(web, ("huge.jpg", b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024)))
    assert response.status_code == 413
    assert parse(response).h1.get_text() == "The file is too large"


def test_continue_with_a_chosen_file_uploads_it_rather_than_dropping_it(at_receipts):
    data = {"action": "continue", "kind": "payment", "file": (io.BytesIO(jpeg_bytes()), "paid.jpg")}
    response = at_receipts.post("/claim/receipts", data, content_type="multipart/form-data")
    assert response.request.path == "/claim/check"
    assert "Proof of payment" in response.get_data(as_text=True)
