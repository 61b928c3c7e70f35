"""A signed-in member's history: the record written when a journey is finished, and how the
member sent it. Every journey in the registry is kept the same way; what a record holds of
the answers comes from the journey's own `Outputs.history` (records_contract.md)."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging

from flask import current_app, session

from ..engine import Wizard
from ..engine.i18n import gettext as _
from .packets import attachments, packet_for
from .state import store

# How a finished journey went: the app sent it (these are the outbox's states) ...
SENT_BY_APP = ("sent", "queued", "written")
# ... or what the member did with it.
ON_PAPER = ("fax", "post")  # "I faxed it", "I posted it"
BY_MEMBER = ("mailto", "eml", "pdf", *ON_PAPER)
DELIVERIES = SENT_BY_APP + BY_MEMBER


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later (the month's last day when it has no such day)."""
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    for day in (when.day, 30, 29, 28):
        try:
            return when.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(when)


def keep_until() -> dt.datetime:
    return add_months(store().db.clock(), int(current_app.config["RECORD_RETENTION_MONTHS"]))


def record_data(w: Wizard, answers: dict, receipts: list[tuple[str, bytes]]) -> dict:
    """The record's data: the journey's own declaration, the receipts' hashes (for the
    duplicate guard), no deliveries and no answer yet."""
    data = dict(w.outputs.history(answers)) if w.outputs.history else {}
    data.setdefault("title", str(w.outputs.paper.title) if w.outputs.paper else w.slug)
    if w.outputs.uploads:
        data["receipts"] = [{"name": name, "sha256": hashlib.sha256(content).hexdigest()}
                            for name, content in receipts]
    data["deliveries"] = []
    data["answer"] = None
    return data


def record_finished(w: Wizard, reference: str, answers: dict) -> None:
    """A signed-in member finished a journey: keep its record and packet. The packet is the
    one every download sends (rendered once, kept); if it cannot be made now, the record is
    kept without it and the first download keeps it (packets.packet_for)."""
    member = getattr(session, "member", None)
    if not member or store().records.get(member, reference) is not None:
        return
    sub = {"reference": reference, "answers": answers}
    files = attachments(w, answers)
    try:
        packet = packet_for(w, sub)
    except Exception as exc:  # a render past its time limit, say: the record matters more
        logging.getLogger(__name__).warning("packet not kept with the record: %s", type(exc).__name__)
        packet = None
    store().records.add(member, reference, w.slug, record_data(w, answers, [(a.name, a.content) for a in files]),
                        packet, keep_until())


# Downloads and the email link are noted once: a second download is not a second sending.
NOTED_ONCE = ("mailto", "eml", "pdf")


def note_delivery(reference: str, how: str) -> None:
    """Add how the member's finished journey went to its record (signed in only)."""
    member = getattr(session, "member", None)
    if member and how in DELIVERIES:
        add_delivery(member, reference, how)


def sent_later(app):
    """The postman's hook (Postman.on_sent): a message that waited (queued) and was sent by a
    retry, in the background or by `flask outbox deliver`, is noted "sent" in the history of
    the member whose record it is (no request, so no session: the record says whose)."""
    def note(reference: str) -> None:
        with app.app_context():
            member = store().records.owner(reference)
            if member:
                add_delivery(member, reference, "sent")
    return note


def add_delivery(member_id: str, reference: str, how: str) -> None:
    at = store().db.clock().replace(microsecond=0).isoformat() + "Z"

    def add(data: dict) -> dict | None:
        earlier = data.get("deliveries") or []
        if how in NOTED_ONCE and any(d.get("how") == how for d in earlier):
            return None
        data["deliveries"] = [*earlier, {"how": how, "at": at}]
        return data
    store().records.change(member_id, reference, add)


def delivery_label(how: str) -> str:
    return {"sent": _("Sent by this service"),
            "queued": _("Queued by this service, to be sent"),
            "written": _("Saved by this service for its administrator to send"),
            "mailto": _("You opened the email in your mail app"),
            "eml": _("You downloaded the email (.eml)"),
            "pdf": _("You downloaded the PDF"),
            "fax": _("You faxed it"),
            "post": _("You posted it")}.get(how, how)
