"""Pages of uploaded PDFs laid onto their placeholder pages in a packet, and pages fitted to
one paper size for a fax; the PDF stays tagged either way."""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, RectangleObject

from . import prelayout, tagged

_MM = 72 / 25.4


def lay_pdf_pages(rendered: bytes, placeholders: dict, attachments: dict) -> bytes:
    """Each placeholder page gets its page of the uploaded PDF, drawn as a figure in the
    placeholder's section of the structure tree, so the packet stays tagged. The pages laid
    out at upload (prelayout) are used when they fit the placeholder's paper; otherwise
    they are laid out now, the same way."""
    base = PdfReader(io.BytesIO(rendered))
    writer = PdfWriter(clone_from=base)
    writer.pdf_header = base.pdf_header  # PDF 1.7, as PDF/UA-1 has it (pypdf would write 1.3)
    laid = {}
    for index, (upload_id, page_no) in placeholders.items():
        attachment = attachments[upload_id]
        box = writer.pages[index].mediabox
        size = (float(box.width), float(box.height))
        if (upload_id, size) not in laid:
            laid[upload_id, size] = (prelayout.usable(attachment.laid, attachment.pages, size)
                                     or PdfWriter(clone_from=PdfReader(io.BytesIO(
                                         prelayout.lay_out(attachment.content, size)))))
        source = laid[upload_id, size].pages[page_no]
        alt = f"{attachment.kind_label}: {attachment.name}"
        if attachment.pages > 1:
            alt += f", page {page_no + 1} of {attachment.pages}"
        tagged.lay_as_figure(writer, index, source, Transformation(), alt, prelayout.drawn_box(source),
                             clean=True)
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
