"""Pages of uploaded PDFs laid onto their placeholder pages in a packet, and pages fitted to
one paper size for a fax; the PDF stays tagged either way."""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, RectangleObject

from . import tagged

# The free area of a placeholder page, in PDF points from the bottom-left corner of A4:
# 15 mm side margins, 28 mm at the top for the heading, 20 mm at the bottom for the footer.
_MM = 72 / 25.4
SLOT = (15 * _MM, 20 * _MM, (210 - 15) * _MM, (297 - 28) * _MM)


def lay_pdf_pages(rendered: bytes, placeholders: dict, attachments: dict) -> bytes:
    """Each placeholder page gets its page of the uploaded PDF, drawn as a figure in the
    placeholder's section of the structure tree, so the packet stays tagged."""
    base = PdfReader(io.BytesIO(rendered))
    writer = PdfWriter(clone_from=base)
    writer.pdf_header = base.pdf_header  # PDF 1.7, as PDF/UA-1 has it (pypdf would write 1.3)
    readers = {}
    for index, (upload_id, page_no) in placeholders.items():
        attachment = attachments[upload_id]
        if upload_id not in readers:
            reader = PdfReader(io.BytesIO(attachment.content), strict=False)
            if reader.is_encrypted:
                reader.decrypt("")
            # Pages must belong to a writer before pypdf will rewrite their rotation.
            readers[upload_id] = PdfWriter(clone_from=reader)
        source = readers[upload_id].pages[page_no]
        if source.rotation:
            source.transfer_rotation_to_content()
        box = source.mediabox
        width, height = float(box.width), float(box.height)
        x0, y0, x1, y1 = SLOT
        scale = min((x1 - x0) / width, (y1 - y0) / height, 1.0)
        left = x0 + ((x1 - x0) - width * scale) / 2
        bottom = y1 - height * scale
        dx = left - float(box.left) * scale
        dy = bottom - float(box.bottom) * scale
        alt = f"{attachment.kind_label}: {attachment.name}"
        if attachment.pages > 1:
            alt += f", page {page_no + 1} of {attachment.pages}"
        tagged.lay_as_figure(writer, index, source, Transformation().scale(scale, scale).translate(dx, dy),
                             alt, (left, bottom, left + width * scale, y1))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Paper sizes in PDF points (width, height).
PAPER_SIZES = {"A4": (210 * _MM, 297 * _MM), "letter": (612.0, 792.0)}


def fit_to_paper(pdf: bytes, paper: str) -> bytes:
    """Every page on `paper`: a page of another size (an A4 packet behind a US Letter fax
    cover) is scaled to fit and centred, so a fax machine sends one size throughout. Its
    content keeps its marks, so the PDF stays tagged."""
    width, height = PAPER_SIZES[paper]
    base = PdfReader(io.BytesIO(pdf))
    if all(_same_size(page.mediabox, width, height) for page in base.pages):
        return pdf
    writer = PdfWriter(clone_from=base)
    writer.pdf_header = base.pdf_header  # PDF 1.7, as PDF/UA-1 has it (pypdf would write 1.3)
    for page in writer.pages:
        box = page.mediabox
        if _same_size(box, width, height):
            continue
        scale = min(width / float(box.width), height / float(box.height))
        dx = (width - float(box.width) * scale) / 2 - float(box.left) * scale
        dy = (height - float(box.height) * scale) / 2 - float(box.bottom) * scale
        move = Transformation().scale(scale, scale).translate(dx, dy)
        page.add_transformation(move)
        for ref in page.get("/Annots") or []:  # links keep their place on the page
            annotation = ref.get_object()
            x0, y0, x1, y1 = (float(v) for v in annotation["/Rect"])
            (ax, ay), (bx, by) = move.apply_on((x0, y0)), move.apply_on((x1, y1))
            annotation[NameObject("/Rect")] = RectangleObject((ax, ay, bx, by))
        page.mediabox = RectangleObject((0, 0, width, height))
        for name in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
            if name in page:
                del page[name]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _same_size(box, width: float, height: float) -> bool:
    return abs(float(box.width) - width) < 1 and abs(float(box.height) - height) < 1
