"""Receipt intake: accept a file by what it really is, and normalise it once.

Images (JPEG, PNG, and HEIC as iPhones take them) are decoded by Pillow within a pixel
budget, turned upright from their EXIF orientation, stripped of metadata and fitted to an
A4 page, then kept as JPEG: the packet never has to touch the original again. PDFs are
opened by pypdf to prove they parse and to count their pages.
"""
from __future__ import annotations

import io
import threading
import unicodedata
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from ..engine.i18n import gettext as _
from .clean_pdf import content_size, rewrite

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is fine; a decompression bomb is not
# Memory for one image, by its decoded size: Pillow keeps RGB in 4 bytes a pixel, and turning
# it upright, flattening transparency and converting can hold three copies at once. A palette
# PNG of 40 megapixels is 5 KB on disk and would take about 480 MB here: it is refused.
DECODE_BYTES_PER_PIXEL = 12
MAX_DECODE_BYTES = 240 * 1024 * 1024
_decoding = threading.BoundedSemaphore(2)
MAX_PDF_PAGES = 30
# Decompressed content (drawing operators) of a whole PDF: a page of text is 5-30 KB, a scan
# next to nothing. pypdf parses about 100 KB of it a second when laying pages into a packet.
MAX_PDF_CONTENT = 1_500_000
# The image box on an A4 receipt page (mm) at the resolution receipts are kept in.
BOX_MM = (180, 250)
DPI = 200
# HEIC has no reduced-scale decoding (JPEG's draft()): libheif hands over the whole picture,
# and Pillow copies it, so a HEIC costs about 8 bytes a pixel before it is shrunk. A 24-
# megapixel iPhone photo fits; a 48-megapixel "HEIF Max" one is refused with a way out.
HEIF_DECODE_BYTES_PER_PIXEL = 8
# Brands (ISO/IEC 23008-12) of HEIF files holding HEVC pictures, as phones write them.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
pillow_heif.register_heif_opener()


class UploadError(ValueError):
    """The member's file cannot be used; the message says why, in their words, and `reason`
    as a code of telemetry.metrics.UPLOAD_REASONS (what operators count)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Intake:
    content: bytes
    media_type: str  # "image/jpeg" or "application/pdf"
    pages: int
    width: int = 0
    height: int = 0


def sniff(data: bytes) -> str | None:
    """The real type from the first bytes; the name and the browser's claim are ignored."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.lstrip(b"\xef\xbb\xbf\r\n\t ")[:5] == b"%PDF-":
        return "application/pdf"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


