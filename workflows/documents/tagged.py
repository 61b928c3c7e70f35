"""Keeping WeasyPrint's tagged PDFs (PDF/UA-1) tagged when pypdf changes them.

WeasyPrint marks each page's content with MCIDs, builds a structure tree from the HTML
(/Document > Sect, H1, P, Table, L, Figure with its alt text ...) and a parent tree that maps
each page (its /StructParents number) to the structure elements of its MCIDs. Two things the
app does with pypdf would leave content untagged or the tree dangling:

- laying a page of an uploaded PDF onto its placeholder page: `lay_as_figure` draws that page
  inside one marked-content sequence, a /Figure with alternate text in the placeholder's own
  section (after its heading), with the upload's own marks removed and its visible annotations
  (a filled-in form's values, a stamp) drawn into it rather than left as untagged annotations;
- putting a cover in front of a packet: `join` appends the next document's pages *and* its
  structure tree, with its parent-tree numbers moved past the first document's.

The first document stays the base, so its catalog (/Lang, /MarkInfo, /ViewerPreferences,
/Metadata with the PDF/UA identification) and its title are the result's.
"""
from __future__ import annotations

import io
import re

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError
from pypdf.generic import (ArrayObject, ContentStream, DictionaryObject, FloatObject,
                           IndirectObject, NameObject, NumberObject, StreamObject,
                           TextStringObject)

# Marked-content operators: an upload's own marks (MCIDs of a structure tree we do not copy,
# artifacts) cannot stay inside our figure.
_MARKS = {b"BDC", b"BMC", b"EMC", b"MP", b"DP"}
_MARKS_RE = re.compile(rb"(?<![A-Za-z])(?:BDC|BMC|EMC|MP|DP)(?![A-Za-z])")
_HIDDEN, _NO_VIEW = 2, 32  # annotation flags
# What pypdf raises on objects with malformed numbers, references or streams.
_MALFORMED = (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError)


def _tree(writer: PdfWriter) -> tuple[DictionaryObject, IndirectObject, ArrayObject]:
    """(StructTreeRoot, the /Document element's reference, the parent tree's flat /Nums)."""
    root = writer.root_object["/StructTreeRoot"].get_object()
    return root, _document(root), root["/ParentTree"].get_object()["/Nums"]


def _document(root: DictionaryObject) -> IndirectObject:
    """The reference of the root's (first) element: WeasyPrint's /Document."""
    kids = root.get("/K")  # dict.get: the reference itself, not the object
    resolved = kids.get_object()
    return resolved[0] if isinstance(resolved, ArrayObject) else kids


def _entry(nums: ArrayObject, key: int) -> ArrayObject:
    for i in range(0, len(nums), 2):
        if nums[i] == key:
            return nums[i + 1].get_object()
    raise KeyError(key)


def _unmarked(operations: list) -> list:
    return [op for op in operations if op[1] not in _MARKS]


def _unmark_forms(resources, pdf, seen: set) -> None:
    """Drop marked-content operators from the form XObjects a page draws, recursively."""
    xobjects = (resources or {}).get("/XObject")
    for ref in (xobjects.get_object().values() if xobjects else ()):
        form = ref.get_object()
        if not isinstance(form, StreamObject) or form.get("/Subtype") != "/Form" or id(form) in seen:
            continue
        seen.add(id(form))
        for key in ("/StructParent", "/StructParents"):
            form.pop(key, None)
        if _MARKS_RE.search(form.get_data()):
            try:
                form.set_data(_content_bytes(_unmarked(ContentStream(form, pdf).operations), pdf))
            except _MALFORMED:
                pass  # pypdf re-encodes Flate streams only, and some forms are malformed: leave them
        _unmark_forms(form.get("/Resources"), pdf, seen)


def _content(operations: list, pdf) -> ContentStream:
    stream = ContentStream(None, pdf)
    stream.operations = operations
    return stream


def _content_bytes(operations: list, pdf) -> bytes:
    return _content(operations, pdf).get_data()


def _annotation_drawings(page, resources: DictionaryObject) -> list:
    """Content operations that draw the page's visible annotations (their normal appearance
    placed on their /Rect, as PDF 32000-1 12.5.5 says a viewer does); the annotations are
    then removed from the page."""
    operations = []
    annotations = page.get("/Annots")
    for n, ref in enumerate(annotations.get_object() if annotations else ()):
        # An annotation with malformed numbers or references is not drawn: a receipt's
        # stray widget must not stop the member's packet from being made.
        try:
            operations += _annotation_drawing(n, ref, page, resources)
        except _MALFORMED:
            continue
    page.pop("/Annots", None)
    return operations


