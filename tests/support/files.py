"""Files members upload, made on the fly."""
from __future__ import annotations

import io

from PIL import Image


def jpeg_bytes(size=(1200, 1600), color="white", exif_orientation=None) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def one_page_pdf(text: str = "Invoice") -> bytes:
    from weasyprint import HTML
    return HTML(string=f"<p>{text}</p>").write_pdf()