def accept(data: bytes) -> Intake:
    if not data:
        raise UploadError(_("The selected file is empty"), "empty")
    if len(data) > MAX_BYTES:
        raise UploadError(_("The selected file must be smaller than %(size)d MB",
                            size=MAX_BYTES // (1024 * 1024)), "too_large")
    kind = sniff(data)
    if kind is None:
        raise UploadError(_("The selected file must be a PDF, JPG, PNG or HEIC"), "not_pdf_or_image")
    if kind == "application/pdf":
        return _accept_pdf(data)
    return _accept_image(data, kind)


def _accept_image(data: bytes, kind: str = "image/jpeg") -> Intake:
    # WeasyPrint switches Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when it is
    # imported, which would let a photo cut off half-way pass as a whole receipt (the missing
    # part printed grey). Every image WeasyPrint draws here was re-encoded by this function,
    # so nothing needs the switch: it stays off.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    box = tuple(round(mm / 25.4 * DPI) for mm in BOX_MM)
    with _decoding:  # a few at a time: each may take up to MAX_DECODE_BYTES
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                heif = kind == "image/heic"
                image = Image.open(io.BytesIO(data), formats=["HEIF"] if heif else ["JPEG", "PNG"])
                if image.width * image.height > MAX_PIXELS:
                    raise UploadError(_("The selected image is too large: it must be under 40 megapixels"),
                                      "image_too_large")
                # A JPEG is decoded at the smallest scale that still fills the page box
                # (either way up): a 48-megapixel photo costs a quarter of its full size.
                image.draft("RGB", (max(box), max(box)))
                per_pixel = HEIF_DECODE_BYTES_PER_PIXEL if heif else DECODE_BYTES_PER_PIXEL
                if image.width * image.height * per_pixel > MAX_DECODE_BYTES:
                    raise UploadError(_("The selected image is too large to read: save it at a "
                                        "smaller size, or as a JPG, and upload that"), "image_too_large")
                image.load()
                if heif:
                    # libheif has already turned it upright (and set its EXIF orientation to
                    # 1): shrinking it now frees the full-size copy before any other is made.
                    image.thumbnail(box, Image.Resampling.LANCZOS)
        except UploadError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadError(_("The selected image is too large: it must be under 40 megapixels"),
                              "image_too_large") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise UploadError(_("The selected image could not be read: it may be damaged"),
                              "image_unreadable") from None
        return _normalised(image, box)


def _normalised(image: Image.Image, box: tuple[int, int]) -> Intake:
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        # Transparent areas print as white, not black.
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")  # CMYK, greyscale with 16 bits, ...
    image.thumbnail(box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif= argument: the saved file carries no metadata (GPS, camera, dates).
    image.save(out, "JPEG", quality=82, dpi=(DPI, DPI))
    return Intake(out.getvalue(), "image/jpeg", 1, image.width, image.height)


def _accept_pdf(data: bytes) -> Intake:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadError(_("The selected PDF is protected by a password: "
                              "save it without the password and upload it again"), "pdf_password")
        pages = len(reader.pages)
        if pages > MAX_PDF_PAGES:  # before the copy below, which costs time for every page
            raise UploadError(_("The selected PDF must have %(max)d pages or fewer", max=MAX_PDF_PAGES),
                              "pdf_too_many_pages")
        for page in reader.pages:
            page.mediabox  # reading each page finds most broken files now, not at render
        # The packet copies every page into a new PDF and reads its content: do both now, so
        # a file that pypdf refuses to copy (a stream with an impossible /Length, a /Length
        # that refers to itself, content that decompresses past pypdf's limits) is refused
        # here, with a message, rather than breaking the member's packet later.
        for page in PdfWriter(clone_from=reader).pages[:MAX_PDF_PAGES]:
            page.get_contents()
        if content_size(reader, MAX_PDF_CONTENT) > MAX_PDF_CONTENT:
            raise UploadError(_("The selected PDF is too complex to include: save it again as a "
                                "simpler PDF (print it to PDF, or scan it) and upload that"), "pdf_too_complex")
        clean = rewrite(reader)  # only pages and what they show: no scripts, actions or files
    except UploadError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError,
            IndexError, OSError, NotImplementedError, AssertionError):
        raise UploadError(_("The selected PDF could not be read: it may be damaged"),
                          "pdf_unreadable") from None
    if pages == 0:
        raise UploadError(_("The selected PDF has no pages"), "pdf_no_pages")
    return Intake(clean, "application/pdf", pages)


def combine(parts: list[Intake]) -> Intake:
    """Pages photographed or scanned one by one, as one document: a PDF of every part's
    pages in order. Images were normalised on the way in; each becomes a page at the
    resolution it was kept in, so it prints at the size it would have alone."""
    writer = PdfWriter()
    for part in parts:
        if part.media_type == "application/pdf":
            writer.append(PdfReader(io.BytesIO(part.content)))
        else:
            page = io.BytesIO()
            Image.open(io.BytesIO(part.content)).save(page, "PDF", resolution=DPI)
            writer.append(PdfReader(page))
    if len(writer.pages) > MAX_PDF_PAGES:
        raise UploadError(_("A document can have up to %(max)d pages", max=MAX_PDF_PAGES),
                          "pdf_too_many_pages")
    out = io.BytesIO()
    writer.write(out)
    if content_size(PdfReader(io.BytesIO(out.getvalue())), MAX_PDF_CONTENT) > MAX_PDF_CONTENT:
        raise UploadError(_("The selected PDF is too complex to include: save it again as a "
                            "simpler PDF (print it to PDF, or scan it) and upload that"),
                          "pdf_too_complex")
    return Intake(out.getvalue(), "application/pdf", len(writer.pages))


_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg"}
# Not in file names on common systems, and "?" is half of an RFC 2047 encoded word.
_UNSAFE_IN_NAMES = str.maketrans({c: "_" for c in '\\/:*?"<>|'})


def attachment_name(name: str, media_type: str) -> str:
    """The name a stored file is sent under: the member's name, made safe for a mail header
    and a file system, with the extension of what the file really is ("letter.html" that is
    a PDF goes as "letter.pdf")."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 5:
        stem = name
    return f"{stem.translate(_UNSAFE_IN_NAMES).strip() or 'document'}.{_EXTENSIONS[media_type]}"


def display_name(filename: str | None) -> str:
    """A file name safe to show and print: no folders, no control characters, bounded."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C"
                   and unicodedata.category(c) not in ("Zl", "Zp")).strip()
    if len(name) > 80:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:70] + "…" + dot + ext) if dot and len(ext) <= 5 else name[:80]
    return name or "unnamed file"
