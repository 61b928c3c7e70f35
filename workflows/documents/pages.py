"""Some pages of a PDF as a PDF of their own, and pages made smaller by their pictures: what
a packet too large for one email is cut into. Pure functions of bytes."""
from __future__ import annotations

import io
import re

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

# Below this many pixels per inch of the page's width, small print on a photographed receipt
# (and a QR code or bar code on it) stops being readable: pictures are never made smaller.
# Receipts are kept at 200 (documents.intake.DPI); at 150 a line of 8-point print is still
# about 16 pixels tall, and a small QR code on a phone photo still decodes
# (tests/test_mail_parts.py reads one with zxing).
LEGIBLE_DPI = 150
A4_WIDTH = 595.28  # points
# JPEG quality of a picture made smaller: below about 70, ringing blurs thin strokes.
LEGIBLE_QUALITY = 75


def pdf_pages(pdf: bytes, pages: range | list[int]) -> bytes:
    """The given pages (0-based) of `pdf`, in order, as one PDF, with only the pictures they
    draw (WeasyPrint's pages share one list of every picture in the document)."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for index in pages:
        source = reader.pages[index]
        if "/Annots" in source:
            # A link to another page of the packet (the claim form's proof column) would
            # bring that page along, with its picture: links stay with the whole packet.
            source[NameObject("/Annots")] = ArrayObject(
                a for a in source["/Annots"].get_object() if a.get_object().get("/Subtype") != "/Link")
        only_drawn(source)  # before the copy: what the writer copies, it writes out
        writer.add_page(source)
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def only_drawn(page) -> None:
    """The page's own resources, listing only the XObjects its content draws (`/Name Do`)."""
    resources = page.get("/Resources")
    if resources is None or "/XObject" not in resources.get_object():
        return
    contents = page.get_contents()  # a stream is a dictionary: an empty one is false
    drawn = set(_DRAWN.findall(contents.get_data() if contents is not None else b""))
    resources = DictionaryObject(resources.get_object())
    xobjects = resources["/XObject"].get_object()
    resources[NameObject("/XObject")] = DictionaryObject(
        {key: value for key, value in xobjects.items() if str(key)[1:].encode() in drawn})
    page[NameObject("/Resources")] = resources


_DRAWN = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")


def legible_smaller(pdf: bytes, dpi: int = LEGIBLE_DPI, only: set[int] | None = None) -> bytes:
    """`pdf` with each picture re-encoded no sharper than `dpi` across its page's width, and
    never below it: what is left is as small as it can get while its print stays legible. A
    picture already that coarse is left as it is. `only`: these pages (0-based), not all. The
    rest of the file (its tags) stays as it was."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header
    for number, page in enumerate(writer.pages):
        if only is not None and number not in only:
            continue
        # Printed, a page is fitted to A4: a photo saved as a page 20 inches wide is too.
        width_in = min(float(page.mediabox.width), A4_WIDTH) / 72
        for picture in page.images:
            image = picture.image
            # A picture is drawn at most across the page: this many pixels is `dpi` or more
            # wherever it is drawn.
            floor = max(1, round(width_in * dpi))
            if image.width <= floor:
                continue  # already that coarse (a QR code, a logo): left exactly as it is
            scale = floor / image.width
            smaller = image.convert("RGB").resize(
                (floor, max(1, round(image.height * scale))), Image.Resampling.LANCZOS)
            picture.replace(smaller, quality=LEGIBLE_QUALITY)
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue() if len(out.getvalue()) < len(pdf) else pdf


def legible_image(jpeg: bytes, page_width_mm: float = 210, dpi: int = LEGIBLE_DPI) -> bytes:
    """A picture sent as a file of its own, no sharper than `dpi` across an A4 page's width
    (never below it), re-encoded; as it was if that is no smaller."""
    image = Image.open(io.BytesIO(jpeg))
    floor = round(page_width_mm / 25.4 * dpi)
    if min(image.size) <= floor:
        return jpeg
    scale = floor / min(image.size)  # the shorter side across the page, whichever way up
    smaller = image.convert("RGB").resize((round(image.width * scale), round(image.height * scale)),
                                          Image.Resampling.LANCZOS)
    out = io.BytesIO()
    smaller.save(out, "JPEG", quality=LEGIBLE_QUALITY)
    return out.getvalue() if out.tell() < len(jpeg) else jpeg

