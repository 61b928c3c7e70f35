"""Hostile uploads through the real server: files judged by what they are, crafted images
and PDFs refused or handled within pypdf's and Pillow's limits, oversized requests answered
with a 413 page, and file names kept as display text only."""
from __future__ import annotations

import email
import email.policy
import io
import re
import uuid
import zlib

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader, PdfWriter
from sqlalchemy import text

from tests.support.files import jpeg_bytes, png_bomb
from tests.support.pages import heading, listed, parse, path_of, summary
from tests.support.samples import GOP_PATIENT, HOSPITAL, MEDICAL, WRITER, admission, fill_claim
from workflows.administrators.cigna import CIGNA

BOUND = 30  # seconds: every upload must be answered well within this (a hang fails the test)


# --- crafted files -------------------------------------------------------------------------------

def build_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF from object bodies (numbered from 1) with a correct cross-reference table, so
    that pypdf meets exactly the trap in the objects and not a broken file around it."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>")
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
TEXT = b"BT /F1 24 Tf 72 720 Td (CRAFTED RECEIPT) Tj ET"


def one_page(page: bytes = PAGE, content: bytes | None = None) -> bytes:
    return build_pdf([CATALOG, PAGES, page, content or stream(TEXT), FONT])


CIRCULAR = {
    "kids-self.pdf": build_pdf([CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]),
    "kids-loop.pdf": build_pdf([CATALOG, PAGES, b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"]),
    "inherit-loop.pdf": build_pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 2 0 R >>",
                                   b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>", stream(TEXT), FONT]),
    "ref-self.pdf": build_pdf([CATALOG, PAGES, b"<< /Type /Page /Parent 2 0 R /MediaBox 6 0 R /Contents 4 0 R >>",
                               stream(TEXT), FONT, b"6 0 R"]),
    "length-self.pdf": one_page(content=b"<< /Length 4 0 R >>\nstream\n" + TEXT + b"\nendstream"),
}
HUGE = {
    "huge-length.pdf": one_page(content=b"<< /Length 99999999999 >>\nstream\n" + TEXT + b"\nendstream"),
    "deep-nesting.pdf": one_page(page=b"<< /Type /Page /Parent 2 0 R /MediaBox " + b"[" * 50_000
                                 + b"]" * 50_000 + b" /Contents 4 0 R >>"),
    "flate-bomb.pdf": one_page(content=stream(zlib.compress(TEXT + b"\n" + b" " * 300_000_000, 9),
                                              b"/Filter /FlateDecode ")),
}


def encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(one_page())))
    writer.encrypt(user_password=user_password, owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def photo(kind="JPEG", mode="RGB") -> bytes:
    """A noisy photo: a cut in it leaves real image data missing, not just padding."""
    image = Image.effect_noise((1200, 1600), 64).convert(mode)
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def halves(orientation: int) -> bytes:
    """A landscape JPEG, left half red and right half blue, with an EXIF orientation."""
    image = Image.new("RGB", (1600, 1200), "blue")
    image.paste((255, 0, 0), (0, 0, 800, 1200))
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


# --- helpers --------------------------------------------------------------------------------------

@pytest.fixture
def at_receipts(member):
    fill_claim(member, finish=False, receipts=())
    assert path_of(member.get("/claim/receipts")) == "/claim/receipts"
    return member


def upload(member, *files, kind="invoice", action="upload"):
    data = {"action": action, "kind": kind, "file": [(io.BytesIO(c), n) for n, c in files]}
    return member.post("/claim/receipts", data, timeout=BOUND)


def finish(member):
    upload(member, action="continue")
    response = member.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    assert path_of(response) == "/claim/done"
    packet = member.get("/claim/done/packet.pdf")
    assert packet.status_code == 200 and packet.headers["Content-Type"] == "application/pdf"
    return packet.content


def receipt_image(pdf: bytes) -> Image.Image:
    """The picture on the packet's last page (the receipt's own page)."""
    last = PdfReader(io.BytesIO(pdf)).pages[-1]
    assert "Itemised invoice:" in last.extract_text()
    return max(last.images, key=lambda i: len(i.data)).image


DAMAGED = "The selected PDF could not be read: it may be damaged"


REFUSED = [
    ("empty.pdf", b"", "The selected file is empty"),
    ("page.pdf", b"<!doctype html><html><body><script>alert(1)</script></body></html>",
     "The selected file must be a PDF, JPG, PNG or HEIC"),
    ("drawing.jpg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
                    b'<image href="file:///etc/passwd"/></svg>', "The selected file must be a PDF, JPG, PNG or HEIC"),
    ("polyglot.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>", DAMAGED),
    ("bomb.png", png_bomb(), "The selected image is too large: it must be under 40 megapixels"),
    ("wide-bomb.png", png_bomb(1_000_000, 64), "The selected image is too large: it must be under 40 megapixels"),
    ("cut.jpg", photo()[:300_000], "The selected image could not be read: it may be damaged"),
    ("cut.png", photo("PNG")[:2_000_000], "The selected image could not be read: it may be damaged"),
    ("locked.pdf", encrypted("secret"), "The selected PDF is protected by a password: "
                                        "save it without the password and upload it again"),
    *[(name, content, DAMAGED) for name, content in CIRCULAR.items()],
    *[(name, content, DAMAGED) for name, content in HUGE.items()],
]


@pytest.mark.parametrize("name, content, message", REFUSED, ids=[case[0] for case in REFUSED])
def test_a_hostile_file_is_refused_with_a_message(site, at_receipts, name, content, message):
    response = upload(at_receipts, (name, content))
    assert response.status_code == 200
    assert summary(response) == [f"{name}: {message}"]
    assert listed(response) == []
    with site.app.extensions["store"].engine.connect() as db:
        assert db.execute(text("select count(*) from uploads")).scalar() == 0
    # The page still works: a good file goes through next.
    response = upload(at_receipts, ("good.jpg", jpeg_bytes()))
    assert listed(response) == ["Itemised invoice: good.jpg (1 page)"]


@pytest.mark.parametrize("name, content", [
    ("parent-loop.pdf", one_page(page=PAGE.replace(b"/Parent 2 0 R", b"/Parent 3 0 R"))),
    ("negative-length.pdf", one_page(content=b"<< /Length -5 >>\nstream\n" + TEXT + b"\nendstream")),
    ("owner-password-only.pdf", encrypted("")),
])
def test_an_odd_but_readable_pdf_is_accepted_and_printed(at_receipts, name, content):
    response = upload(at_receipts, (name, content))
    assert summary(response) == []
    assert listed(response) == [f"Itemised invoice: {name} (1 page)"]
    pages = PdfReader(io.BytesIO(finish(at_receipts))).pages
    assert f"Itemised invoice: {name}" in pages[-1].extract_text()
    assert "CRAFTED RECEIPT" in pages[-1].extract_text()


def test_a_cmyk_jpeg_is_accepted_and_converted_to_rgb(at_receipts):
    image = Image.new("CMYK", (1200, 1600), (0, 255, 255, 0))  # red, in ink
    out = io.BytesIO()
    image.save(out, "JPEG")
    assert listed(upload(at_receipts, ("cmyk.jpg", out.getvalue()))) == ["Itemised invoice: cmyk.jpg (1 page)"]
    printed = receipt_image(finish(at_receipts))
    assert printed.mode == "RGB"
    red, green, blue = printed.resize((1, 1)).getpixel((0, 0))
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize("orientation, top, bottom, left, right", [
    (3, "blue", "blue", "blue", "red"),   # turned 180°: the red half ends up on the right
    (6, "red", "blue", None, None),       # turned 90° clockwise: red on top, portrait
    (8, "blue", "red", None, None),       # turned 90° anticlockwise: red at the bottom
])
def test_exif_rotation_is_applied(at_receipts, orientation, top, bottom, left, right):
    upload(at_receipts, ("turned.jpg", halves(orientation)))
    printed = receipt_image(finish(at_receipts))

    def colour(x, y):
        r, g, b = printed.convert("RGB").getpixel((int(x * (printed.width - 1)), int(y * (printed.height - 1))))
        return "red" if r > 200 and b < 60 else "blue" if b > 200 and r < 60 else f"({r},{g},{b})"
    assert (printed.height > printed.width) == (orientation in (6, 8))
    if left:
        assert (colour(0.1, 0.5), colour(0.9, 0.5)) == (left, right)
    else:
        assert (colour(0.5, 0.1), colour(0.5, 0.9)) == (top, bottom)


# --- sizes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("limit_mb, sent_mb", [(1, 3), (25, 30)])
def test_an_oversized_request_comes_back_to_the_upload_page_not_a_reset(serve, make_app, limit_mb, sent_mb):
    site = serve(make_app(MAX_UPLOAD_MB=limit_mb))
    member = site.member()
    fill_claim(member, finish=False, receipts=())
    response = upload(member, ("huge.jpg", b"\xff\xd8\xff" + b"0" * (sent_mb * 1024 * 1024)))
    assert response.status_code == 413
    assert heading(response) == "Receipts and documents"
    assert summary(response)[0].startswith(
        f"What you chose is {sent_mb}.0 MB: you can upload up to {limit_mb} MB at once, and 10 MB "
        "for each file. Nothing from it was uploaded")
    after = member.get("/claim/receipts")
    assert after.status_code == 200 and path_of(after) == "/claim/receipts"
    assert parse(member.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"


def test_a_file_over_10_mb_in_a_request_under_the_limit_gets_a_message(at_receipts):
    response = upload(at_receipts, ("big.jpg", b"\xff\xd8\xff" + b"0" * (12 * 1024 * 1024)))
    assert response.status_code == 200
    assert summary(response) == ["big.jpg: The selected file must be smaller than 10 MB"]


def test_without_javascript_the_413_answer_reaches_a_real_browser_as_the_upload_page(
        serve, make_app, browser, tmp_path):
    site = serve(make_app(MAX_UPLOAD_MB=1))
    member = site.member()
    fill_claim(member, finish=False, receipts=())
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        context.add_cookies([{"name": "draft", "value": member.draft, "url": site.url}])
        big = tmp_path / "scan.jpg"
        big.write_bytes(b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024))
        page.goto(site.url + "/claim/receipts")
        page.get_by_label("Itemised invoice").check()
        page.set_input_files("#file", str(big))
        with page.expect_navigation():
            page.get_by_role("button", name="Upload").click()
        expect(page.locator("h1")).to_have_text("Receipts and documents")
        expect(page.locator("#file-error1")).to_contain_text("you can upload up to 1 MB at once")
        # The way on is right there: the same form, for a smaller file.
        small = tmp_path / "small.jpg"
        small.write_bytes(jpeg_bytes())
        page.get_by_label("Itemised invoice").check()
        page.set_input_files("#file", str(small))
        page.get_by_role("button", name="Upload").click()
        # The answer is a redirect to the same page: wait for its list, not the old one.
        expect(page.locator(".item-text")).to_have_text(["Itemised invoice: small.jpg (1 page)"])
    finally:
        context.close()


def test_with_javascript_a_file_over_the_limits_is_named_before_it_is_sent(serve, make_app, page, tmp_path):
    site = serve(make_app(MAX_UPLOAD_MB=5))
    member = site.member()
    fill_claim(member, finish=False, receipts=())
    page.context.add_cookies([{"name": "draft", "value": member.draft, "url": site.url}])
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    big = tmp_path / "scan of the bill.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024))
    page.goto(site.url + "/claim/receipts")
    page.get_by_label("Itemised invoice").check()
    page.set_input_files("#file", str(big))
    page.get_by_role("button", name="Upload").click()
    message = "scan of the bill.jpg: The selected file must be smaller than 10 MB"
    assert page.locator(".error-summary a").all_inner_texts() == [message]
    assert " ".join(page.locator("#file-error0").text_content().split()) == f"Error: {message}"
    assert page.evaluate("document.activeElement.className") == "error-summary"
    assert page.title().startswith("Error:")
    parts = [tmp_path / f"page{n}.jpg" for n in range(3)]
    for part in parts:
        part.write_bytes(b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024))
    page.set_input_files("#file", [str(p) for p in parts])
    page.get_by_role("button", name="Upload").click()
    assert page.locator(".error-summary a").all_inner_texts() == [
        "The files you chose are 6.0 MB together: you can upload up to 5 MB at once. "
        "Upload them a few at a time."]
    assert sent == []  # nothing was sent, so nothing was lost on the way


