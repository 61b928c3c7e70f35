""""Send it for me": through the outbox, once per submission, within the rate limits."""
from __future__ import annotations

import datetime as dt
import math

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from sqlalchemy.exc import SQLAlchemyError

from ..delivery.postman import Outcome, Unrecorded
from ..engine.i18n import gettext as _, ngettext
from ..store import token_key
from ..store.session import LINEAGE
from ..telemetry import metrics
from .blueprint import bp
from .downloads import letter_for
from .finish import submission
from .state import journey_state, save_state, store, wizard_or_404


@bp.post("/<journey>/done/send")
def send(journey):
    w = wizard_or_404(journey)
    if not w.outputs.email:
        abort(404)
    sub = submission(w)
    postman = current_app.extensions["postman"]
    previous = postman.status(sub["reference"], "send")
    # Sending again what may have gone already takes the member's word (a box they tick).
    again = previous is not None and (previous.status == "failed" or (
        previous.status == "uncertain" and request.form.get("again") == "yes"))
    if previous is None or again:
        if (wait := send_wait()) is not None:
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
    if again:
        store().outbox.forget(sub["reference"], "send", uncertain=True)  # the member asked
        previous = None
    if previous is None:
        copy = request.form.get("copy") == "yes"
        state = journey_state(w)
        state["copy"] = copy  # the confirmation page says whether a copy went
        save_state(w, state)
        # Written now: a database failing once the mail has gone must not turn the page into
        # "nothing was sent".
        session.write_now(store().drafts)
        letter = letter_for(w, sub, copy_to_member=copy)
        try:
            previous = postman.send(sub["reference"], "send", letter)
        except Unrecorded as exc:
            return unrecorded_page(w, exc)
        # Sent (or queued) by this request: the page says how it went. Or by another one
        # at the same moment (a double click): say it was not sent again.
        previous = (Outcome(previous.status.removeprefix("already-"), previous.detail)
                    if previous.status.startswith("already-") else None)
    if previous is not None and previous.status != "failed":  # a replay, a double click, a tab
        item = w.outputs.document.item
        flash({"queued": _("This %(item)s is already queued to be sent: it was not queued again",
                           item=item),
               "sending": _("This %(item)s is being sent: it was not sent again", item=item),
               "uncertain": _("This %(item)s may have been sent already: it was not sent again",
                              item=item)}.get(previous.status) or
              _("This %(item)s was already sent: it was not sent again", item=item))
    return redirect(url_for("wizard.done", journey=w.slug) + "#send", 303)


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
