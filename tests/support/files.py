"""Files members upload, made on the fly: each made once per test process (they are bytes,
so no test can change another's), as a 12-megapixel photo takes a second of CPU to make."""
from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import Image


@functools.cache
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


@functools.cache
def one_page_pdf(text: str = "Invoice") -> bytes:
    from weasyprint import HTML
    return HTML(string=f"<p>{text}</p>").write_pdf()


@functools.cache
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


@functools.cache
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


@functools.cache
def phone_photo(qr: str | None = None, size=(4000, 3000), seed: int = 1, qr_px: int = 300) -> bytes:
    """A 12-megapixel phone photo of a receipt (paper on a desk, lines of print, grain), with
    `qr`, if given, as a small QR code printed in its bottom-right corner. Grain makes it
    weigh what a real photo does (a few MB), not what a flat colour would."""
    import random

    import segno
    from PIL import ImageDraw, ImageFilter

    rng = random.Random(seed)
    image = Image.effect_noise(size, 40).convert("RGB")
    image = Image.blend(image, Image.new("RGB", size, (196, 170, 140)), 0.55)  # the desk
    draw = ImageDraw.Draw(image)
    w, h = size
    paper = (int(w * 0.2), int(h * 0.05), int(w * 0.8), int(h * 0.95))
    draw.rectangle(paper, fill=(246, 244, 238))
    y = paper[1] + 60
    while y < paper[3] - 80:  # lines of print, of random lengths
        length = rng.randint(200, paper[2] - paper[0] - 120)
        draw.rectangle((paper[0] + 60, y, paper[0] + 60 + length, y + 14), fill=(40, 40, 40))
        y += rng.randint(34, 60)
    grain = Image.effect_noise(size, 18).convert("RGB")
    image = Image.blend(image, grain, 0.12).filter(ImageFilter.GaussianBlur(0.6))
    if qr:
        code = io.BytesIO()
        segno.make(qr, error="m").save(code, kind="png", scale=10, border=4)
        mark = Image.open(code).convert("RGB").resize((qr_px, qr_px), Image.Resampling.NEAREST)
        image.paste(mark, (paper[2] - qr_px - 40, paper[3] - qr_px - 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()