# --- file names -------------------------------------------------------------------------------------

NAMES = [  # (as sent by the browser, as shown and used)
    ("../../etc/passwd.jpg", "passwd.jpg"),
    # A quoted file name treats a backslash as an escape (RFC 2616 quoted-pair), so none arrives.
    ("..\\..\\Windows\\win.ini.jpg", "....Windowswin.ini.jpg"),
    ("x" * 296 + ".jpg", "x" * 70 + "….jpg"),
    ("收据 2026年11月.jpg", "收据 2026年11月.jpg"),
    ("<img src=x onerror=alert(1)>.jpg", "<img src=x onerror=alert(1)>.jpg"),
    ("invoice\u202egpj.exe.jpg", "invoicegpj.exe.jpg"),
    ("a\r\nX-Injected: 1\".jpg", "a%0D%0AX-Injected: 1\".jpg"),  # browsers send CR LF escaped
]


@pytest.mark.parametrize("sent, shown", NAMES, ids=["dotdot", "backslash", "300-chars", "chinese", "markup",
                                                    "rlo", "crlf"])
def test_a_file_name_is_display_text_only(site, at_receipts, tmp_path, sent, shown):
    response = upload(at_receipts, (sent, jpeg_bytes()))
    assert listed(response) == [f"Itemised invoice: {shown} (1 page)"]
    items = parse(response).select_one(".items")
    assert items.find_all("img") == [] and items.find_all("script") == []
    remove = items.find("form")["action"]
    assert re.fullmatch(r"/claim/receipts/files/[0-9a-f]{32}/remove", remove)  # stored under an id
    with site.app.extensions["store"].engine.connect() as db:
        assert [len(i) for (i,) in db.execute(text("select id from uploads"))] == [32]
    # Nothing named after the file was written anywhere.
    # (The SQLite run's database files are the only files; on PostgreSQL there are none.)
    assert [p.name for p in tmp_path.rglob("*")
            if p.is_file() and not p.name.startswith("drafts.sqlite3")] == []


