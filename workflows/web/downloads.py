"""The confirmation page and what it offers: the PDF, the .eml, and fax- or post-ready PDFs."""
from __future__ import annotations

import re

from flask import Response, abort, current_app, render_template, request

from ..delivery import eml_bytes, mailto_href
from ..documents import PAPERS, fax_ready, page_count, post_ready
from ..engine import Wizard
from .blueprint import bp
from .finish import submission
from .history import note_delivery
from .packets import finished, letters_for, packet_for, parts_for, rendering
from .state import administrator, journey_state, notices_for, wizard_or_404


@bp.get("/<journey>/done")
def done(journey):
    w = wizard_or_404(journey)
    sub = submission(w)
    answers, reference = sub["answers"], sub["reference"]
    # Whether the member asked for a copy when sending (a copy by default before that).
    copy = journey_state(w).get("copy", True)
    facts = finished(w, sub, content=False)
    letter = w.outputs.letter(facts, b"", copy_to_member=copy) if w.outputs.email else None
    parts = parts_for(w, sub)
    # Each part's subject and mailto: text, for sending them by hand.
    part_letters = [w.outputs.letter(facts, b"", copy_to_member=copy, part=part, files=[])
                    for part in parts]
    postman = current_app.extensions["postman"]
    sends = postman.history(reference)  # every message to the administrator, first first
    again_error = bool(sends) and request.args.get("again") == "unconfirmed"
    return render_template("wizard/done.html", wizard=w, reference=reference, answers=answers,
                           mailto=mailto_href(letter) if letter else "", letter=letter,
                           parts=list(zip(parts, part_letters, map(mailto_href, part_letters))),
                           largest_message=administrator().largest_message,
                           outcome=sends[-1] if sends else None, sends=sends,
                           can_send_now=postman.has_server, papers=PAPERS, outputs=w.outputs,
                           again_error=again_error, has_errors=again_error,
                           notices=notices_for(w, answers))


@bp.get("/<journey>/done/<kind>")
def download(journey, kind):
    w = wizard_or_404(journey)
    sub = submission(w)
    outputs, reference = w.outputs, sub["reference"]
    if kind in ("fax.pdf", "post.pdf") and outputs.paper:
        body = paper_ready(w, sub, kind)
        name = outputs.filename(reference, "pdf", variant=kind.split(".")[0])
    elif kind == "packet.pdf":
        body, name = packet_for(w, sub), outputs.filename(reference, "pdf")
    elif kind == "message.eml" and outputs.email:
        # The whole email, however large: a claim in parts offers each part's (below).
        letter = outputs.letter(finished(w, sub, content=outputs.email.attach_uploads),
                                packet_for(w, sub), copy_to_member=False)
        body, name = eml_bytes(letter, sender=outputs.email.member(sub["answers"])), outputs.filename(reference, "eml")
    elif (part := PART.fullmatch(kind)) and outputs.email:
        body, name = part_download(w, sub, int(part["number"]), int(part["total"]), part["ext"])
    else:
        abort(404)
    # Signed in: in the history. The whole email's .eml or a part's, by the file's name.
    note_delivery(reference, "eml" if name.endswith(".eml") else "pdf")
    media_type = "message/rfc822" if name.endswith(".eml") else "application/pdf"
    return Response(body, mimetype=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# One part of a claim sent in parts: its email draft, or its PDF to attach by hand.
PART = re.compile(r"part-(?P<number>[1-9][0-9]?)-of-(?P<total>[1-9][0-9]?)\.(?P<ext>eml|pdf)")


def part_download(w: Wizard, sub: dict, number: int, total: int, ext: str) -> tuple[bytes, str]:
    outputs, reference = w.outputs, sub["reference"]
    letters = letters_for(w, sub, copy_to_member=False)
    if len(letters) != total or len(letters) == 1:
        abort(404)  # a link from a page before the parts changed (or never were)
    letter = letters[number - 1] if number <= total else abort(404)
    variant = f"part-{number}-of-{total}"
    if ext == "eml":
        return (eml_bytes(letter, sender=outputs.email.member(sub["answers"])),
                outputs.filename(reference, "eml", variant=variant))
    if outputs.email.attach_uploads:
        abort(404)  # its files are the member's own uploads and the request's PDF
    name, _type, pdf = letter.attachments[0]
    return pdf, name


def paper_ready(w: Wizard, sub: dict, kind: str) -> bytes:
    """One PDF for the fax machine or the envelope: the cover, then every page."""
    outputs, answers, reference = w.outputs, sub["answers"], sub["reference"]
    facts = finished(w, sub)
    sender, subject = outputs.paper.sender(answers), outputs.paper.subject(answers)
    with rendering():
        if kind == "fax.pdf":
            paper = request.args.get("paper") if request.args.get("paper") in PAPERS else "A4"
            # Laid out behind the cover, so that its pages count the whole fax.
            return fax_ready(lambda cover_pages: outputs.packet(facts, for_paper=True,
                                                                leading_pages=cover_pages),
                             sender, subject, paper, reference=reference,
                             administrator=facts.administrator, urgent=outputs.paper.urgent(answers))
        packet = outputs.packet(facts, for_paper=True)
        enclosures = outputs.enclosures(page_count(packet), facts.attachments)
        return post_ready(packet, sender, subject, enclosures, reference=reference,
                          administrator=facts.administrator)
