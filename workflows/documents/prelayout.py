"""An uploaded PDF's pages laid out once, when it is uploaded, for every packet it goes into.

A receipt page of a packet is the packet's own page (its heading, its footer with the
claim's reference and "Page N of M", laid out with the cover and summary) with the receipt
drawn into its free area. The heading and footer depend on the claim; the drawing does not.
So `lay_out` makes, in the background (the renderer process), one page per page of the PDF
with only the drawing, already placed where the packet wants it and cleaned as the packet
needs it (pages turned upright, no marks of their own, visible annotations drawn in): one
form XObject per page. Laying a kept page into a packet (placement.lay_pdf_pages) is then
a few operators, not a parse of the receipt's content.

Photos need none of this: intake keeps them upright and fitted to the page, as JPEGs that
WeasyPrint embeds as they are, which costs it about a millisecond a page; drawing a kept
page onto a placeholder with pypdf costs more than that (benchmarks/README.md).

The laid pages are untagged: the packet tags each drawing as a figure of its own page.
"""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, RectangleObject, StreamObject

from . import tagged

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
_NAME = NameObject("/MipReceipt")


def slot(size: tuple[float, float]) -> tuple[float, float, float, float]:
    """The free area of a receipt page of `size`, in PDF points from its bottom-left corner:
    15 mm side margins, 28 mm at the top for the heading, 20 mm at the bottom for the footer."""
    width, height = size
    return 15 * MM, 20 * MM, width - 15 * MM, height - 28 * MM


def placed(width: float, height: float, size: tuple[float, float]):
    """(scale, left, bottom) of a drawing of `width` x `height` in the slot of a page of
    `size`: never enlarged, centred across, at the top."""
    x0, y0, x1, y1 = slot(size)
    scale = min((x1 - x0) / width, (y1 - y0) / height, 1.0)
    return scale, x0 + ((x1 - x0) - width * scale) / 2, y1 - height * scale


def lay_out(content: bytes, size: tuple[float, float] = A4) -> bytes:
    """The PDF's pages on paper of `size` (points), one for one: each draws its original as
    one form XObject, placed as the packet places it."""
    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)  # pages must belong to a writer to be rewritten
    for page in writer.pages:
        if page.rotation:
            page.transfer_rotation_to_content()
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        scale, left, bottom = placed(width, height, size)
        dx, dy = left - float(box.left) * scale, bottom - float(box.bottom) * scale
        form = writer._add_object(tagged.as_form(page))
        for name in ("/CropBox", "/BleedBox", "/TrimBox", "/UserUnit"):
            page.pop(NameObject(name), None)
        _draw(writer, page, form, size, width * scale, height * scale, left, bottom,
              (scale, 0, 0, scale, dx, dy))
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    return _written(writer)


def _draw(writer, page, drawing, size, width, height, left, bottom, matrix) -> None:
    """`page` made a page of `size` that draws only `drawing`, through `matrix`; its
    /ArtBox says where."""
    page.mediabox = RectangleObject((0, 0, *size))
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/XObject"): DictionaryObject({_NAME: drawing})})
    page[NameObject("/ArtBox")] = RectangleObject((left, bottom, left + width, bottom + height))
    numbers = " ".join(f"{v:.4f}" for v in matrix)
    content = StreamObject()
    content.set_data(f"q {numbers} cm {_NAME} Do Q".encode())
    page[NameObject("/Contents")] = writer._add_object(content.flate_encode())


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def usable(laid: bytes | None, pages: int, size: tuple[float, float]) -> PdfWriter | None:
    """Kept pages fit for a packet of pages of `size`: as many as the receipt has, and of that
    size; else None (then they are laid out again, for this packet)."""
    if not laid:
        return None
    try:
        reader = PdfReader(io.BytesIO(laid))
        if len(reader.pages) != pages or not all(
                abs(float(p.mediabox.width) - size[0]) < 1 and abs(float(p.mediabox.height) - size[1]) < 1
                and "/ArtBox" in p for p in reader.pages):
            return None
        return PdfWriter(clone_from=reader)
    except Exception:  # noqa: BLE001 (kept by an earlier release, say: lay it out again)
        return None


def drawn_box(page) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in ArrayObject(page["/ArtBox"]))
