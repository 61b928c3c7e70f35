"""PDF rendering with a locked-down fetcher, and packet assembly.

Everything here is a pure function of plain values: no request, no session, no
Flask app. WeasyPrint may fetch only the app's own static files and resources
handed to the render call (receipt images, the QR code); every other URL
(file:, http:, data: and the rest) is refused.
"""
from __future__ import annotations

import functools
import io
import logging
import mimetypes
import multiprocessing
import os
import threading
import unicodedata
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import segno
from markupsafe import Markup, escape
from pypdf import PdfReader, PdfWriter, Transformation
from weasyprint import CSS, HTML, URLFetcher
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcherResponse

from . import engine, plan, tagged

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
log = logging.getLogger(__name__)

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


class Typed(str):
    """A value the member typed, as a part of a `Phrase`."""


class Phrase(str):
    """Fixed words around values the member typed: Phrase(Typed(name), ", born ", date). To
    emails and everything else it is the plain string; the PDFs' `bdi` filter isolates only
    its typed parts, so an Arabic name does not turn the English words around it."""

    parts: tuple[str, ...]

    def __new__(cls, *parts: str):
        phrase = super().__new__(cls, "".join(parts))
        phrase.parts = parts
        return phrase


def _isolate_line(line: str) -> Markup:
    for char in line:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return Markup('<bdi dir="%s">%s</bdi>') % ("ltr" if kind == "L" else "rtl", line)
    return escape(line)


def isolate(value) -> Markup:
    """Text the member typed, line by line as bidirectional runs of their own: <bdi> with the
    direction of the line's first strong character (what dir="auto" means; WeasyPrint does not
    implement "auto"). An Arabic or Hebrew name then reads right to left inside an English
    line, and pulls no neighbouring number or bracket into its run."""
    if isinstance(value, Phrase):
        return Markup("").join(isolate(part) if isinstance(part, Typed) else escape(part)
                               for part in value.parts)
    text = "" if value is None else str(value)
    return Markup("\n").join(_isolate_line(line) for line in text.split("\n"))


templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(ROOT / "templates"),
    autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals.update(plan=plan.CIGNA, rules=plan.RULES)
templates.filters.update(date=engine.format_date, money=engine.format_money, bdi=isolate)


class AppFetcher(URLFetcher):
    """Serves `app:static/<path>` from static/ and `app:res/<name>` from the render's own
    resources. Anything else raises, which WeasyPrint treats as a missing resource."""

    def __init__(self, resources: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols={"app"}, allow_redirects=False, timeout=1)
        self.resources = resources or {}

    def fetch(self, url, headers=None):
        if url.startswith("app:static/"):
            path = (STATIC / url.removeprefix("app:static/")).resolve()
            if path.is_relative_to(STATIC) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})
        elif url.startswith("app:res/"):
            found = self.resources.get(url.removeprefix("app:res/"))
            if found is not None:
                body, kind = found
                return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})
        raise ValueError("refused: the PDF renderer only loads the app's own assets")


@dataclass
class Attachment:
    """A receipt or document as it goes into a packet."""

    id: str
    name: str
    kind_label: str
    media_type: str
    pages: int
    content: bytes = field(repr=False)


@functools.cache
def stylesheet(name: str) -> CSS:
    """A stylesheet from static/css, parsed once per process rather than on every render."""
    return CSS(string=(STATIC / "css" / name).read_text(), base_url="app:static/css/",
               url_fetcher=AppFetcher(), font_config=FONTS)


# --- where WeasyPrint runs ---------------------------------------------------------------------
# A render is hundreds of milliseconds of CPU that holds the GIL. In the web process it would
# hold up every page the worker serves meanwhile; so the layout runs in a renderer process of
# the worker's own, at a lower CPU priority, while the worker's threads serve pages and the
# waiting thread holds nothing. The HTML is made here (templates need the app's filters), the
# PDF there; both sides are the same functions below.
_renderer: ProcessPoolExecutor | None = None
_renderer_pid = 0
_renderer_lock = threading.Lock()


