"""A finished journey's documents, made once and kept: its uploads, its packet (rendered
under a time limit, one render at a time per packet across processes), its email or the
numbered parts it goes in. No URL rules here: the pages that offer them import this."""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import replace

from flask import current_app, session

from ..delivery.parts import encoded_size
from ..documents import Attachment, RenderTimeout, time_limit
from ..engine import Wizard
from ..journeys.contract import Finished
from .state import administrator, store


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
