"""The confirmation page and what it offers: the PDF, the .eml, and fax- or post-ready PDFs."""
from __future__ import annotations

import datetime as dt
import threading
import time

from flask import Response, abort, current_app, render_template, request, session

from ..delivery import eml_bytes, mailto_href
from ..documents import (PAPERS, Attachment, RenderTimeout, fax_ready, page_count, post_ready,
                         time_limit)
from ..engine import Wizard
from ..journeys.contract import Finished
from .blueprint import bp
from .finish import submission
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
        return packet
    finally:
        limits.give_back(claim)


def rendering():
    """The time limit of a render made for this request (RENDER_TIME_LIMIT_SECONDS)."""
    return time_limit(current_app.config["RENDER_TIME_LIMIT_SECONDS"])


def letter_for(w: Wizard, sub: dict, copy_to_member: bool):
    """The email, with the packet and (when they travel as files of their own) the uploads."""
    email = w.outputs.email
    return w.outputs.letter(finished(w, sub, content=email.attach_uploads), packet_for(w, sub),
                            copy_to_member=copy_to_member)


@bp.get("/<journey>/done")
def done(journey):
    w = wizard_or_404(journey)
    sub = submission(w)
    answers, reference = sub["answers"], sub["reference"]
    # Whether the member asked for a copy when sending (a copy by default before that).
    copy = journey_state(w).get("copy", True)
    letter = (w.outputs.letter(finished(w, sub, content=False), b"", copy_to_member=copy)
              if w.outputs.email else None)
    postman = current_app.extensions["postman"]
    sends = postman.history(reference)  # every message to the administrator, first first
    again_error = bool(sends) and request.args.get("again") == "unconfirmed"
    return render_template("wizard/done.html", wizard=w, reference=reference, answers=answers,
                           mailto=mailto_href(letter) if letter else "", letter=letter,
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
        letter = letter_for(w, sub, copy_to_member=False)
        body, name = eml_bytes(letter, sender=outputs.email.member(sub["answers"])), outputs.filename(reference, "eml")
    else:
        abort(404)
    media_type = "message/rfc822" if name.endswith(".eml") else "application/pdf"
    return Response(body, mimetype=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


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
