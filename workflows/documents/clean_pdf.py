"""Uploaded PDFs, made safe to forward and cheap to lay out.

Forwarded as they came, a PDF could carry JavaScript, an /OpenAction, /Launch or other
actions, /AA triggers and embedded files to the administrator's mailbox. `rewrite` copies
only the pages, with their content and appearance, into a new file: no document catalogue
entries (/OpenAction, /AA, /Names with JavaScript or embedded files, /AcroForm), and no
action, trigger, file attachment or media annotation on any page.

Laying a page into a packet means parsing every operator of its content (pypdf, about
10 µs each): a 9 KB file can hold millions. `content_size` measures the decompressed
content (pages and the forms they draw) so that intake can refuse a file over budget.
"""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject

# Annotations that play, launch or carry something: dropped whole.
_ACTIVE_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
# Keys of an annotation that act (on click, on open, on focus) or tie it to a form's fields.
_ACTIVE_KEYS = ("/A", "/AA", "/Parent", "/JS")


def rewrite(reader: PdfReader) -> bytes:
    writer = PdfWriter()
    for source in reader.pages:
        page = writer.add_page(source)
        for key in ("/AA", "/PieceInfo", "/Thumb"):
            page.pop(NameObject(key), None)
        annotations = page.get("/Annots")
        if annotations is not None:
            kept = ArrayObject()
            for ref in annotations.get_object():
                annotation = ref.get_object()
                if annotation.get("/Subtype") in _ACTIVE_ANNOTATIONS:
                    continue
                for key in _ACTIVE_KEYS:
                    annotation.pop(NameObject(key), None)
                kept.append(ref)
            page[NameObject("/Annots")] = kept
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def content_size(reader: PdfReader, limit: int) -> int:
    """Decompressed bytes of every page's content and of the forms they draw, each form
    counted once; stops counting past `limit`."""
    total, seen = 0, set()

    def forms(resources):
        xobjects = (resources or {}).get("/XObject") if resources is not None else None
        for ref in (xobjects.get_object().values() if xobjects is not None else ()):
            key = getattr(ref, "idnum", None), getattr(ref, "generation", None)
            if key in seen:
                continue
            seen.add(key)
            form = ref.get_object()
            if form.get("/Subtype") == "/Form":
                yield form

    for page in reader.pages:
        content = page.get_contents()
        total += len(content.get_data()) if content is not None else 0
        pending = list(forms(page.get("/Resources")))
        while pending and total <= limit:
            form = pending.pop()
            total += len(form.get_data())
            pending += forms(form.get("/Resources"))
        if total > limit:
            break
    return total
