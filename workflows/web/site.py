"""Pages of the site around the journeys: the index, contact, language, delete my answers."""
from __future__ import annotations

import re

from flask import (abort, current_app, redirect, render_template, request, send_from_directory, session,
                   url_for)

from ..engine.i18n import LANGUAGES, gettext as _
from ..journeys import registry
from .blueprint import bp
from .language import COOKIE as LANGUAGE_COOKIE
from .state import journey_state, keep_typed, step_url, store


def in_progress() -> dict[str, tuple[str, str]]:
    """Journeys this member has begun and not finished: slug -> (what to say, where to go
    on). The patient's name is said to the owner of the draft only, on the page (which is
    never cached), and never in a URL."""
    found = {}
    for slug, w in registry().items():
        state = journey_state(w)
        if not state["answers"] or state.get("reference"):
            continue
        item = w.outputs.document.item
        name = w.about(state["answers"]) if w.about else None
        text = (_("Continue your %(item)s for %(name)s", item=item, name=name) if name
                else _("Continue your %(item)s", item=item))
        resume = w.resume_at(state["answers"])
        found[slug] = (text, url_for("wizard.review", journey=slug) if resume == "check" else step_url(w, resume))
    return found


def same_site_path(value: str, default: str) -> str:
    """`value` if it is a path on this site (for a "go back" link or redirect), else `default`."""
    return value if re.fullmatch(r"/(?![/\\])[\w\-/.?=&]*", value or "") else default


@bp.get("/")
def index():
    return render_template("pages/index.html", journeys=registry(), in_progress=in_progress())


@bp.get("/favicon.ico")
def favicon():
    """Pages link static/favicon.ico; some clients ask for it at the root regardless."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)


@bp.get("/contact")
def contact():
    return render_template("pages/contact.html", journeys=registry())


@bp.route("/language/<code>", methods=["GET", "POST"])
def choose_language(code):
    """The language switcher, without JavaScript. Saved answers live in the draft. Where
    answers are typed, the switcher's buttons post that page's form here, so what was typed
    but not saved yet comes back too (keep_typed); elsewhere they are plain links (GET)."""
    if code not in LANGUAGES:
        abort(404)
    back = same_site_path(request.args.get("next", ""), url_for("wizard.index"))
    if request.method == "POST":
        keep_typed(back.partition("?")[0])
    response = redirect(back, 303)
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, httponly=True,
                        samesite="Lax", secure=request.is_secure)
    return response


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    if request.method == "POST":
        if session.token:
            current_app.extensions["postman"].folder.remove(store().delete(session.token))
        if session.cookie:  # signed in: the member's draft is gone, and this browser signs out
            store().members.end_session(session.cookie)
        session.delete()
        return redirect(url_for("wizard.deleted"), 303)
    return render_template("pages/delete.html", has_draft=session.token is not None,
                           back=same_site_path(request.args.get("next", ""), url_for("wizard.index")))


@bp.get("/deleted")
def deleted():
    return render_template("pages/deleted.html")
