"""What a PDF really draws, read from the file: which characters got a glyph from their embedded
font, and whether the structure tree of a tagged PDF holds together. Used by the tests on names
in every script and on tagged (PDF/UA) documents."""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, IndirectObject, StreamObject

_HEX_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_HEX_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")


def to_unicode(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's code -> text (bfchar and bfrange entries)."""
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in _HEX_PAIR.findall(block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in _HEX_RANGE.findall(block):
            first = bytes.fromhex(text.decode()).decode("utf-16-be")
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = first[:-1] + chr(ord(first[-1]) + offset)
    return mapping


class EmbeddedFont:
    """A Type0 (CID) font as embedded: its program parsed with fontTools, its ToUnicode map."""

    def __init__(self, font: DictionaryObject):
        self.name = str(font["/BaseFont"])
        cid_font = font["/DescendantFonts"][0].get_object()
        descriptor = cid_font["/FontDescriptor"].get_object()
        program = next(descriptor[k].get_object() for k in ("/FontFile2", "/FontFile3", "/FontFile")
                       if k in descriptor)
        self.font = TTFont(io.BytesIO(program.get_data()))
        self.glyph_order = self.font.getGlyphOrder()
        self.glyph_set = self.font.getGlyphSet()
        gid_map = cid_font.get("/CIDToGIDMap", "/Identity")
        gid_map = gid_map.get_object() if isinstance(gid_map, IndirectObject) else gid_map
        if isinstance(gid_map, StreamObject):
            data = gid_map.get_data()
            self.gid = lambda cid: int.from_bytes(data[2 * cid:2 * cid + 2], "big") if 2 * cid < len(data) else 0
        else:
            self.gid = lambda cid: cid
        self.text = to_unicode(font["/ToUnicode"].get_object().get_data()) if "/ToUnicode" in font else {}
        self._drawn: dict[int, bool] = {}

    def has_glyph(self, cid: int) -> bool:
        """The code names a real glyph of this font (not .notdef, not past the last glyph) that
        draws something, or a blank one standing for white space."""
        if cid not in self._drawn:
            gid = self.gid(cid)
            ok = 0 < gid < len(self.glyph_order)
            if ok and not self.text.get(cid, "").isspace():
                pen = BoundsPen(self.glyph_set)
                self.glyph_set[self.glyph_order[gid]].draw(pen)
                ok = pen.bounds is not None
            self._drawn[cid] = ok
        return self._drawn[cid]


@dataclass
class Glyphs:
    drawn: set[str] = field(default_factory=set)  # characters drawn with a real glyph
    missing: set[str] = field(default_factory=set)  # characters drawn as .notdef / no glyph
    unchecked_fonts: set[str] = field(default_factory=set)  # simple fonts (not ours)
    # Each text-showing operator's glyphs, as their ToUnicode texts, in drawing order (left
    # to right): a right-to-left name is drawn last letter first.
    runs: list[tuple[str, ...]] = field(default_factory=list)

    def drawn_in_order(self, text: str) -> bool:
        """`text` is drawn in reading order: left to right, or, for right-to-left script, last
        letter first. Glyphs are taken in drawing order across runs (a font change starts a new
        run). A string with digits is checked word by word, since digits inside right-to-left
        text are drawn left to right."""
        glyphs = [t for run in self.runs for t in run]
        forward = "".join("".join(glyphs).split())
        backward = "".join("".join(reversed(glyphs)).split())

        def drawn(part):
            rtl = any(unicodedata.bidirectional(c) in ("R", "AL") for c in part)
            return "".join(part.split()) in (backward if rtl else forward)

        if any(c.isdigit() for c in text):
            return all(drawn(word) for word in text.split())
        return drawn(text)


def _string_bytes(operand) -> bytes:
    """A string operand's bytes as written (pypdf may have decoded a hex string as text)."""
    return operand.get_encoded_bytes() if hasattr(operand, "get_encoded_bytes") else bytes(operand)


def glyphs(pdf: bytes) -> Glyphs:
    """Walk every page's content (and the forms it draws): for each code a text operator
    shows in a Type0 font, the characters its ToUnicode entry gives go to `drawn` if the
    embedded font program has a glyph for it, else to `missing`."""
    result, fonts = Glyphs(), {}

    def walk(content, resources, seen):
        resources = resources.get_object() if resources is not None else DictionaryObject()
        font_dict = resources.get("/Font")
        font_dict = font_dict.get_object() if font_dict is not None else {}
        font = None
        for operands, operator in content.operations:
            if operator == b"Tf":
                ref = font_dict[operands[0]]
                key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
                if key not in fonts:
                    obj = ref.get_object()
                    fonts[key] = EmbeddedFont(obj) if obj.get("/Subtype") == "/Type0" else None
                    if fonts[key] is None:
                        result.unchecked_fonts.add(str(obj.get("/BaseFont")))
                font = fonts[key]
            elif operator in (b"Tj", b"'", b'"', b"TJ") and font is not None:
                strings = ([s for s in operands[0] if not isinstance(s, (int, float))]
                           if operator == b"TJ" else [operands[-1]])
                run = []
                for s in strings:
                    data = _string_bytes(s)
                    for i in range(0, len(data) - 1, 2):
                        cid = int.from_bytes(data[i:i + 2], "big")
                        text = font.text.get(cid, "\ufffd")
                        target = result.drawn if font.has_glyph(cid) else result.missing
                        target.update(c for c in text if not c.isspace())
                        run.append(text)
                result.runs.append(tuple(run))
            elif operator == b"Do":
                xobjects = resources.get("/XObject")
                xobject = xobjects.get_object()[operands[0]].get_object() if xobjects else None
                if (isinstance(xobject, StreamObject) and xobject.get("/Subtype") == "/Form"
                        and id(xobject) not in seen):
                    walk(ContentStream(xobject, None), xobject.get("/Resources", resources), seen | {id(xobject)})

    for page in PdfReader(io.BytesIO(pdf)).pages:
        content = page.get_contents()
        if content is not None:
            walk(content, page.get("/Resources"), frozenset())
    return result


# --- tagged PDF ---------------------------------------------------------------------------------

def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, ArrayObject) else [kids]


def structure_problems(pdf: bytes) -> list[str]:
    """Where a tagged PDF's structure tree and its pages' marked content disagree: every MCID
    on a page must be claimed, through the page's /StructParents entry in the parent tree, by
    a structure element that names that page and lists that MCID; every element reachable from
    the root must point back at its parent; no page may be left without a parent-tree entry."""
    reader = PdfReader(io.BytesIO(pdf))
    problems = []
    root = reader.trailer["/Root"]
    tree = root["/StructTreeRoot"].get_object()
    nums = tree["/ParentTree"].get_object()["/Nums"]
    entries = {int(nums[i]): nums[i + 1].get_object() for i in range(0, len(nums), 2)}

    reachable = set()
    stack = [(kid, tree.indirect_reference) for kid in _kids(tree)]
    while stack:
        ref, parent = stack.pop()
        if not isinstance(ref, IndirectObject):
            continue
        element = ref.get_object()
        if "/S" not in element:
            continue
        reachable.add(ref.idnum)
        if element.get("/P") != parent:
            problems.append(f"{element['/S']} {ref.idnum}: /P is not its parent")
        if element["/S"] == "/Figure" and not element.get("/Alt"):
            problems.append(f"Figure {ref.idnum} has no /Alt")
        stack += [(kid, ref) for kid in _kids(element)]

    for number, page in enumerate(reader.pages, start=1):
        if "/StructParents" not in page:
            problems.append(f"page {number}: no /StructParents")
            continue
        claimed = entries.get(int(page["/StructParents"]))
        if claimed is None:
            problems.append(f"page {number}: not in the parent tree")
            continue
        content = page.get_contents()
        for operands, operator in (content.operations if content is not None else []):
            if operator != b"BDC" or not isinstance(operands[1], DictionaryObject):
                continue
            mcid = operands[1].get("/MCID")
            if mcid is None:
                continue
            if mcid >= len(claimed):
                problems.append(f"page {number}: MCID {mcid} not in the parent tree")
                continue
            ref = claimed[mcid]
            element = ref.get_object()
            if element.get("/Pg") != page.indirect_reference or mcid not in _kids(element):
                problems.append(f"page {number}: MCID {mcid} claimed by an element of another page")
            if ref.idnum not in reachable and element.get("/P") is None:
                problems.append(f"page {number}: MCID {mcid}'s element has no parent")
    return problems
