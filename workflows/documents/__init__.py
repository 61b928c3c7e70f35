"""Documents: PDFs laid out with a locked-down fetcher, tagged PDF/UA-1, and the covers
that put them on paper. Everything here is a pure function of plain values."""
from . import native_libraries  # noqa: F401  (first: WeasyPrint's libraries found quickly)
from .bidi import Phrase, Typed, isolate
from .covers import PAPERS, Sender, fax_cover, fax_ready, post_ready, postal_letter, prepend
from .pdf import (Attachment, DocumentError, lay_out_pages, page_count, qr_png, render_packet,
                  render_pdf)
from .renderer import RenderTimeout, time_limit
from .warm_up import start_renderer

__all__ = ["Attachment", "DocumentError", "PAPERS", "RenderTimeout", "time_limit", "Phrase", "Sender", "Typed", "fax_cover", "fax_ready",
           "isolate", "lay_out_pages", "page_count", "post_ready", "postal_letter", "prepend", "qr_png",
           "render_packet", "render_pdf", "start_renderer"]
