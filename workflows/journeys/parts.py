"""A finished journey too large for one message to the administrator's mailbox (its profile's
`largest_message`), as numbered parts: "part 1 of 3" with the reference in every subject,
each part complete (a cover naming the part and what it holds, or the request itself), the
documents split between parts whole where they fit, by pages where one alone does not, and
pictures made smaller (never below legible: documents.pages) only for a page that alone does
not fit. The packet's own page numbers stay those of the whole packet, in every part."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..delivery.parts import ENCODED_PER_BYTE as ENCODED, consecutive, encoded_size, message_size, room
from ..documents import page_count, render_pdf, tagged
from ..documents.intake import attachment_name
from ..documents.pages import legible_image, legible_smaller, pdf_pages
from ..documents.tagged_pages import tagged_pages

# Headers of one attached file's MIME part, and the slack a PDF's trailer and cross-reference
# table add when pieces are joined: counted generously, the sizes are checked after.
PART_HEADERS = 400
ATTEMPTS = 4


@dataclass(frozen=True)
class Piece:
    label: str  # what it is, as a part's cover and email list it
    size: int  # bytes, before encoding
    pages: tuple[int, ...] = ()  # its pages of the packet, when the documents travel inside it
    file: tuple[str, str, bytes] | None = None  # (name, media type, content) when they go as files
    smaller: bool = False  # its pictures were made smaller (to the legible floor) to fit


@dataclass(frozen=True)
class Part:
    number: int
    total: int
    pieces: tuple[Piece, ...]
    others: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (number, what it holds) of the rest

    @property
    def holds(self) -> tuple[str, ...]:
        return tuple(piece.label for piece in self.pieces)

    @property
    def title(self) -> str:
        return f"part {self.number} of {self.total}"


def _pages_label(pages: range) -> str:
    first, last = pages[0] + 1, pages[-1] + 1
    return f"packet page {first}" if first == last else f"packet pages {first}–{last}"


def _spans(outputs, finished, packet: bytes) -> list[tuple[str, range]]:
    """The packet's own pages (cover and summary), then each document's, in packet order."""
    attachments = finished.attachments
    own = page_count(packet) - sum(a.pages for a in attachments)
    spans, start = [(outputs.document.own_pages, range(0, own))], own
    for a in attachments:
        spans.append((f"{a.kind_label}: {a.name}", range(start, start + a.pages)))
        start += a.pages
    return spans


def _packet_pieces(outputs, finished, packet: bytes, space: int) -> list[Piece]:
    """Sized as pages on their own (untagged): a part's tags add a little, checked after."""
    pieces = []
    for label, pages in _spans(outputs, finished, packet):
        size = len(pdf_pages(packet, pages))
        if size <= space:
            pieces.append(Piece(f"{label} ({_pages_label(pages)})", size, pages=tuple(pages)))
            continue
        # Too large for one message: by pages, as many together as fit; a page alone that
        # does not fit has its pictures made smaller, down to the legible floor.
        sizes = [len(pdf_pages(packet, [p])) for p in pages]
        for run in consecutive(sizes, space):
            sub = range(pages[run[0]], pages[run[-1]] + 1)
            which = (f", page {run[0] + 1} of {len(pages)}" if len(run) == 1
                     else f", pages {run[0] + 1}–{run[-1] + 1} of {len(pages)}")
            text = f"{label}{which if len(pages) > 1 else ''} ({_pages_label(sub)})"
            size = sum(sizes[i] for i in run)
            smaller = size > space
            if smaller:
                size = len(legible_smaller(pdf_pages(packet, sub)))
            pieces.append(Piece(text, size, pages=tuple(sub), smaller=smaller))
    return pieces


def _file_pieces(finished, space: int) -> list[Piece]:
    pieces = []
    for a in finished.attachments:
        name = attachment_name(a.name, a.media_type)
        label = f"{a.kind_label}: {name}"
        if len(a.content) + PART_HEADERS <= space:
            pieces.append(Piece(label, len(a.content) + PART_HEADERS, file=(name, a.media_type, a.content)))
        elif a.media_type == "application/pdf" and a.pages > 1:
            sizes = [len(pdf_pages(a.content, [p])) + PART_HEADERS for p in range(a.pages)]
            stem = name.rpartition(".")[0]
            for run in consecutive(sizes, space):
                which = f"pages {run[0] + 1}–{run[-1] + 1} of {a.pages}" if len(run) > 1 \
                    else f"page {run[0] + 1} of {a.pages}"
                content = pdf_pages(a.content, run)
                smaller = len(content) + PART_HEADERS > space
                content = legible_smaller(content) if smaller else content
                pieces.append(Piece(f"{label}, {which}", len(content) + PART_HEADERS,
                                    file=(f"{stem} ({which.replace('–', '-')}).pdf", a.media_type, content),
                                    smaller=smaller))
        else:
            content = (legible_image(a.content) if a.media_type.startswith("image/")
                       else legible_smaller(a.content))
            pieces.append(Piece(label, len(content) + PART_HEADERS, file=(name, a.media_type, content),
                                smaller=True))
    return pieces


