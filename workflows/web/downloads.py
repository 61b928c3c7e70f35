"""The confirmation page and what it offers: the PDF, the .eml, and fax- or post-ready PDFs."""
from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import replace
import time

from flask import Response, abort, current_app, render_template, request, session

from ..delivery import eml_bytes, mailto_href
from ..delivery.parts import encoded_size
from ..documents import (PAPERS, Attachment, RenderTimeout, fax_ready, page_count, post_ready,
                         time_limit)
from ..engine import Wizard
from ..journeys.contract import Finished
from .blueprint import bp
from .finish import submission
from .history import note_delivery
from .state import administrator, journey_state, notices_for, store, wizard_or_404


def attachments(w: Wizard, answers: dict, content: bool = True) -> list[Attachment]:
    """The journey's uploaded documents, with their bytes unless only the list is needed."""
    step = w.step(w.outputs.uploads) if w.outputs.uploads else None
    found = []
    for meta in step.files(answers) if step else []:
        # A PDF with its pages laid out at upload, once they are kept (web/receipt_pages.py).
        kept = store().uploads.get_laid(session.token, meta["id"]) if content else (b"", None)
        if kept is not None:
            found.append(Attachment(meta["id"], meta["name"], meta["kind_label"], meta["media_type"],
                                    meta["pages"], *kept))
    return found


def finished(w: Wizard, sub: dict, content: bool = True) -> Finished:
    """What the journey's outputs are made from: the frozen answers and the uploads."""
    answers = sub["answers"]
    return Finished(answers, sub["reference"], attachments(w, answers, content), administrator(),
                    w.review)


def packet_for(w: Wizard, sub: dict) -> bytes:
    """The submission's PDF, rendered on first use and kept (encrypted) from then on: only
    that first render needs the uploads' bytes. Requests for a packet being rendered wait
    for that one render, in this process (a lock) and in any other (a claim in the
    database), instead of starting their own."""
    reference = sub["reference"]
    packet = store().submissions.packet(reference)
    if packet is not None:
        return packet
    locks, guard = current_app.extensions.setdefault("renders", ({}, threading.Lock()))
    with guard:
        lock = locks.setdefault(reference, threading.Lock())
    try:
        with lock:
            return store().submissions.packet(reference) or _render_once(w, sub)
    finally:
        with guard:
            if not lock.locked():
                locks.pop(reference, None)


def _render_once(w: Wizard, sub: dict) -> bytes:
    reference, limits = sub["reference"], store().limits
    limit = current_app.config["RENDER_TIME_LIMIT_SECONDS"]
    claim = limits.hashed(current_app.config["SECRET_KEY"], f"render:{reference}")
    hold = dt.timedelta(seconds=limit + 10)  # a claim left by a process that died runs out
    deadline = time.monotonic() + limit + 10
    while not limits.take(claim, 1, hold):
        if time.monotonic() > deadline:
            raise RenderTimeout()
        time.sleep(0.2)  # another process is rendering it
        packet = store().submissions.packet(reference)
        if packet is not None:
            return packet
    try:
        packet = store().submissions.packet(reference)  # kept just before the claim was free
        if packet is None:
            with rendering():
                packet = store().submissions.keep_packet(reference, w.outputs.packet(finished(w, sub)))
            if getattr(session, "member", None):  # a record written before the packet could be made
                store().records.keep_packet(session.member, reference, packet)
        return packet
    finally:
        limits.give_back(claim)


def rendering():
    """The time limit of a render made for this request (RENDER_TIME_LIMIT_SECONDS)."""
    return time_limit(current_app.config["RENDER_TIME_LIMIT_SECONDS"])


def letters_for(w: Wizard, sub: dict, copy_to_member: bool) -> list:
    """The email, with the packet and (when they travel as files of their own) the uploads;
    or its numbered parts, when one email would be larger than the mailbox takes."""
    email = w.outputs.email
    packet = packet_for(w, sub)
    with rendering():  # the parts' covers: a stuck render ends in the honest page too
        return w.outputs.letters(finished(w, sub, content=email.attach_uploads), packet,
                                 copy_to_member=copy_to_member)


PACKET_PAGES = 400_000  # more than any cover, summary and fonts take in a packet


def parts_for(w: Wizard, sub: dict) -> list:
    """The parts the email goes in, [] for one email: what the confirmation page says. Only a
    claim whose files come near the mailbox's limit needs its packet to tell; the plan of a
    packet is kept in this process (without its pages), since the page is shown again."""
    outputs, answers, reference = w.outputs, sub["answers"], sub["reference"]
    largest = administrator().largest_message
    if not outputs.email or not outputs.uploads:
        return []
    # The files' sizes as uploaded, recorded in the answers (a stored PDF also holds its laid
    # pages, about as much again). The cover and summary pages take far less than
    # PACKET_PAGES: well under the limit, one email it is, and nothing is rendered to tell.
    uploaded = sum(int(meta.get("bytes") or 0) for meta in w.step(outputs.uploads).files(answers))
    if encoded_size(uploaded + PACKET_PAGES) < largest:
        return []
    packet = packet_for(w, sub)
    plans = current_app.extensions.setdefault("part_plans", {})
    key = (reference, len(packet), largest)
    if key not in plans:
        with rendering():  # a cover is laid out to measure the parts' room
            found = outputs.parts(finished(w, sub, content=outputs.email.attach_uploads), packet)
        if len(plans) > 256:  # a bound, not a policy: plans are cheap to make again
            plans.clear()
        plans[key] = [replace(part, pieces=tuple(replace(p, file=None) for p in part.pieces))
                      for part in found]
    return plans[key]


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
