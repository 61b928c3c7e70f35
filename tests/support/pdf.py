"""Reading the PDFs the app makes: their text (pypdf, or poppler's pdftotext, which draws
what a viewer draws), words with their boxes, and the structure tree of a tagged PDF."""
from __future__ import annotations

import io
import re
import subprocess

from pypdf import PdfReader
from pypdf.generic import ArrayObject, IndirectObject

MM = 72 / 25.4  # PDF points in a millimetre


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    """The whole document's text, page after page."""
    return "\n".join(pdf_pages(data))


def pdf_words(data: bytes) -> str:
    """Each page's text with its white space squeezed to single spaces, pages joined by one."""
    return " ".join(" ".join(page.split()) for page in pdf_pages(data))


def flat(text: str) -> str:
    """Runs of white space (line breaks included) as one space."""
    return re.sub(r"\s+", " ", text)


def page_text(pdf: bytes, page: int) -> str:
    """pdftotext draws what a viewer draws, form XObjects included."""
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-", "-"], input=pdf,
                          capture_output=True, check=True).stdout.decode()


def text_boxes(pdf: bytes, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """Words with their boxes in millimetres from the top-left corner (pdftotext -bbox)."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
                         input=pdf, capture_output=True, check=True).stdout.decode()
    return [(m[5], *(float(m[i]) / MM for i in range(1, 5))) for m in
            re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', out)]


def elements(pdf: bytes) -> list[dict]:
    """The structure tree in reading order: role, alt text, page number, own text."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages, start=1)}
    out = []

    def walk(ref, depth):
        element = ref.get_object()
        if "/S" not in element:
            return
        out.append({"role": str(element["/S"]), "alt": str(element.get("/Alt", "")), "depth": depth,
                    "page": pages.get(element.get("/Pg").idnum) if "/Pg" in element else None,
                    "id": str(element.get("/ID", "")),
                    "headers": [str(h) for h in (element.get("/A") or {}).get("/Headers", [])]})
        kids = element.get("/K")
        for kid in (kids if isinstance(kids, ArrayObject) else [kids]):
            if isinstance(kid, IndirectObject):
                walk(kid, depth + 1)

    for kid in reader.trailer["/Root"]["/StructTreeRoot"]["/K"]:
        walk(kid, 0)
    return out
