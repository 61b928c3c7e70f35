""""Send it for me": through the outbox, once per submission, within the rate limits."""
from __future__ import annotations

import datetime as dt
import math

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from sqlalchemy.exc import SQLAlchemyError

from ..delivery.postman import Outcome, Unrecorded, send_purpose
from ..engine.i18n import gettext as _, ngettext
from ..store import token_key
from ..store.session import LINEAGE
from ..telemetry import metrics
from .blueprint import bp
from .packets import letters_for
from .finish import submission
from .history import note_delivery
from .state import journey_state, save_state, store, wizard_or_404


@bp.post("/<journey>/done/send")
def send(journey):
    w = wizard_or_404(journey)
    if not w.outputs.email:
        abort(404)
    sub = submission(w)
    reference, postman = sub["reference"], current_app.extensions["postman"]
    sends = postman.history(reference)
    action, purpose = next_send(sends, request.form, postman.has_server)
    done = url_for("wizard.done", journey=w.slug)
    if action == "unconfirmed":  # "Send it again" without the box ticked: say what is missing
        return redirect(url_for("wizard.done", journey=w.slug, again="unconfirmed"), 303)
    if action == "told":
        flash(told(w, purpose))
        return redirect(done + "#send", 303)
    if (wait := send_wait()) is not None:
        return too_many(w, wait)
    if action == "retry":  # the member asked: the last message is sent again in its place
        postman.forget(reference, purpose, uncertain=True, unsent=True)  # parts that went stay
        for last in sends[-1].parts or (sends[-1],):
            if last.status == "written":  # sent over SMTP now: not also by the administrator
                postman.folder.discard(last.detail)
    copy = request.form.get("copy") == "yes"
    state = journey_state(w)
    state["copy"] = copy  # the confirmation page says whether a copy went
    save_state(w, state)
    # Written now: a database failing once the mail has gone must not turn the page into
    # "nothing was sent".
    session.write_now(store().drafts)
    letters = letters_for(w, sub, copy_to_member=copy)  # one, or its numbered parts
    try:
        outcome = postman.send_all(reference, purpose, letters)
    except Unrecorded as exc:
        return unrecorded_page(w, exc)
    note_delivery(reference, outcome.status)  # signed in: sent, queued or written, in the history
    # Sent (or queued) by this request: the page says how it went. Or by another one at the
    # same moment (a double click): say it was not sent again, unless that one failed.
    if outcome.status.startswith("already-") and outcome.status != "already-failed":
        flash(told(w, outcome.status.removeprefix("already-")))
    return redirect(done + "#send", 303)


def next_send(sends: list[Outcome], form, has_server: bool) -> tuple[str, str]:
    """What a press of a send button does, from how the earlier messages went and what the
    page the form came from showed (`round`: how many messages it knew of):
    ("send", purpose) a new message; ("retry", purpose) the last one again, in its place;
    ("told", status) nothing, the page says why; ("unconfirmed", "") nothing, the box that
    confirms a second sending was not ticked."""
    if not sends:
        return "send", send_purpose(1)
    last, number = sends[-1], len(sends)
    current = form.get("round") == str(number)  # not a form from before the last message
    if last.status == "failed":  # nothing went (or only the member's copy): no harm in retrying
        return "retry", send_purpose(number)
    if last.status == "uncertain" and form.get("again") == "yes":  # the member's word
        return "retry", send_purpose(number)
    if last.status in ("written", "queued") and has_server and current and form.get("now") == "yes":
        # Saved to the folder (no mail server then) or waiting for a retry: a mail server is
        # set up now, and the member sends it through it.
        return "retry", send_purpose(number)
    if last.status == "sent" and current and form.get("action") == "again":
        if form.get("again") != "yes":
            return "unconfirmed", ""
        return "send", send_purpose(number + 1)
    return "told", last.status


def told(w, status: str) -> str:
    """Why pressing the button sent nothing (a replay, a double click, a second tab)."""
    item = w.outputs.document.item
    return {"queued": _("This %(item)s is already queued to be sent: it was not queued again",
                        item=item),
            "sending": _("This %(item)s is being sent: it was not sent again", item=item),
            "uncertain": _("This %(item)s may have been sent already: it was not sent again",
                           item=item),
            "written": _("This %(item)s was already saved for this service's administrator: "
                         "it was not saved again", item=item)}.get(status) or \
        _("This %(item)s was already sent: it was not sent again", item=item)


def too_many(w, wait: int):
    minutes = max(1, math.ceil(wait / 60))
    return render_template(
        "pages/error.html", title=_("Too many emails sent"),
        message=ngettext(
            "This service sends only a few emails for each person in an hour, so this "
            "%(item)s was not sent. Your answers and your %(item)s are kept: go back to "
            "it to download the email and send it yourself, or ask again in %(num)d minute.",
            "This service sends only a few emails for each person in an hour, so this "
            "%(item)s was not sent. Your answers and your %(item)s are kept: go back to "
            "it to download the email and send it yourself, or ask again in %(num)d minutes.",
            minutes, item=w.outputs.document.item),
        retry=url_for("wizard.done", journey=w.slug)), 429, {"Retry-After": str(wait)}


def unrecorded_page(w, exc: Unrecorded):
    """The mail went (or may have gone) and the database failed before that was noted."""
    if exc.status not in ("sent", "written", "uncertain"):
        raise SQLAlchemyError("outcome not recorded")  # nothing went: the 503 page says so
    item = w.outputs.document.item
    return render_template(
        "pages/error.html", title=_("Sent, but not noted down") if exc.status != "uncertain"
        else _("It may have been sent"),
        message=_("This service could not note down how sending your %(item)s went, because its "
                  "database did not answer. It will not be sent again by itself: before you send "
                  "it yourself, check with %(administrator)s whether they have it.", item=item),
        retry=url_for("wizard.done", journey=w.slug)), 200


def send_wait() -> int | None:
    """Count one send for this draft and this client address; the seconds to wait if either
    is over its limit. The counts live in the database, so every app process shares them."""
    config, limits = current_app.config, store().limits
    window = dt.timedelta(seconds=config["SEND_LIMIT_WINDOW_SECONDS"])
    wait = None
    # Per draft: under its lineage, which its token's rotation at each finish does not change.
    draft = session.get(LINEAGE) or (token_key(session.token) if session.token else "")
    for kind, value, limit in (("draft", draft, config["SEND_LIMIT_PER_DRAFT"]),
                               ("address", request.remote_addr or "", config["SEND_LIMIT_PER_ADDRESS"])):
        if limit > 0:
            count, ends = limits.count_hit(limits.hashed(config["SECRET_KEY"], f"{kind}:{value}"), window)
            if count > limit:
                metrics.RATE_LIMITED.labels(f"send_per_{kind}").inc()
                wait = max(wait or 0, math.ceil((ends - limits.clock()).total_seconds()))
    return wait
