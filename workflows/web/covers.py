"""A document's own page: which of the journey's lines (the claim's expenses) it covers."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from ..engine import UploadStep
from ..engine.i18n import gettext as _
from .blueprint import bp
from .state import changing, open_step, page, save_state, step_url


@bp.route("/<journey>/<step>/files/<upload_id>/covers", methods=["GET", "POST"])
def file_covers(journey, step, upload_id):
    w, s, state = open_step(journey, step, UploadStep)
    answers = state["answers"]
    files = s.files(answers)
    document = next((f for f in files if f["id"] == upload_id), None)
    if document is None or s.covers is None:
        abort(404)
    options = s.covers(answers)
    if request.method == "POST":
        values = [value for value, _label in options]
        document["covers"] = [v for v in dict.fromkeys(request.form.getlist("covers")) if v in values]
        answers[s.name] = {**(answers.get(s.name) or {}), "files": files}
        save_state(w, state)
        flash(_("%(file)s saved", file=document["name"]))
        if request.args.get("check"):
            return redirect(url_for("wizard.review", journey=w.slug), 303)
        return redirect(step_url(w, s.name, change=changing()), 303)
    return page("wizard/covers.html", w, s, answers, document=document, cover_options=options,
                chosen=document.get("covers") or [], from_check=bool(request.args.get("check")))
