"""Sending what reminders are due (issue 14.5): `flask reminders send`, and the background
loop that delivers the outbox (Postman.start_background) after each of its rounds.

Each round makes the missing reminder rows from the records (store/reminders.py), then takes
each due one with one conditional UPDATE (exactly one of several processes gets it), reads the
record again and sends, through the outbox, only what is still wanted: no answer recorded, not
due later after all (the record says it was sent later than first thought), reminders on."""
from __future__ import annotations

import logging
from collections import Counter

from flask import Flask
from flask_babel import force_locale

from ..delivery.reminders import Links, answered, due_at, reminder_letter, sent_at
from ..engine.i18n import LANGUAGES

PURPOSE = "reminder"  # the outbox purpose (and metrics label) of reminder mail


def _links(app: Flask) -> Links:
    """Absolute links for the mail, on PUBLIC_URL; without it the mail names the pages."""
    base = (app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not base:
        return Links("", "")
    urls = app.url_map.bind("localhost")
    return Links(base + urls.build("accounts.my_claims"), base + urls.build("followups.reminders"))


def send_due(app: Flask) -> Counter:
    """One round: the counts of reminders sent, and settled without mail ("answered",
    "off", "later", "gone")."""
    store, postman = app.extensions["store"], app.extensions["postman"]
    administrator = app.extensions["administrator"]
    follow = {slug: w.follow_up for slug, w in app.extensions["journeys"].items() if w.follow_up}
    counts: Counter = Counter()
    with app.app_context():
        def due(record):
            return due_at(follow[record.journey], sent_at(record.created_at, record.data), administrator.rules)
        store.reminders.schedule_missing({slug: f.kind for slug, f in follow.items()}, due)
        links = _links(app)
        for row in store.reminders.due():
            if not store.reminders.claim(row.id):
                continue  # another process has it
            try:
                counts[_follow_up(store, postman, administrator, follow, row, links)] += 1
            except Exception as exc:  # one reminder must not stop the others; it is tried again
                store.reminders.release(row.id)
                logging.getLogger(__name__).warning("reminder not sent: %s", type(exc).__name__)
                counts["failed"] += 1
    return counts


def _follow_up(store, postman, administrator, follow, row, links) -> str:
    record = store.reminders.record(row.member_id, row.reference)
    follow_up = follow.get(record.journey) if record else None
    if follow_up is None or follow_up.kind != row.kind:
        return "gone"
    if answered(record.data):
        return "answered"
    sent = sent_at(record.created_at, record.data)
    due = due_at(follow_up, sent, administrator.rules)
    if due > row.due_at:
        store.reminders.release(row.id, due)
        return "later"
    member = store.members.get(row.member_id)
    settings = (member.data.get("settings") or {}) if member else {}
    if member is None or not settings.get("reminders", True):
        return "off"
    language = settings.get("language") if settings.get("language") in LANGUAGES else "en"
    with force_locale(language):
        letter = reminder_letter(follow_up, record.reference, record.data, sent, administrator,
                                 member.data["email"], links)
    postman.send_to_member(row.member_key, PURPOSE, letter)
    return "sent"
