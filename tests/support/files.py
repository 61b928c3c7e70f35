"""Files members upload, made on the fly."""
from __future__ import annotations

import io
import struct
import zlib

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


def jpeg(size=(900, 1200)) -> bytes:
    """A smaller white photo, as the browser tests upload it."""
    return jpeg_bytes(size=size)


def one_page_pdf(text: str = "Invoice") -> bytes:
    from weasyprint import HTML
    return HTML(string=f"<p>{text}</p>").write_pdf()


def two_page_pdf() -> bytes:
    """An untagged PDF of two pages, as most scanners write them."""
    from weasyprint import HTML
    return HTML(string="<p>SCANNED INVOICE ONE</p><p style='break-before: page'>SCANNED INVOICE TWO</p>").write_pdf()


def png_bomb(width=20000, height=20000) -> bytes:
    """A valid PNG header claiming 400 megapixels, with a body of a few hundred bytes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 10)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def heic_bytes(size=(1600, 1200), color="white", orientation=6, make="SecretCam",
               xmp=b"<x:xmpmeta><GPSLatitude>50.85</GPSLatitude></x:xmpmeta>") -> bytes:
    """A photo as an iPhone saves it: HEIC, landscape pixels with an EXIF orientation that
    turns it upright, the camera's make and an XMP packet with a place in it."""
    import pillow_heif
    pillow_heif.register_heif_opener()
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = make
    out = io.BytesIO()
    image.save(out, "HEIF", exif=exif.tobytes(), xmp=xmp, quality=60)
    return out.getvalue()