def _lower_priority() -> None:
    os.nice(10)


def _run(function, *args):
    """Call `function` in this process's renderer process (started on first use, and again
    after a fork or a crash); in this process if no renderer will do."""
    for _attempt in range(2):  # a renderer that died gets one fresh successor
        renderer = _current_renderer()
        try:
            future = renderer.submit(function, *args)
        except (BrokenProcessPool, RuntimeError, OSError):  # shut down meanwhile, or none can start
            _drop(renderer)
            continue
        try:
            return future.result()  # the function's own errors come back as they are
        except (BrokenProcessPool, CancelledError):  # it died (killed, out of memory)
            _drop(renderer)
    return function(*args)


def _current_renderer() -> ProcessPoolExecutor:
    global _renderer, _renderer_pid
    with _renderer_lock:
        if _renderer is None or _renderer_pid != os.getpid():
            _renderer = ProcessPoolExecutor(max_workers=1, initializer=_lower_priority,
                                            mp_context=multiprocessing.get_context("forkserver"))
            _renderer_pid = os.getpid()
        return _renderer


def _drop(renderer: ProcessPoolExecutor) -> None:
    global _renderer
    with _renderer_lock:
        if _renderer is renderer:
            _renderer = None
    renderer.shutdown(wait=False, cancel_futures=True)


def _html(html: str, resources: dict | None) -> HTML:
    """The document WeasyPrint lays out: it can fetch only the app's assets and `resources`."""
    return HTML(string=html, base_url="app:static/", url_fetcher=AppFetcher(resources))


def _write_pdf(html: str, resources: dict | None, style: str) -> bytes:
    with _render_lock:
        return _html(html, resources).write_pdf(font_config=FONTS, stylesheets=[stylesheet(style)],
                                                **PDF_OPTIONS)


def _write_packet(html: str, resources: dict, attachments: list[Attachment]) -> bytes:
    """The packet's PDF, with the uploaded PDFs' pages laid onto their placeholder pages."""
    with _render_lock:
        document = _html(html, resources).render(font_config=FONTS, stylesheets=[stylesheet("pdf.css")])
    placeholders = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("slot-"):
                _, upload_id, page_no = anchor.split("-", 2)
                placeholders[index] = (upload_id, int(page_no))
    rendered = document.write_pdf(**PDF_OPTIONS)
    if not placeholders:
        return rendered
    return _lay_pdf_pages(rendered, placeholders, {a.id: a for a in attachments})


def render_pdf(template: str, context: dict, resources: dict | None = None,
               style: str = "pdf.css") -> bytes:
    html = templates.get_template(template).render(**context)
    return _run(_write_pdf, html, resources, style)


def qr_png(payload: str) -> bytes:
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=4, border=2)
    return out.getvalue()


def render_packet(template: str, context: dict, attachments: list[Attachment],
                  resources: dict | None = None) -> bytes:
    """Cover and summary from `template`, then every attachment, one page each, all numbered
    "Page N of M". Images are placed by WeasyPrint; each page of an attached PDF gets a
    numbered placeholder page from WeasyPrint, onto which pypdf then lays the real page."""
    resources = dict(resources or {})
    resources.update({f"upload/{a.id}": (a.content, a.media_type)
                      for a in attachments if a.media_type.startswith("image/")})
    html = templates.get_template(template).render(attachment_pages=attachments, **context)
    # Only uploaded PDFs are laid in afterwards; images are already in `resources`.
    pdfs = [a for a in attachments if not a.media_type.startswith("image/")]
    return _run(_write_packet, html, resources, pdfs)


# The free area of a placeholder page, in PDF points from the bottom-left corner of A4:
# 15 mm side margins, 28 mm at the top for the heading, 20 mm at the bottom for the footer.
_MM = 72 / 25.4
SLOT = (15 * _MM, 20 * _MM, (210 - 15) * _MM, (297 - 28) * _MM)


def _lay_pdf_pages(rendered: bytes, placeholders: dict, attachments: dict) -> bytes:
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


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