def raw_upload(member, filename: bytes):
    """A multipart body written by hand, with the file name's bytes exactly as given."""
    boundary = uuid.uuid4().hex.encode()
    token = member.token("/claim/receipts")
    body = b"".join([
        b"--%s\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n%s\r\n" % (boundary, token.encode()),
        b"--%s\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nupload\r\n" % boundary,
        b"--%s\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ninvoice\r\n" % boundary,
        b"--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
        b"Content-Type: image/jpeg\r\n\r\n%s\r\n" % (boundary, filename, jpeg_bytes()),
        b"--%s--\r\n" % boundary])
    return member.http.post(member.url + "/claim/receipts", data=body, timeout=BOUND,
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary.decode()}"})


@pytest.mark.parametrize("filename, errors, files", [
    (b"a\rX-Injected: 1.jpg", ["Select a file to upload"], []),  # the part's header is broken
    (b"a\nX-Injected: 1.jpg", ["Select a file to upload"], []),
    (b"nul\x00byte\x07.jpg", [], ["Itemised invoice: nulbyte.jpg (1 page)"]),
])
def test_raw_control_bytes_in_a_file_name_never_reach_the_page(at_receipts, filename, errors, files):
    response = raw_upload(at_receipts, filename)
    assert response.status_code == 200
    assert summary(response) == errors
    assert listed(response) == files
    assert "X-Injected" not in response.text


