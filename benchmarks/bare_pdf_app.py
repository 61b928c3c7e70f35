"""The memory baseline of bench_renderer.py: a bare Flask app that imports the libraries the
app imports and lays its PDF out in-process, in the worker, the obvious way: one WeasyPrint
document with a cover, the summary as tables, and the receipt as an <img>.

    gunicorn --preload -w 2 --threads 32 bare_pdf_app:app     (from benchmarks/)
"""
from __future__ import annotations

import base64
import io
import threading
from pathlib import Path

# The app's libraries, imported as the app imports them (so both sides pay for the same code).
import cryptography.fernet  # noqa: F401
import email_validator  # noqa: F401
import flask_babel  # noqa: F401
import flask_mail  # noqa: F401
import flask_migrate  # noqa: F401
import flask_wtf  # noqa: F401
import phonenumbers  # noqa: F401
import pillow_heif  # noqa: F401
import prometheus_client  # noqa: F401
import pycountry  # noqa: F401
import pypdf  # noqa: F401
import schwifty  # noqa: F401
import segno  # noqa: F401
import sqlalchemy  # noqa: F401
import wtforms  # noqa: F401
from flask import Flask, Response
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

STATIC = Path(__file__).resolve().parent.parent / "static"
FONTS = FontConfiguration()  # one per process, as the app keeps one
_lock = threading.Lock()  # WeasyPrint renders one at a time per process, as in the app


def receipt_jpeg(size=(1200, 1600)) -> bytes:
    """The receipt the members of bench_renderer.py upload (tests/support/files.jpeg_bytes)."""
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "JPEG")
    return out.getvalue()


def packet_html(name: str, receipt: bytes) -> str:
    rows = "".join(f"<tr><th>Question {i}</th><td>{name}: answer {i}</td></tr>" for i in range(40))
    facts = "".join(f"<tr><th>Fact {i}</th><td>{name} {i}</td></tr>" for i in range(12))
    photo = base64.b64encode(receipt).decode()
    return f"""<!doctype html><html lang="en"><head><title>Claim packet</title></head><body>
<p class="kicker">Claim</p><h1>{name}</h1><table class="facts">{facts}</table>
<section class="summary"><h2>Claim form</h2><table class="answers">{rows}</table>
<table class="expenses"><tr><td>2026-11-02</td><td>Consultation</td><td class="num">120.00 EUR</td></tr></table></section>
<section class="receipt"><h2>Receipt 1</h2><img src="data:image/jpeg;base64,{photo}" alt="Receipt 1"></section>
</body></html>"""


def create_app() -> Flask:
    app = Flask(__name__)
    receipt = receipt_jpeg()
    style = CSS(string=(STATIC / "css" / "pdf.css").read_text(), font_config=FONTS)
    counter = iter(range(10**9))

    @app.get("/packet.pdf")
    def packet():
        html = packet_html(f"Tess Lo{next(counter):05d}", receipt)
        with _lock:
            pdf = HTML(string=html).write_pdf(font_config=FONTS, stylesheets=[style],
                                              pdf_variant="pdf/ua-1")
        return Response(pdf, mimetype="application/pdf")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}
    return app


app = create_app()
