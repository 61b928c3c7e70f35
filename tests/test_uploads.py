"""Receipt intake as the member sees it on the receipts page."""
import io

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from tests.support.files import heic_bytes, jpeg_bytes, png_bomb, two_page_pdf
from tests.support.pages import field_error, listed, parse, summary
from tests.support.pdf import pdf_pages
from tests.support.samples import CLAIM, fill_claim
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
    ("page.pdf", b"<html><body>hi</body></html>", "page.pdf: The selected file must be a PDF, JPG, PNG or HEIC"),
    ("drawing.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "drawing.jpg: The selected file must be a PDF, JPG, PNG or HEIC"),
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


def test_an_oversized_request_stays_on_the_upload_page_saying_the_limit(make_app):
    app = make_app(MAX_UPLOAD_MB=1)
    web = Browserless(app.test_client())
    fill_claim(web, finish=False, receipts=())
    upload(web, ("first.jpg", jpeg_bytes()))
    response = upload(web, ("huge.jpg", b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024)))
    assert response.status_code == 413  # not a reset: the member gets a page
    page = parse(response)
    assert page.h1.get_text() == "Receipts and documents"
    message = ("What you chose is 2.0 MB: you can upload up to 1 MB at once, and 10 MB for "
               "each file. Nothing from it was uploaded: choose fewer or smaller files.")
    assert summary(response) == [message]
    assert page.select_one("#file-error1").get_text(" ", strip=True) == f"Error: {message}"
    assert page.title.get_text().startswith("Error:")
    assert listed(response) == ["Itemised invoice: first.jpg (1 page)"]  # kept
    assert page.select_one("form#answers")  # and the way on: upload again or continue


def test_continue_with_a_chosen_file_uploads_it_rather_than_dropping_it(at_receipts):
    data = {"action": "continue", "kind": "payment", "file": (io.BytesIO(jpeg_bytes()), "paid.jpg")}
    response = at_receipts.post("/claim/receipts", data, content_type="multipart/form-data")
    assert response.request.path == "/claim/check"
    assert "Proof of payment" in response.get_data(as_text=True)


def test_a_file_sent_without_its_kind_is_kept_and_its_kind_asked_next_to_it(at_receipts):
    response = upload(at_receipts, ("photo.jpg", jpeg_bytes()), kind="")
    assert listed(response) == ["photo.jpg (1 page)"]
    item = parse(response).select_one(".item")
    upload_id = item.select_one("input[type=radio]")["name"].removeprefix("kind-")
    assert summary(response) == ["Select what kind of document photo.jpg is"]
    assert field_error(response, f"kind-{upload_id}") == "Select what kind of document photo.jpg is"
    assert item.select_one("legend").get_text() == "What kind of document is photo.jpg?"
    response = at_receipts.post("/claim/receipts", {"action": "continue"})
    assert summary(response) == ["Select what kind of document photo.jpg is"]
    response = at_receipts.post("/claim/receipts", {"action": "continue", f"kind-{upload_id}": "payment"})
    assert response.request.path == "/claim/check"
    assert "Proof of payment" in response.get_data(as_text=True)


def test_the_file_field_offers_the_camera_without_forcing_it(at_receipts):
    field = parse(at_receipts.get("/claim/receipts")).select_one("input#file")
    assert field["type"] == "file" and field.has_attr("multiple")
    assert not field.has_attr("capture")  # the member chooses camera, photos or files
    accepted = field["accept"].split(",")
    assert {"image/jpeg", "image/png", "image/heic", "application/pdf"} <= set(accepted)


def test_an_iphone_heic_photo_is_normalised_like_a_jpeg(web):
    fill_claim(web, receipts=[("IMG_0042.HEIC", heic_bytes())])
    reader = PdfReader(io.BytesIO(web.get("/claim/done/packet.pdf").data))
    assert "Itemised invoice: IMG_0042.HEIC" in reader.pages[-1].extract_text()
    embedded = max(reader.pages[-1].images, key=lambda i: len(i.data))
    assert embedded.data.startswith(b"\xff\xd8\xff")  # kept as a JPEG
    for trace in (b"SecretCam", b"Exif", b"GPSLatitude", b"xmpmeta"):
        assert trace not in embedded.data
    picture = embedded.image
    assert picture.height > picture.width  # turned upright
    assert picture.height <= 1969 and picture.width <= 1418  # 180 x 250 mm at 200 dpi


def receipt_pages(packet: bytes, name: str) -> list[str]:
    """The packet pages headed with the receipt's name, each as its heading's page note."""
    notes = [text.split(f"Itemised invoice: {name}", 1)[1].split("\n", 1)[0].strip()
             for text in pdf_pages(packet) if f"Itemised invoice: {name}" in text]
    return [note for note in notes if note.startswith("(page")]  # not the cover's list


def test_files_chosen_together_as_pages_are_one_document(at_receipts):
    data = {"action": "upload", "kind": "invoice", "together": "1",
            "file": [(io.BytesIO(jpeg_bytes()), "page1.jpg"), (io.BytesIO(two_page_pdf()), "pages2-3.pdf"),
                     (io.BytesIO(heic_bytes()), "page4.heic")]}
    response = at_receipts.post("/claim/receipts", data, content_type="multipart/form-data")
    assert listed(response) == ["Itemised invoice: page1.jpg (4 pages)"]
    at_receipts.post("/claim/receipts", {"action": "continue"})
    at_receipts.post("/claim/check", CLAIM["check"])
    packet = at_receipts.get("/claim/done/packet.pdf").data
    assert receipt_pages(packet, "page1.jpg") == [f"(page {n} of 4)" for n in range(1, 5)]


def test_a_page_can_be_added_to_a_receipt(at_receipts):
    upload(at_receipts, ("receipt.jpg", jpeg_bytes()), ("other.pdf", two_page_pdf()))
    page = parse(at_receipts.get("/claim/receipts"))
    link = page.select(".item")[0].select_one("a")
    assert link.get_text(" ", strip=True) == "Add a page to receipt.jpg"
    adding = at_receipts.get(link["href"])
    assert parse(adding).select_one(".panel-form h2").get_text() == "Add a page to receipt.jpg"
    to = parse(adding).select_one("input[name=to]")["value"]
    for name in ("back.jpg", "third.jpg"):
        data = {"action": "upload", "to": to, "file": (io.BytesIO(jpeg_bytes()), name)}
        response = at_receipts.post("/claim/receipts", data, content_type="multipart/form-data")
        # The document is kept under a new id with each page: its link says which.
        to = parse(response).select_one(".item a")["href"].rsplit("add_to=", 1)[1]
    assert listed(response) == ["Itemised invoice: receipt.jpg (3 pages)",
                                "Itemised invoice: other.pdf (2 pages)"]
    at_receipts.post("/claim/receipts", {"action": "continue"})
    at_receipts.post("/claim/check", CLAIM["check"])
    packet = at_receipts.get("/claim/done/packet.pdf").data
    assert receipt_pages(packet, "receipt.jpg") == [f"(page {n} of 3)" for n in range(1, 4)]
    assert receipt_pages(packet, "other.pdf") == ["(page 1 of 2)", "(page 2 of 2)"]
