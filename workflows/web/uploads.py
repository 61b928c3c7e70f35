"""Upload pages: files with a kind each, judged by their content at intake.

A chosen file is never dropped: one sent without its kind is kept and the kind is asked
next to it; pages photographed one by one can be kept as one document (chosen together, or
added later with "Add a page"); a request over the size limit comes back to this page.
"""
from __future__ import annotations

import hashlib

from flask import current_app, flash, redirect, request, session
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from ..documents import intake
from ..engine import UploadStep, Wizard
from ..engine.i18n import gettext as _
from ..telemetry import metrics
from ..journeys import registry
from . import budgets
from .blueprint import bp
from .errors import discard_unread_body, http_error
from .receipt_pages import lay_out_later
from .state import (after_step, changing, draft_token, formdata, journey_state, open_step, page,
                    save_state, step_url, store)


def parts(files: list[dict]) -> int:
    """Files taken, counting each page added to a document: each took a place of its own."""
    return sum(f.get("parts", 1) for f in files)


def upload_page(w: Wizard, s: UploadStep, state: dict):
    answers = state["answers"]
    files = s.files(answers)
    errors: list[tuple[str, str]] = []  # (field id, message)
    action = request.form.get("action") if request.method == "POST" else None
    if action and _name_kinds(s, files, request.form):
        answers[s.name] = {"files": files, "done": False}
        save_state(w, state)
    to = request.form.get("to") if action else request.args.get("add_to")
    target = next((f for f in files if f["id"] == to), None)
    chosen = [f for f in request.files.getlist("file") if f and f.filename] if action else []
    # "Continue" with a file chosen but not uploaded yet uploads it first: nothing is dropped.
    if action == "upload" or chosen:
        kind = request.form.get("kind", "")
        if not chosen:
            if target is None and kind not in dict(s.kinds):
                errors.append(("kind", _("Select what kind of document this is")))
            errors.append(("file", _("Select a file to upload")))
        elif parts(files) + len(chosen) > s.max_files:
            errors.append(("file", _("You can upload up to %(max)d files", max=s.max_files)))
        else:
            together = target is not None or request.form.get("together") == "1"
            covered = chosen_covers(s, answers, request.form)
            errors += _take(w, s, state, files, chosen, kind, target, together, covered)
            answers[s.name] = {"files": files, "done": False}
            save_state(w, state)
            if not errors and action == "upload" and all(f["kind"] for f in files):
                return redirect(step_url(w, s.name, change=changing()), 303)
            target = None  # pages added: the page shows the list again
    if action and target is None:
        errors += unnamed(files)
    if action == "continue" and not errors:
        if len(files) >= s.min_files:
            answers[s.name] = {"files": files, "done": True}
            save_state(w, state)
            return redirect(after_step(w, s.name, answers), 303)
        errors.append(("file", _("Upload at least one document") if s.min_files == 1 else
                       _("Upload at least %(min)d documents", min=s.min_files)))
    return show(w, s, answers, files, errors, formdata(w, state) or MultiDict(), target)


def show(w, s, answers, files, errors, typed: MultiDict, target=None, status=200):
    limits = {"file_mb": intake.MAX_BYTES // (1024 * 1024),
              "request_mb": current_app.config["MAX_UPLOAD_MB"]}
    options = s.covers(answers) if s.covers else []
    return page("wizard/upload.html", w, s, answers, files=files, errors=errors, kinds=s.kinds,
                kind=typed.get("kind", ""), typed=typed, target=target, limits=limits,
                cover_options=options, covered=covered(options, files)), status


def covered(options: list[tuple[str, str]], files: list[dict]) -> dict[str, list[str]]:
    """Each file's covered lines by their short names ("Expense 1": a label up to its colon)."""
    names = {value: label.split(":")[0] for value, label in options}
    return {f["id"]: [names[c] for c in f.get("covers") or [] if c in names] for f in files}


def chosen_covers(s: UploadStep, answers: dict, form) -> list[str]:
    """What the member ticked that a document covers; the only line when there is one and
    the form did not ask (a form without the question)."""
    options = [value for value, _label in (s.covers(answers) if s.covers else [])]
    picked = [value for value in form.getlist("covers") if value in options]
    if not picked and len(options) == 1 and "covers-asked" not in form:
        picked = options
    return list(dict.fromkeys(picked))


def unnamed(files: list[dict]) -> list[tuple[str, str]]:
    return [(f"kind-{f['id']}", _("Select what kind of document %(file)s is", file=f["name"]))
            for f in files if not f["kind"]]


def _name_kinds(s: UploadStep, files: list[dict], form) -> bool:
    """Kinds chosen next to files kept without one (the radios beside each such file)."""
    kinds, named = dict(s.kinds), False
    for f in files:
        chosen = form.get(f"kind-{f['id']}", "")
        if not f["kind"] and chosen in kinds:
            f.update(kind=chosen, kind_label=kinds[chosen])
            named = True
    return named


