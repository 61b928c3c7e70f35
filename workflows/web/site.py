"""Pages of the site around the journeys: the index, contact, language, delete my answers."""
from __future__ import annotations

import re

from flask import abort, current_app, redirect, render_template, request, session, url_for

from ..engine.i18n import LANGUAGES
from ..journeys import registry
from .blueprint import bp
from .language import COOKIE as LANGUAGE_COOKIE
from .state import keep_typed, store


@bp.get("/")
def index():
    return render_template("pages/index.html", journeys=registry())


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
    back = request.args.get("next", "")
    if not re.fullmatch(r"/(?![/\\])[\w\-/.?=&]*", back):  # only a path on this site
        back = url_for("wizard.index")
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
        session.delete()
        return redirect(url_for("wizard.deleted"), 303)
    return render_template("pages/delete.html", has_draft=session.token is not None)


@bp.get("/deleted")
def deleted():
    return render_template("pages/deleted.html")
