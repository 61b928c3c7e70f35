"""Upload pages: files with a kind each, judged by their content at intake."""
from __future__ import annotations

from flask import flash, redirect, request, session
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ..documents import intake
from ..engine import UploadStep, Wizard
from ..engine.i18n import gettext as _
from ..telemetry import metrics
from . import budgets
from .blueprint import bp
from .state import (after_step, changing, draft_token, formdata, open_step, page, save_state,
                    step_url, store)


def upload_page(w: Wizard, s: UploadStep, state: dict):
    answers = state["answers"]
    files = s.files(answers)
    errors: list[tuple[str, str]] = []  # (field id, message)
    action = request.form.get("action") if request.method == "POST" else None
    chosen = [f for f in request.files.getlist("file") if f and f.filename] if action else []
    # "Continue" with a file chosen but not uploaded yet uploads it first: nothing is dropped.
    if action == "upload" or chosen:
        kinds = dict(s.kinds)
        kind = request.form.get("kind", "")
        if kind not in kinds:
            errors.append(("kind", _("Select what kind of document this is")))
        if not chosen:
            errors.append(("file", _("Select a file to upload")))
        elif len(files) + len(chosen) > s.max_files:
            errors.append(("file", _("You can upload up to %(max)d files", max=s.max_files)))
        if not errors:
            token = draft_token()
            for upload in chosen:
                name = intake.display_name(upload.filename)
                data = upload.read(intake.MAX_BYTES + 1)
                refused = budgets.take_upload(w, s, state, len(data)) if data else None
                if refused:
                    reason, problem = refused
                    metrics.upload_refused(reason)
                    errors.append(("file", _("%(file)s: %(problem)s", file=name, problem=problem)))
                    break  # the files after it would be refused for the same reason
                try:
                    accepted = intake.accept(data)
                except intake.UploadError as exc:
                    metrics.upload_refused(exc.reason)
                    if data:
                        budgets.give_back_upload(w, s, state, len(data))
                    errors.append(("file", _("%(file)s: %(problem)s", file=name, problem=exc)))
                    continue
                upload_id = add_upload(token, accepted.content)
                files.append({"id": upload_id, "name": name, "kind": kind, "kind_label": kinds[kind],
                              "media_type": accepted.media_type, "pages": accepted.pages,
                              "bytes": len(data)})
                flash(_("%(file)s uploaded", file=name))
            answers[s.name] = {"files": files, "done": False}
            save_state(w, state)
            if not errors and action == "upload":
                return redirect(step_url(w, s.name, change=changing()), 303)
    if action == "continue" and not errors:
        if len(files) >= s.min_files:
            answers[s.name] = {"files": files, "done": True}
            save_state(w, state)
            return redirect(after_step(w, s.name, answers), 303)
        errors.append(("file", _("Upload at least one document") if s.min_files == 1 else
                       _("Upload at least %(min)d documents", min=s.min_files)))
    return page("wizard/upload.html", w, s, answers, files=files, errors=errors,
                kinds=s.kinds, kind=(formdata(w, state) or MultiDict()).get("kind", ""))


def add_upload(token: str, content: bytes) -> str:
    """Store an uploaded file with the draft this request read. If another tab finished a
    journey meanwhile, the draft has a new token: the file goes with it (this request's
    session follows the draft when it saves, without handing the new token out)."""
    try:
        return store().uploads.add(token, content)
    except IntegrityError:  # the draft's row is no longer under this token
        live = store().drafts.live_token(token)
        if live is None or live == token:
            raise
        return store().uploads.add(live, content)


@bp.post("/<journey>/<step>/files/<upload_id>/remove")
def remove_file(journey, step, upload_id):
    w, s, state = open_step(journey, step, UploadStep)
    files = s.files(state["answers"])
    kept = [f for f in files if f["id"] != upload_id]
    if len(kept) != len(files):
        store().uploads.remove(store().drafts.live_token(session.token) or session.token, upload_id)
        gone = next(f for f in files if f["id"] == upload_id)
        budgets.give_back_upload(w, s, state, gone.get("bytes", 0))
        state["answers"][s.name] = {"files": kept, "done": False}
        save_state(w, state)
        flash(_("%(file)s removed", file=next(f["name"] for f in files if f["id"] == upload_id)))
    return redirect(step_url(w, s.name, change=changing()), 303)