def _take(w, s, state, files, chosen, kind, target, together, covered=()) -> list[tuple[str, str]]:
    """Read, judge and keep each chosen file: as a document of its own, or as the next pages
    of `target` (or of the first file of this upload, when they are one document's pages)."""
    errors, token, kinds = [], draft_token(), dict(s.kinds)
    kind = kind if kind in kinds else ""  # kept without a kind: asked next to the file
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
            if target is not None:
                _add_pages(token, target, accepted, len(data))
                flash(_("%(file)s added to %(document)s", file=name, document=target["name"]))
                continue
        except intake.UploadError as exc:
            metrics.upload_refused(exc.reason)
            if data:
                budgets.give_back_upload(w, s, state, len(data))
            errors.append(("file", _("%(file)s: %(problem)s", file=name, problem=exc)))
            continue
        files.append({"id": add_upload(token, accepted), "name": name, "kind": kind,
                      "kind_label": kinds.get(kind, ""), "media_type": accepted.media_type,
                      "pages": accepted.pages, "bytes": len(data), "covers": list(covered),
                      "sha256": hashlib.sha256(accepted.content).hexdigest()})
        if together:
            target = files[-1]
        flash(_("%(file)s uploaded", file=name))
    return errors


def _add_pages(token: str, document: dict, accepted: intake.Intake, size: int) -> None:
    """`document` becomes one PDF of its pages and the new ones, under a new id."""
    live = store().drafts.live_token(token) or token
    kept = store().uploads.get(live, document["id"])
    if kept is None:  # removed in another tab meanwhile
        raise intake.UploadError(_("The document to add pages to is no longer there"), "gone")
    combined = intake.combine([intake.Intake(kept, document["media_type"], document["pages"]), accepted])
    new_id = add_upload(token, combined)
    store().uploads.remove(live, document["id"])
    document.update(id=new_id, media_type=combined.media_type, pages=combined.pages,
                    sha256=hashlib.sha256(combined.content).hexdigest(),
                    bytes=document.get("bytes", 0) + size, parts=document.get("parts", 1) + 1)


def add_upload(token: str, accepted: intake.Intake) -> str:
    """Store an uploaded file with the draft this request read, and start laying out a
    PDF's pages in the background. If another tab finished a journey meanwhile, the draft has a
    new token: the file goes with it (this request's session follows the draft when it
    saves, without handing the new token out)."""
    try:
        upload_id = store().uploads.add(token, accepted.content)
    except IntegrityError:  # the draft's row is no longer under this token
        live = store().drafts.live_token(token)
        if live is None or live == token:
            raise
        upload_id = store().uploads.add(live, accepted.content)
    if accepted.media_type == "application/pdf":  # a photo needs none (documents/prelayout.py)
        lay_out_later(upload_id, accepted.content)
    return upload_id


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """More than MAX_UPLOAD_MB sent to an upload page: the body was refused before it was
    read, so which file was too large is unknown here (the page's script names it before
    sending, when scripts run). The member stays on the upload page, told the size sent
    and the limits; nothing from that request was kept."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    sent = request.content_length or 0
    args = request.view_args or {}
    w = registry().get(args.get("journey", ""))
    s = w.step(args.get("step", "")) if w else None
    if (request.endpoint != "wizard.step" or not isinstance(s, UploadStep) or sent <= limit
            or request.mimetype != "multipart/form-data"):
        return http_error(exc)
    state = journey_state(w)
    if state.get("reference") or not w.can_open(s.name, state["answers"]):
        return http_error(exc)
    discard_unread_body(limit)  # else nginx may show its 502 instead of this page
    metrics.upload_refused("request_too_large")
    message = _("What you chose is %(size)s MB: you can upload up to %(max)d MB at once, and "
                "%(each)d MB for each file. Nothing from it was uploaded: choose fewer or smaller "
                "files.", size=f"{sent / 1024 / 1024:.1f}", max=current_app.config["MAX_UPLOAD_MB"],
                each=intake.MAX_BYTES // (1024 * 1024))
    files = s.files(state["answers"])
    return show(w, s, state["answers"], files, [("file", message)], MultiDict(), status=413)


@bp.post("/<journey>/<step>/files/<upload_id>/remove")
def remove_file(journey, step, upload_id):
    w, s, state = open_step(journey, step, UploadStep)
    files = s.files(state["answers"])
    kept = [f for f in files if f["id"] != upload_id]
    if len(kept) != len(files):
        store().uploads.remove(store().drafts.live_token(session.token) or session.token, upload_id)
        gone = next(f for f in files if f["id"] == upload_id)
        budgets.give_back_upload(w, s, state, gone.get("bytes", 0))
        for _page in range(gone.get("parts", 1) - 1):  # its added pages' places
            budgets.give_back_upload(w, s, state, 0)
        state["answers"][s.name] = {"files": kept, "done": False}
        save_state(w, state)
        flash(_("%(file)s removed", file=gone["name"]))
    return redirect(step_url(w, s.name, change=changing()), 303)
