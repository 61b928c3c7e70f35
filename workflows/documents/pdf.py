"""PDF rendering: HTML from the document templates, laid out by WeasyPrint with the locked
fetcher, tagged PDF/UA-1. Pure functions of plain values: no request, session or app."""
from __future__ import annotations

import functools
import io
import logging
import re
import threading
import time
from dataclasses import dataclass, field

import segno
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from . import prelayout
from .fetcher import STATIC, AppFetcher
from .placement import lay_pdf_pages
from ..telemetry import metrics
from .renderer import RenderTimeout, run
from .templating import documents as templates

# WeasyPrint logs the URL of every refused fetch; these never carry answers (user text
# is never placed in a URL) but keep its chatter out of the app's logs all the same.
logging.getLogger("weasyprint").setLevel(logging.ERROR)

# One font configuration per process: WeasyPrint makes a new one for every render otherwise,
# which costs time and leaks native memory (about 0.3 MB a render, measured here).
# Renders run one at a time per worker thread; see _render_lock.
FONTS = FontConfiguration()
_render_lock = threading.Lock()

# Every PDF is tagged PDF/UA-1: a structure tree from the HTML (headings, tables, lists,
# figures with their alt text), the <html lang> and the <title>, shown as the window title.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


class DocumentError(Exception):
    """A document could not be made from what it was given."""


@dataclass
class Attachment:
    """A receipt or document as it goes into a packet."""

    id: str
    name: str
    kind_label: str
    media_type: str
    pages: int
    content: bytes = field(repr=False)
    # A PDF's pages as laid out at upload (documents.prelayout), once they are made.
    laid: bytes | None = field(default=None, repr=False)


@functools.cache
def stylesheet(name: str) -> CSS:
    """A stylesheet from static/css, parsed once per process rather than on every render."""
    return CSS(string=(STATIC / "css" / name).read_text(), base_url="app:static/css/",
               url_fetcher=AppFetcher(), font_config=FONTS)


def _html(html: str, resources: dict | None) -> HTML:
    """The document WeasyPrint lays out: it can fetch only the app's assets and `resources`."""
    return HTML(string=html, base_url="app:static/", url_fetcher=AppFetcher(resources))


def _write_pdf(html: str, resources: dict | None, style: str) -> bytes:
    with _render_lock:
        return _html(html, resources).write_pdf(font_config=FONTS, stylesheets=[stylesheet(style)],
                                                **PDF_OPTIONS)


# Blank pages laid out in front of a packet that goes behind a cover (a fax), then dropped:
# the packet's footers then count the whole fax ("Page 2 of 6", not "Page 1 of 5").
_LEADING_PAGE = '<div class="leading-page"></div>'


def _write_packet(html: str, resources: dict, attachments: list[Attachment], leading: int = 0) -> bytes:
    """The packet's PDF, with the uploaded PDFs' pages laid onto their placeholder pages."""
    if leading:
        html = re.sub(r"<body\b[^>]*>", lambda m: m[0] + _LEADING_PAGE * leading, html, count=1)
    with _render_lock:
        document = _html(html, resources).render(font_config=FONTS, stylesheets=[stylesheet("pdf.css")])
    if leading:
        document = document.copy(document.pages[leading:])
    placeholders = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("slot-"):
                _, upload_id, page_no = anchor.split("-", 2)
                placeholders[index] = (upload_id, int(page_no))
    rendered = document.write_pdf(**PDF_OPTIONS)
    if not placeholders:
        return rendered
    try:
        return lay_pdf_pages(rendered, placeholders, {a.id: a for a in attachments})
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
        # Intake judged the file; a limit of pypdf's met only now must not be a stack trace.
        raise DocumentError(f"an uploaded PDF could not be laid in ({type(exc).__name__})") from None


def render_pdf(template: str, context: dict, resources: dict | None = None,
               style: str = "pdf.css") -> bytes:
    html = templates.get_template(template).render(**context)
    return _counted(template, _write_pdf, html, resources, style)


def _counted(template: str, function, *args) -> bytes:
    """run() in the renderer, counted by template (a name of ours): made, how long, or why not."""
    started = time.perf_counter()
    try:
        pdf = run(function, *args)
    except BaseException as exc:
        reason = ("timeout" if isinstance(exc, RenderTimeout) else
                  "document" if isinstance(exc, DocumentError) else "error")
        metrics.PDF_FAILURES.labels(template, reason).inc()
        raise
    metrics.PDF_RENDERS.labels(template).inc()
    metrics.PDF_SECONDS.labels(template).observe(time.perf_counter() - started)
    return pdf


def qr_png(payload: str) -> bytes:
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=4, border=2)
    return out.getvalue()


def render_packet(template: str, context: dict, attachments: list[Attachment],
                  resources: dict | None = None, leading_pages: int = 0) -> bytes:
    """Cover and summary from `template`, then every attachment, one page each, all numbered
    "Page N of M". Images are placed by WeasyPrint (intake kept them upright, fitted to the
    page, as JPEGs it embeds as they are: about a millisecond a page). Each page of an
    attached PDF gets a numbered placeholder page from WeasyPrint (heading, footer), onto
    which pypdf then draws that page as laid out at upload (prelayout), or now if those
    laid pages are not there or do not fit.
    With `leading_pages`, the packet is numbered as if that many pages (a fax cover) came
    first: its first page says "Page 2 of 6" behind a one-page cover."""
    resources = dict(resources or {})
    resources.update({f"upload/{a.id}": (a.content, a.media_type)
                      for a in attachments if a.media_type.startswith("image/")})
    html = templates.get_template(template).render(attachment_pages=attachments, **context)
    # Only uploaded PDFs are laid in afterwards; images are already in `resources`.
    pdfs = [a for a in attachments if not a.media_type.startswith("image/")]
    return _counted(template, _write_packet, html, resources, pdfs, leading_pages)


def lay_out_pages(content: bytes) -> bytes:
    """An uploaded PDF's pages laid out for the packets it will go into (prelayout), in the
    renderer: done once, at upload, so that a finish only places them."""
    return _counted("receipt pages", prelayout.lay_out, content)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