def _annotation_drawing(n: int, ref, page, resources: DictionaryObject) -> list:
    """The content operations that draw one annotation, or none."""
    annotation = ref.get_object()
    if (annotation.get("/Subtype") == "/Popup" or "/Rect" not in annotation
            or int(annotation.get("/F", 0)) & (_HIDDEN | _NO_VIEW)):
        return []
    appearance = (annotation.get("/AP") or {}).get("/N")
    appearance = appearance.get_object() if appearance is not None else None
    if isinstance(appearance, DictionaryObject) and not isinstance(appearance, StreamObject):
        appearance = appearance.get(annotation.get("/AS", "/Off"))  # on/off states
        appearance = appearance.get_object() if appearance is not None else None
    if not isinstance(appearance, StreamObject) or "/BBox" not in appearance:
        return []
    x0, y0, x1, y1 = (float(v) for v in annotation["/Rect"])
    rx0, ry0, rx1, ry1 = min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
    a, b, c, d, e, f = (float(v) for v in appearance.get("/Matrix", (1, 0, 0, 1, 0, 0)))
    bx0, by0, bx1, by1 = (float(v) for v in appearance["/BBox"])
    corners = [(a * x + c * y + e, b * x + d * y + f) for x in (bx0, bx1) for y in (by0, by1)]
    tx0, ty0 = min(p[0] for p in corners), min(p[1] for p in corners)
    tx1, ty1 = max(p[0] for p in corners), max(p[1] for p in corners)
    if tx1 <= tx0 or ty1 <= ty0:
        return []
    sx, sy = (rx1 - rx0) / (tx1 - tx0), (ry1 - ry0) / (ty1 - ty0)
    appearance[NameObject("/Subtype")] = NameObject("/Form")
    name = NameObject(f"/MipAnnot{n}")
    resources.setdefault(NameObject("/XObject"), DictionaryObject())
    xobjects = resources["/XObject"].get_object()
    xobjects[name] = (appearance.indirect_reference
                      or page.indirect_reference.pdf._add_object(appearance))
    return [([], b"q"),
           ([FloatObject(v) for v in (sx, 0, 0, sy, rx0 - tx0 * sx, ry0 - ty0 * sy)], b"cm"),
           ([name], b"Do"), ([], b"Q")]


def _clean_operations(source) -> list:
    """The content operations of `source` (a page attached to a writer) without its own
    marks, with its visible annotations drawn in (and removed), and the forms it draws
    unmarked."""
    pdf = source.indirect_reference.pdf
    resources = source.get("/Resources")
    if resources is None:
        resources = source[NameObject("/Resources")] = DictionaryObject()
    resources = resources.get_object()
    content = source.get_contents()
    # In q/Q: the annotations are placed in the page's default space, whatever the content
    # left its transformation at (WeasyPrint's own pages start by flipping it).
    operations = [([], b"q"), *_unmarked(content.operations), ([], b"Q")] if content is not None else []
    operations += _annotation_drawings(source, resources)
    _unmark_forms(resources, pdf, set())  # the forms it draws, the annotations' ones too
    return operations


def as_form(source) -> StreamObject:
    """`source` (a page attached to a writer) as one form XObject, cleaned as above: drawn
    onto a tagged page later, it needs no more than `lay_as_figure(..., clean=True)`."""
    pdf = source.indirect_reference.pdf
    operations = _clean_operations(source)
    form = StreamObject()
    form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): ArrayObject(FloatObject(float(v)) for v in source.mediabox),
                 NameObject("/Resources"): source["/Resources"]})
    form.set_data(_content_bytes(operations, pdf))
    return form.flate_encode()


