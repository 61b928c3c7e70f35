""""Send it for me": through the outbox, once per submission, within the rate limits."""
from __future__ import annotations

import datetime as dt
import math

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from ..engine.i18n import gettext as _, ngettext
from ..store import token_key
from ..store.session import LINEAGE
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
    if previous is None or previous.status == "failed":
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
    if previous is not None and previous.status == "failed":
        store().outbox.forget_failed(sub["reference"], "send")  # the member asked to try again
        previous = None
    if previous is None:
        copy = request.form.get("copy") == "yes"
        state = journey_state(w)
        state["copy"] = copy  # the confirmation page says whether a copy went
        save_state(w, state)
        letter = letter_for(w, sub, copy_to_member=copy)
        previous = postman.send(sub["reference"], "send", letter)
        if not previous.status.startswith("already-"):
            previous = None  # this request sent it (or queued it): the page says how it went
    if previous is not None:  # a replay, a double click or another tab
        flash(_("This %(item)s is already queued to be sent: it was not queued again",
                item=w.outputs.document.item) if previous.status == "queued" else
              _("This %(item)s was already sent: it was not sent again", item=w.outputs.document.item))
    return redirect(url_for("wizard.done", journey=w.slug) + "#send", 303)


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
                wait = max(wait or 0, math.ceil((ends - limits.clock()).total_seconds()))
    return wait