def test_a_file_name_that_is_not_utf8_gets_the_try_again_page(at_receipts):
    """Werkzeug cannot read the form at all (so not its CSRF token either): nothing is saved."""
    response = raw_upload(at_receipts, b"caf\xe9.jpg")
    assert response.status_code == 400 and heading(response) == "Please try again"
    assert listed(at_receipts.get("/claim/receipts")) == []


# Sent under the shown name, with what file systems and mail headers refuse (\/:*?"<>|)
# replaced, and the extension of what the file is (issue 11.3).
SENT_AS = {"<img src=x onerror=alert(1)>.jpg": "_img src=x onerror=alert(1)_.jpg",
           'a%0D%0AX-Injected: 1".jpg': "a%0D%0AX-Injected_ 1_.jpg"}


def test_file_names_in_the_sent_email_and_eml_are_the_shown_names(member, smtp_server):
    """The guarantee request sends the uploads as attachments of their own, named as shown
    (made safe: SENT_AS)."""
    names = [sent for sent, _ in NAMES]
    member.post("/guarantee/writer", WRITER)
    member.post("/guarantee/patient", GOP_PATIENT)
    member.post("/guarantee/admission", admission())
    member.post("/guarantee/hospital", HOSPITAL)
    member.post("/guarantee/medical", MEDICAL)
    member.post("/guarantee/consent", {"consent": "y"})  # a relative writes
    member.post("/guarantee/attachments", {"action": "upload", "kind": "other",
                                           "file": [(io.BytesIO(jpeg_bytes()), n) for n in names]})
    member.post("/guarantee/attachments", {"action": "continue"})
    done = member.post("/guarantee/check", {})
    assert path_of(done) == "/guarantee/done"
    member.post("/guarantee/done/send", {"copy": "yes"}, token_from="/guarantee/done")
    eml = member.get("/guarantee/done/message.eml")
    assert re.fullmatch(r'attachment; filename="guarantee-request-GOP-[0-9A-Z]{4}-[0-9A-Z]{4}\.eml"',
                        eml.headers["Content-Disposition"])
    for msg in (smtp_server.messages[0]["message"],
                email.message_from_bytes(eml.content, policy=email.policy.default)):
        attached = [part.get_filename() for part in msg.iter_attachments()]
        assert attached[0].startswith("guarantee-request-GOP-")
        assert attached[1:] == [SENT_AS.get(shown, shown) for _, shown in NAMES]
        for part in msg.walk():
            assert "X-Injected" not in part.keys()
        assert msg["To"] == CIGNA.admissions_email
        assert "X-Injected:" not in msg.as_string().replace("X-Injected: 1", "")