def lay_as_figure(writer: PdfWriter, index: int, source, transformation: Transformation,
                  alt: str, bbox: tuple[float, float, float, float], clean: bool = False) -> None:
    """Draw `source` (a page of another PDF, attached to a writer of its own) onto the tagged
    page `index` of `writer`, as a /Figure with `alt` in that page's section. `clean`: its
    content draws only forms made by `as_form` (documents.prelayout), nothing to clean."""
    pdf = source.indirect_reference.pdf
    if clean:
        operations = [([], b"q"), *source.get_contents().operations, ([], b"Q")]
    else:
        operations = _clean_operations(source)

    page = writer.pages[index]
    _, document, nums = _tree(writer)
    mcids = _entry(nums, page["/StructParents"])
    mcid = len(mcids)
    section = document
    for kid in document.get_object()["/K"]:
        element = kid.get_object()
        if element.get("/S") == "/Sect" and element.get("/Pg") == page.indirect_reference:
            section = kid
            break
    figure = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/StructElem"),
        NameObject("/S"): NameObject("/Figure"),
        NameObject("/P"): section,
        NameObject("/Pg"): page.indirect_reference,
        NameObject("/K"): NumberObject(mcid),
        NameObject("/Alt"): TextStringObject(alt),
        NameObject("/A"): DictionaryObject({
            NameObject("/O"): NameObject("/Layout"),
            NameObject("/BBox"): ArrayObject(FloatObject(v) for v in bbox)}),
    }))
    section.get_object()["/K"].append(figure)
    mcids.append(figure)

    operations = ([([NameObject("/Figure"), DictionaryObject({NameObject("/MCID"): NumberObject(mcid)})],
                    b"BDC")] + operations + [([], b"EMC")])
    source.replace_contents(_content(operations, pdf))
    page.merge_transformed_page(source, transformation)


def _adopt(ref: IndirectObject, parent: IndirectObject, prefix: str) -> None:
    """Point a copied subtree's /P entries at their new parents, and keep the table header
    IDs (which WeasyPrint numbers per document) unique in the joined document."""
    stack = [(ref, parent)]
    while stack:
        ref, parent = stack.pop()
        element = ref.get_object()
        if not isinstance(element, DictionaryObject) or "/S" not in element:
            continue  # marked-content or object references
        element[NameObject("/P")] = parent
        if "/ID" in element:
            element[NameObject("/ID")] = TextStringObject(prefix + str(element["/ID"]))
        attributes = element.get("/A")
        for owner in (attributes if isinstance(attributes, ArrayObject) else [attributes]):
            owner = owner.get_object() if owner is not None else None
            if isinstance(owner, DictionaryObject) and "/Headers" in owner:
                owner[NameObject("/Headers")] = ArrayObject(
                    TextStringObject(prefix + str(h)) for h in owner["/Headers"])
        kids = element.get("/K")
        for kid in (kids if isinstance(kids, ArrayObject) else [kids]):
            if isinstance(kid, IndirectObject):
                stack.append((kid, ref))


def join(first: bytes, *others: bytes) -> bytes:
    """Tagged PDFs one after the other, as one tagged PDF whose catalog is the first's."""
    base = PdfReader(io.BytesIO(first))
    writer = PdfWriter(clone_from=base)
    writer.pdf_header = base.pdf_header  # PDF 1.7 for PDF/UA-1 (pypdf would start from 1.3)
    root, document, nums = _tree(writer)
    for n, data in enumerate(others, start=1):
        reader = PdfReader(io.BytesIO(data))
        start = len(writer.pages)
        offset = max((int(k) for k in nums[::2]), default=-1) + 1
        writer.append(reader)  # its pages, bookmarks and named destinations
        source = reader.root_object.get("/StructTreeRoot")
        if source is None:  # not ours: its pages come along untagged
            continue
        source = source.get_object()
        for page, new in zip(reader.pages, writer.pages[start:]):
            if "/StructParents" in page:
                new[NameObject("/StructParents")] = NumberObject(page["/StructParents"] + offset)
            annotations = new.get("/Annots")
            for annotation in (annotations.get_object() if annotations else ()):
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    annotation[NameObject("/StructParent")] = NumberObject(
                        annotation["/StructParent"] + offset)
        # Cloned without /P, which would drag the source's own root along; _adopt sets them.
        source_nums = source["/ParentTree"].get_object()["/Nums"]
        copied = []
        for i in range(0, len(source_nums), 2):
            value = source_nums[i + 1].clone(writer, ignore_fields=("/P",))
            nums += [NumberObject(source_nums[i] + offset), value]
            copied += value if isinstance(value, ArrayObject) else [value]
        source_document = _document(source).get_object()
        for kid in source_document["/K"]:
            kid = kid.clone(writer, ignore_fields=("/P",))
            kid = kid if isinstance(kid, IndirectObject) else kid.indirect_reference
            document.get_object()["/K"].append(kid)
            _adopt(kid, document, f"d{n}-")
        for ref in copied:  # elements only in the parent tree (WeasyPrint's page margins)
            element = ref.get_object()
            if isinstance(element, DictionaryObject) and "/P" not in element:
                element[NameObject("/P")] = document
    root[NameObject("/ParentTreeNextKey")] = NumberObject(max((int(k) for k in nums[::2]), default=-1) + 1)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