def _grouped(pieces: list[Piece], space: int) -> list[Part]:
    runs = consecutive([p.size for p in pieces], space)
    parts = [Part(n, len(runs), tuple(pieces[i] for i in run)) for n, run in enumerate(runs, start=1)]
    return [replace(part, others=tuple((o.number, o.holds) for o in parts if o is not part))
            for part in parts]


def cover(outputs, finished, part: Part) -> bytes:
    """The first page of a part: the reference, who, "part N of M", what it holds."""
    doc = outputs.document
    return render_pdf("pdf/part_cover.html", {
        "administrator": finished.administrator, "reference": finished.reference,
        "title": str(doc.name).capitalize(), "facts": doc.part_facts(finished) if doc.part_facts else [],
        "part": part, "smaller": any(p.smaller for p in part.pieces)}, style="cover.css")


def part_files(outputs, finished, part: Part, document: bytes) -> list[tuple[str, str, bytes]]:
    """What a part's email carries: inside the packet, the part's own PDF (its cover, then its
    pages of the packet); as files, the document (the request itself) and the part's files."""
    name = outputs.filename(finished.reference, "pdf", variant=f"part-{part.number}-of-{part.total}")
    if outputs.email.attach_uploads:
        return [(outputs.filename(finished.reference, "pdf"), "application/pdf", document)] + \
            [piece.file for piece in part.pieces]
    pages = [page for piece in part.pieces for page in piece.pages]
    body = tagged_pages(document, pages)  # still tagged, still numbered as the whole packet
    smaller = {n for n, page in enumerate(pages) for piece in part.pieces
               if piece.smaller and page in piece.pages}
    if smaller:
        body = legible_smaller(body, only=smaller)
    return [(name, "application/pdf", tagged.join(cover(outputs, finished, part), body))]


def _space(outputs, finished, document: bytes) -> int | None:
    """Bytes of documents a part may carry; None when the whole fits in one message."""
    limit = finished.administrator.largest_message
    # Measured with the member's copy (the longer headers): the parts are the same either way.
    if message_size(outputs.letter(finished, document, True)) <= limit:
        return None
    labels = sum(len(a.name) + len(a.kind_label) + 80 for a in finished.attachments)
    bare = outputs.letter(finished, b"", True, part=Part(99, 99, ()))
    overhead = message_size(bare) + labels + PART_HEADERS
    if outputs.email.attach_uploads:
        overhead += encoded_size(len(document))
    else:  # a cover listing everything, as long as any part's can be
        overhead += encoded_size(len(cover(outputs, finished, Part(1, 99, ()))) + 4000)
    return room(limit, overhead)


def _parts(outputs, finished, document: bytes, space: int) -> list[Part]:
    pieces = (_file_pieces(finished, space) if outputs.email.attach_uploads
              else _packet_pieces(outputs, finished, document, space))
    return _grouped(pieces, space)


def plan(outputs, finished, document: bytes) -> list[Part]:
    """The parts the letters will be, or [] when one message fits: what the pages tell the
    member (only a cover is laid out, to be measured)."""
    space = _space(outputs, finished, document)
    return [] if space is None else _parts(outputs, finished, document, space)


def letters(outputs, finished, document: bytes, copy_to_member: bool) -> list:
    """The letters to send: one, or one per part, each checked against the limit as SMTP
    will carry it (a part still over it, if any, holds a single page at the legible floor)."""
    space = _space(outputs, finished, document)
    if space is None:
        return [outputs.letter(finished, document, copy_to_member)]
    limit = finished.administrator.largest_message
    for _attempt in range(ATTEMPTS):
        parts = _parts(outputs, finished, document, space)
        made = [outputs.letter(finished, document, copy_to_member, part=part,
                               files=part_files(outputs, finished, part, document)) for part in parts]
        over = max(message_size(letter) for letter in made) - limit
        if over <= 0 or all(len(part.pieces) == 1 for part in parts):
            break
        space -= int(over / ENCODED) + 1024  # what the estimate missed, and a little more
    return made
