"""The renderer's first layout, before any member asks: fontconfig reads its fonts, the faces
the documents use are opened, the stylesheets parsed, an image decoded and a tagged PDF
written. Every render process is forked from the renderer after this, so each starts warm
(the first packet after a start took 5.3x a warm one when the first render paid for it)."""
from __future__ import annotations

import io

from PIL import Image

from . import renderer
from .pdf import FONTS, PDF_OPTIONS, _html, stylesheet

# Latin with accents, Greek, Cyrillic, Arabic, Hebrew and CJK: the faces a name may need.
_NAMES = "Zoë Ørsted · Ελένη · Ольга · محمد · דוד · 李小龍"
_HTML = f"""<!doctype html><html lang="en"><head><title>Warm-up</title></head><body>
<h1>Claim</h1><p class="lede"><b>{_NAMES}</b> <i>{_NAMES}</i></p>
<table class="answers"><tr><th>Member</th><td>{_NAMES}</td></tr>
<tr><th>Total</th><td class="num">1,234.56 EUR</td></tr></table>
<ul class="enclosed"><li>Receipt</li></ul>
<section class="receipt"><h2>Receipt</h2><img src="app:res/warm.jpg" alt="Receipt"></section>
</body></html>"""


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(out, "JPEG")
    return out.getvalue()


def warm_up() -> None:
    resources = {"warm.jpg": (_photo(), "image/jpeg")}
    for style in ("pdf.css", "cover.css"):
        _html(_HTML, resources).write_pdf(font_config=FONTS, stylesheets=[stylesheet(style)],
                                          **PDF_OPTIONS)


def start_renderer() -> None:
    """At app start: the renderer, warmed up, unless this process already has one."""
    renderer.start(warm_up)
