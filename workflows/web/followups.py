"""A signed-in member's follow-ups (issue 14.5, 14.6): the reminders setting (the page each
reminder mail links to: no token in its URL, signing in required), and what My claims lists
of the draft: expenses not sent yet whose filing deadline is near (each journey's `due_soon`;
no journey is named here)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from wtforms.fields.choices import SelectChoice

from ..engine import clock, fields as F
from ..engine.forms import Form
from ..engine.i18n import current_language, gettext as _, lazy_gettext as _l
from ..journeys import registry
from .accounts import abort_unless_signed_in, signed_in_member
from .state import store

followups = Blueprint("followups", __name__)


class RemindersForm(Form):
    reminders = F.RadioChoices(_l("Email me reminders?"), _l("Select whether to get reminders"), [
        SelectChoice("on", _l("Yes: remind me when an answer is late")),
        SelectChoice("off", _l("No: do not send me reminders")),
    ], hint=_l("A claim with no answer recorded after the plan's waiting time, or a guarantee "
               "request with no reply, gets one reminder email with what to do next."))


@followups.route("/my-claims/reminders", methods=["GET", "POST"])
def reminders():
    member = abort_unless_signed_in()
    settings = dict(member.data.get("settings") or {})
    # The saved choice only shows on the page: a form sent without a choice is refused.
    form = RemindersForm(data=None if request.method == "POST" else
                         {"reminders": "on" if settings.get("reminders", True) else "off"})
    if form.validate_on_submit():
        settings["reminders"] = form.reminders.data == "on"
        # Reminders are written in the language the member last chose a setting in.
        settings["language"] = current_language()
        store().members.save_data(member.id, {**member.data, "settings": settings})
        flash(_("Reminders are on.") if settings["reminders"] else _("Reminders are off."))
        return redirect(url_for("followups.reminders"), 303)
    return render_template("accounts/reminders.html", form=form, has_errors=bool(form.errors))


def deadlines_near() -> list[dict]:
    """For My claims: each journey in progress (not finished) whose answers hold something
    with a deadline near, with what and by when, and where to go on."""
    if signed_in_member() is None:
        return []
    out = []
    for slug, w in registry().items():
        state = (session.get("journeys") or {}).get(slug) or {}
        if w.due_soon is None or state.get("reference") or not state.get("answers"):
            continue
        found = w.due_soon(w.clean(state["answers"]))
        if found:
            today = clock.today()
            out.append({"journey": w, "url": url_for("wizard.start", journey=slug),
                        "items": [{"what": what, "date": date, "passed": date < today} for what, date in found],
                        "soonest": min(date for _what, date in found)})
    return sorted(out, key=lambda j: j["soonest"])


@followups.app_context_processor
def _helpers():
    return {"deadlines_near": deadlines_near}
