"""Some pages of a tagged packet as a tagged PDF of their own (one part of a claim sent in
parts): the pages left out are removed with what only they use, and so are the structure
elements of their content, so that the rest stays PDF/UA-1 as WeasyPrint made it."""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NullObject

from .pages import only_drawn, pdf_pages


def tagged_pages(pdf: bytes, pages: list[int]) -> bytes:
    """The given pages (0-based, in the packet's order) of a tagged PDF, still tagged."""
    reader = PdfReader(io.BytesIO(pdf))
    if "/StructTreeRoot" not in reader.root_object:
        return pdf_pages(pdf, pages)
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # PDF 1.7, as PDF/UA-1 has it
    keep, gone = set(pages), set()
    for index in range(len(writer.pages) - 1, -1, -1):
        page = writer.pages[index]
        if index in keep:
            continue
        gone.add(page.get("/StructParents"))
        for annotation in page.get("/Annots") or ():
            gone.add(annotation.get_object().get("/StructParent"))
        writer.remove_page(index, clean=True)  # what pointed at it now points at null
    for page in writer.pages:
        only_drawn(page)
        if "/Annots" in page:  # links to pages now gone: dropped, with their tags below
            page[NameObject("/Annots")] = ArrayObject(
                a for a in page["/Annots"] if not _dead_link(a.get_object()))
    root = writer.root_object["/StructTreeRoot"].get_object()
    tree = root["/ParentTree"].get_object()
    nums = tree["/Nums"]
    tree[NameObject("/Nums")] = ArrayObject(
        item for i in range(0, len(nums), 2) if nums[i] not in gone for item in nums[i:i + 2])
    _prune(root.get("/K"))
    writer.root_object.pop("/Outlines", None)  # bookmarks into the whole packet
    _only_reachable(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _only_reachable(writer: PdfWriter) -> None:
    """Forget every object the document no longer reaches from its catalog: the removed pages'
    pictures, and their structure elements (which refer to one another, parent and child, so
    that nothing counting references alone would let them go)."""
    info = writer._info_obj  # the document information (title, producer), kept as it was
    reached, stack = set(), [writer.root_object.indirect_reference, getattr(info, "indirect_reference", info)]
    while stack:
        value = stack.pop()
        if isinstance(value, IndirectObject):
            if value.idnum in reached:
                continue
            reached.add(value.idnum)
            value = value.get_object()
        if isinstance(value, DictionaryObject):  # streams too
            stack.extend(dict.values(value))
        elif isinstance(value, ArrayObject):
            stack.extend(list.__iter__(value))
    for index in range(len(writer._objects)):
        if index + 1 not in reached:
            writer._objects[index] = None


def _alive(page) -> bool:
    return page is None or not isinstance(page.get_object(), NullObject)


def _dead_link(annotation) -> bool:
    if annotation.get("/Subtype") != "/Link":
        return False
    target = annotation.get("/Dest")
    if target is None and isinstance(annotation.get("/A"), DictionaryObject):
        target = annotation["/A"].get("/D")
    target = target.get_object() if target is not None else None
    return isinstance(target, ArrayObject) and bool(target) and not _alive(target[0])


def _prune(ref, page=None) -> bool:
    """Drop the structure elements whose content was on removed pages; whether any is left."""
    if ref is None:
        return True
    element = ref.get_object() if isinstance(ref, IndirectObject) else ref
    if isinstance(element, NullObject):
        return False
    if isinstance(element, ArrayObject):  # the root's /K: the elements, in order
        left = [kid for kid in element if _prune(kid, page)]
        element[:] = left
        return bool(left)
    if not isinstance(element, DictionaryObject):
        return _alive(page)  # a marked-content id on `page`
    page = element.get("/Pg", page)
    if element.get("/Type") == "/OBJR":
        target = element.get("/Obj")
        return _alive(page) and target is not None and not (
            isinstance(target.get_object(), DictionaryObject) and _dead_link(target.get_object()))
    if element.get("/Type") == "/MCR" or "/K" not in element:
        return _alive(page)
    kids = element["/K"]
    many = isinstance(kids.get_object(), ArrayObject)
    left = [kid for kid in (kids.get_object() if many else [kids]) if _prune(kid, page)]
    if not left:
        return False
    element[NameObject("/K")] = ArrayObject(left) if many else left[0]
    return True
