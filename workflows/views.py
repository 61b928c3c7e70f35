"""HTTP for every journey: one set of URL rules runs whatever the wizards declare."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import math
import re
import unicodedata
import uuid

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, session, url_for)
from flask_babel import gettext as _, ngettext
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from . import covers, documents, engine, uploads
from .delivery import ONLY_THE_COPY_SENT, eml_bytes, mailto_href
from .documents import Attachment
from .engine import ListStep, Step, UploadStep, Wizard
from .fields import current_language
from .journeys import JOURNEYS
from .language import COOKIE as LANGUAGE_COOKIE, LANGUAGES
from .plan import CIGNA

bp = Blueprint("wizard", __name__)


# --- draft state ------------------------------------------------------------------------------

def store():
    return current_app.extensions["drafts"]


def journey_state(w: Wizard) -> dict:
    """A private copy of the journey's draft state: changes reach the draft only through
    save_state(), which can then tell whether anything changed."""
    return copy.deepcopy((session.get("journeys") or {}).get(w.slug) or {"answers": {}})


def save_state(w: Wizard, state: dict) -> None:
    journeys = dict(session.get("journeys") or {})
    if journeys.get(w.slug) == state:
        return  # unchanged: no re-encryption, no write
    journeys[w.slug] = state
    session["journeys"] = journeys


def draft_token() -> str:
    """The draft's token, creating and saving the draft now if it is new (uploads need it)."""
    if session.token is None:
        session["created"] = True
        session.create(store())
    return session.token


def wizard_or_404(slug: str) -> Wizard:
    w = JOURNEYS.get(slug)
    if w is None:
        abort(404)
    return w


def step_url(w: Wizard, name: str, change: bool = False, **kw) -> str:
    return url_for("wizard.step", journey=w.slug, step=name, change=1 if change else None, **kw)


def changing() -> bool:
    return request.args.get("change") == "1"


def after_step(w: Wizard, name: str, answers: dict) -> str:
    """Where a completed step leads: on, or back to the review when changing an answer
    (unless the change opened a step that still needs an answer)."""
    if changing():
        pending = w.first_unfinished(answers)
        return step_url(w, pending.name, change=True) if pending else url_for("wizard.review", journey=w.slug)
    following = w.next_step(name, answers)
    return step_url(w, following.name) if following else url_for("wizard.review", journey=w.slug)


def back_url(w: Wizard, name: str, answers: dict) -> str:
    if changing():
        return url_for("wizard.review", journey=w.slug)
    previous = w.previous_step(name, answers)
    return step_url(w, previous.name) if previous else url_for("wizard.start", journey=w.slug)


def open_step(journey: str, name: str, kind: type) -> tuple[Wizard, Step, dict]:
    """The wizard, step and draft state for a step URL. Unknown steps are a 404; a finished
    journey shows its confirmation; a step opened out of order redirects to the first
    unfinished one (or to the review when nothing is left)."""
    w = wizard_or_404(journey)
    s = w.step(name)
    if not isinstance(s, kind):
        abort(404)
    state = journey_state(w)
    if state.get("reference"):
        abort(redirect(url_for("wizard.done", journey=w.slug)))
    if not w.can_open(name, state["answers"]):
        pending = w.first_unfinished(state["answers"])
        abort(redirect(step_url(w, pending.name) if pending else url_for("wizard.review", journey=w.slug)))
    return w, s, state


# What the member had typed on a page, kept across a language switch (which is a POST of the
# page's own form to /language): shown once on that page, in the new language, unchecked.
TYPED = "typed"
_KEEPS_TYPED = {"wizard.step", "wizard.item", "wizard.review"}


def keep_typed(path: str) -> None:
    try:
        endpoint, args = current_app.url_map.bind_to_environ(request.environ).match(path, "GET")
    except HTTPException:
        return
    w = JOURNEYS.get(args.get("journey", ""))
    fields = [[k, v] for k, v in request.form.items(multi=True) if k != "csrf_token"]
    if endpoint in _KEEPS_TYPED and w is not None and fields:
        state = journey_state(w)
        state[TYPED] = {"path": path, "fields": fields}
        save_state(w, state)


def typed(w: Wizard, state: dict) -> MultiDict | None:
    """This page's typed values kept by keep_typed, once; a leftover for another page goes."""
    kept = state.pop(TYPED, None)
    if kept is None:
        return None
    save_state(w, state)
    return MultiDict(kept["fields"]) if kept["path"] == request.path else None


def formdata(w: Wizard, state: dict) -> MultiDict | None:
    """What a page's form shows: what was posted, or what was typed before a language switch."""
    return request.form if request.method == "POST" else typed(w, state)


def notices_for(w: Wizard, answers: dict) -> list[str]:
    return w.notices(w.clean(answers)) if w.notices else []


def page(template: str, w: Wizard, step, answers: dict, form=None, **context):
    return render_template(template, wizard=w, step=step, form=form, answers=answers,
                           progress=w.progress(step.name, answers),
                           back=back_url(w, step.name, answers), change=changing(),
                           notices=notices_for(w, answers), **context)


# --- pages ------------------------------------------------------------------------------------

@bp.get("/")
def index():
    return render_template("pages/index.html")


@bp.get("/contact")
def contact():
    return render_template("pages/contact.html")


@bp.get("/<journey>/")
def start(journey):
    w = wizard_or_404(journey)
    state = journey_state(w)
    pending = w.first_unfinished(state["answers"])
    return render_template("wizard/start.html", wizard=w, state=state,
                           first=w.relevant_steps({})[0], resume=pending if state["answers"] else None)


@bp.route("/<journey>/<step>", methods=["GET", "POST"])
def step(journey, step):
    w, s, state = open_step(journey, step, Step)
    if isinstance(s, ListStep):
        return list_page(w, s, state)
    if isinstance(s, UploadStep):
        return upload_page(w, s, state)
    answers = state["answers"]
    form = s.make_form(answers, formdata=(data := formdata(w, state)))
    if request.method == "GET" and request.args.get("check") == "1" and data is None:
        form.validate()  # sent back from the review: show what no longer passes
    if request.method == "POST" and form.validate():
        answers[s.name] = s.store(form)
        state["answers"] = w.clean(answers)  # answers of steps no longer relevant go now
        save_state(w, state)
        return redirect(after_step(w, s.name, state["answers"]), 303)
    return page("wizard/step.html", w, s, answers, form)


# --- add another --------------------------------------------------------------------------------

def list_page(w: Wizard, s: ListStep, state: dict):
    answers = state["answers"]
    items = s.items(answers)
    error = None
    if request.method == "POST":
        if len(items) >= s.min_items:
            answers[s.name] = {"items": items, "done": True}
            save_state(w, state)
            return redirect(after_step(w, s.name, answers), 303)
        error = str(s.texts.at_least)
    elif not items:
        return redirect(url_for("wizard.item", journey=w.slug, step=s.name, index="new",
                                change=1 if changing() else None))
    return page("wizard/list.html", w, s, answers, items=items, error=error)


@bp.route("/<journey>/<step>/<index>", methods=["GET", "POST"])
def item(journey, step, index):
    if not (index == "new" or re.fullmatch(r"[0-9]{1,4}", index)):
        abort(404)
    w, s, state = open_step(journey, step, ListStep)
    answers = state["answers"]
    items = s.items(answers)
    position = None if index == "new" else int(index)
    if position is not None and position >= len(items):
        return redirect(step_url(w, s.name))
    if position is None and len(items) >= s.max_items:
        flash(str(s.texts.too_many) % {"max": s.max_items})
        return redirect(step_url(w, s.name))
    form = s.make_item_form(answers, position, formdata=formdata(w, state))
    if request.method == "POST" and form.validate():
        # Each item keeps an id, so two tabs changing the list merge item by item
        # (DraftStore.update) instead of one list replacing the other.
        value = engine.form_answers(form)
        if position is None:
            items.append({**value, "id": uuid.uuid4().hex})
        else:
            items[position] = {**value, "id": items[position].get("id") or uuid.uuid4().hex}
        answers[s.name] = {"items": items, "done": False}
        save_state(w, state)
        return redirect(step_url(w, s.name, change=changing()), 303)
    return page("wizard/item.html", w, s, answers, form, index=position, count=len(items))


@bp.post("/<journey>/<step>/<int:index>/remove")
def remove_item(journey, step, index):
    w, s, state = open_step(journey, step, ListStep)
    items = s.items(state["answers"])
    if index < len(items):
        del items[index]
        state["answers"][s.name] = {"items": items, "done": False}
        save_state(w, state)
        flash(str(s.texts.removed) % {"n": index + 1})
    return redirect(step_url(w, s.name, change=changing()), 303)


# --- uploads ------------------------------------------------------------------------------------

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
                name = uploads.display_name(upload.filename)
                try:
                    intake = uploads.accept(upload.read(uploads.MAX_BYTES + 1))
                except uploads.UploadError as exc:
                    errors.append(("file", _("%(file)s: %(problem)s", file=name, problem=exc)))
                    continue
                upload_id = store().add_upload(token, intake.content)
                files.append({"id": upload_id, "name": name, "kind": kind, "kind_label": kinds[kind],
                              "media_type": intake.media_type, "pages": intake.pages})
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


@bp.post("/<journey>/<step>/files/<upload_id>/remove")
def remove_file(journey, step, upload_id):
    w, s, state = open_step(journey, step, UploadStep)
    files = s.files(state["answers"])
    kept = [f for f in files if f["id"] != upload_id]
    if len(kept) != len(files):
        store().remove_upload(session.token, upload_id)
        state["answers"][s.name] = {"files": kept, "done": False}
        save_state(w, state)
        flash(_("%(file)s removed", file=next(f["name"] for f in files if f["id"] == upload_id)))
    return redirect(step_url(w, s.name, change=changing()), 303)


# --- check answers, finish, outputs --------------------------------------------------------------

@bp.route("/<journey>/check", methods=["GET", "POST"])
def review(journey):
    w = wizard_or_404(journey)
    state = journey_state(w)
    if state.get("reference"):
        return redirect(url_for("wizard.done", journey=w.slug))
    answers = w.clean(state["answers"])
    pending = w.first_unfinished(answers)
    if pending is not None:
        return redirect(step_url(w, pending.name))
    declaration = w.declaration(formdata=formdata(w, state)) if w.declaration else None
    if declaration is not None:
        declaration.answers = answers
    if request.method == "POST" and (invalid := w.first_invalid(answers)) is not None:
        flash(_("Please check this answer again before finishing"))
        return redirect(step_url(w, invalid.name, change=True, check=1), 303)
    if request.method == "POST" and (declaration is None or declaration.validate()):
        if declaration is not None:
            answers["declaration"] = engine.form_answers(declaration)
        state["reference"] = finish(w, state, answers)
        save_state(w, state)
        return redirect(url_for("wizard.done", journey=w.slug), 303)
    last = w.relevant_steps(answers)[-1]
    return render_template("wizard/review.html", wizard=w, sections=w.review(answers),
                           back=step_url(w, last.name), answers=answers, form=declaration,
                           has_errors=bool(declaration and declaration.errors),
                           progress=w.progress("check", answers), notices=notices_for(w, answers))


def new_reference(prefix: str, seed: str) -> str:
    """A reference derived from `seed` with the app's secret: unguessable from outside, and
    the same for every request that finishes the same journey of the same draft."""
    # Crockford-style alphabet: no I, L, O or U to misread over the phone.
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    key = current_app.secret_key
    digest = hmac.new(key.encode() if isinstance(key, str) else key, seed.encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:5], "big")
    code = "".join(alphabet[(number >> (5 * i)) & 31] for i in range(8))
    return f"{prefix}-{code[:4]}-{code[4:]}"


def finish(w: Wizard, state: dict, answers: dict) -> str:
    """Store the submission; return its reference. A double click, a replay or a second tab
    finishing the same draft at the same moment all derive the same reference (from the draft,
    the journey and how many times it was started again), so they make one submission: the
    first stores it and the others find it. A clash with another draft's reference moves on."""
    token = draft_token()
    for attempt in range(5):
        reference = new_reference(w.reference_prefix, f"{token}|{w.slug}|{state.get('round', 0)}|{attempt}")
        if (store().add_submission(token, w.slug, reference, answers)
                or store().get_submission(token, w.slug, reference) is not None):
            return reference
    raise RuntimeError("no free reference")


def submission(w: Wizard) -> dict:
    state = journey_state(w)
    reference = state.get("reference")
    found = store().get_submission(session.token, w.slug, reference) if reference and session.token else None
    if found is None:
        abort(404)
    return found


def attachments(w: Wizard, answers: dict, content: bool = True) -> list[Attachment]:
    """The journey's uploaded documents, with their bytes unless only the list is needed."""
    step = w.step(w.outputs.upload_step) if w.outputs.upload_step else None
    found = []
    for meta in step.files(answers) if step else []:
        data = store().get_upload(session.token, meta["id"]) if content else b""
        if data is not None:
            found.append(Attachment(meta["id"], meta["name"], meta["kind_label"], meta["media_type"],
                                    meta["pages"], data))
    return found


def packet_for(w: Wizard, sub: dict) -> bytes:
    """The submission's PDF, rendered on first use and kept (encrypted) from then on: only
    that first render needs the uploads' bytes."""
    packet = store().packet(sub["reference"])
    if packet is None:
        rendered = w.outputs.packet(sub["answers"], sub["reference"], attachments(w, sub["answers"]))
        packet = store().keep_packet(sub["reference"], rendered)
    return packet


def email_files(w: Wizard, answers: dict) -> list[Attachment]:
    """The uploads as the email needs them: with their bytes only when they travel as files
    of their own (otherwise they are inside the packet, and the email only names them)."""
    return attachments(w, answers, content=w.outputs.attach_uploads)


@bp.get("/<journey>/done")
def done(journey):
    w = wizard_or_404(journey)
    sub = submission(w)
    answers, reference = sub["answers"], sub["reference"]
    # Whether the member asked for a copy when sending (a copy by default before that).
    copy = journey_state(w).get("copy", True)
    letter = (w.outputs.letter(answers, reference, attachments(w, answers, content=False), b"",
                               copy_to_member=copy)
              if w.outputs.recipients else None)
    outcome = current_app.extensions["postman"].status(reference, "send")
    return render_template("wizard/done.html", wizard=w, reference=reference, answers=answers,
                           mailto=mailto_href(letter) if letter else "", letter=letter, outcome=outcome,
                           papers=covers.PAPERS,
                           outputs=w.outputs, notices=notices_for(w, answers))


@bp.get("/<journey>/done/<kind>")
def download(journey, kind):
    w = wizard_or_404(journey)
    sub = submission(w)
    answers, reference, outputs = sub["answers"], sub["reference"], w.outputs
    if kind in ("fax.pdf", "post.pdf") and outputs.sender:
        files = attachments(w, answers)
        paper_packet = outputs.packet(answers, reference, files, for_paper=True)
        sender, subject = outputs.sender(answers), outputs.cover_subject(answers)
        if kind == "fax.pdf":
            paper = request.args.get("paper") if request.args.get("paper") in covers.PAPERS else "A4"
            body = covers.fax_ready(paper_packet, sender, subject, paper, reference=reference)
        else:
            enclosures = outputs.enclosures(documents.page_count(paper_packet), files)
            body = covers.post_ready(paper_packet, sender, subject, enclosures, reference=reference)
        name = outputs.filename(reference, "pdf", variant=kind.split(".")[0])
        return Response(body, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if kind == "packet.pdf":
        body, media_type, name = packet_for(w, sub), "application/pdf", outputs.filename(reference, "pdf")
    elif kind == "message.eml" and outputs.recipients:
        letter = outputs.letter(answers, reference, email_files(w, answers), packet_for(w, sub),
                                copy_to_member=False)
        body = eml_bytes(letter, sender=outputs.member_email(answers))
        media_type, name = "message/rfc822", outputs.filename(reference, "eml")
    else:
        abort(404)
    return Response(body, mimetype=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/<journey>/done/send")
def send(journey):
    w = wizard_or_404(journey)
    if not w.outputs.recipients:
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
                    minutes, item=w.outputs.item_name),
                retry=url_for("wizard.done", journey=w.slug)), 429, {"Retry-After": str(wait)}
    if previous is not None and previous.status == "failed":
        store().forget_failed(sub["reference"], "send")  # the member asked to try again
        previous = None
    if previous is None:
        copy = request.form.get("copy") == "yes"
        state = journey_state(w)
        state["copy"] = copy  # the confirmation page says whether a copy went
        save_state(w, state)
        letter = w.outputs.letter(sub["answers"], sub["reference"], email_files(w, sub["answers"]),
                                  packet_for(w, sub), copy_to_member=copy)
        previous = postman.send(sub["reference"], "send", letter)
        if not previous.status.startswith("already-"):
            previous = None  # this request sent it (or queued it): the page says how it went
    if previous is not None:  # a replay, a double click or another tab
        flash(_("This %(item)s is already queued to be sent: it was not queued again",
                item=w.outputs.item_name) if previous.status == "queued" else
              _("This %(item)s was already sent: it was not sent again", item=w.outputs.item_name))
    return redirect(url_for("wizard.done", journey=w.slug) + "#send", 303)


def send_wait() -> int | None:
    """Count one send for this draft and this client address; the seconds to wait if either
    is over its limit. The counts live in the database, so every app process shares them."""
    config, drafts = current_app.config, store()
    window = dt.timedelta(seconds=config["SEND_LIMIT_WINDOW_SECONDS"])
    wait = None
    for kind, value, limit in (("draft", session.token or "", config["SEND_LIMIT_PER_DRAFT"]),
                               ("address", request.remote_addr or "", config["SEND_LIMIT_PER_ADDRESS"])):
        if limit > 0:
            count, ends = drafts.count_hit(drafts.hashed(config["SECRET_KEY"], f"{kind}:{value}"), window)
            if count > limit:
                wait = max(wait or 0, math.ceil((ends - drafts.clock()).total_seconds()))
    return wait


@bp.post("/<journey>/new")
def start_again(journey):
    """Start the journey again (a claim for another patient, say), keeping the first step:
    the member's or writer's own details."""
    w = wizard_or_404(journey)
    state = journey_state(w)
    first = w.steps[0].name
    kept = {first: state["answers"][first]} if first in state["answers"] else {}
    save_state(w, {"answers": kept, "round": state.get("round", 0) + (1 if state.get("reference") else 0)})
    return redirect(step_url(w, first), 303)


# --- language -----------------------------------------------------------------------------------

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


# --- delete my answers --------------------------------------------------------------------------

@bp.route("/delete", methods=["GET", "POST"])
def delete():
    if request.method == "POST":
        if session.token:
            current_app.extensions["postman"].remove_files(store().delete(session.token))
        session.delete()
        return redirect(url_for("wizard.deleted"), 303)
    return render_template("pages/delete.html", has_draft=session.token is not None)


@bp.get("/deleted")
def deleted():
    return render_template("pages/deleted.html")


# --- errors -------------------------------------------------------------------------------------

@bp.app_errorhandler(CSRFError)
def csrf_error(exc):
    if session.token is None:
        # No live draft behind this form, so nothing was kept: say which case it is.
        journey = (request.view_args or {}).get("journey")
        start = url_for("wizard.start", journey=journey) if journey in JOURNEYS else url_for("wizard.index")
        if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
            hours = "{:g}".format(current_app.config["DRAFT_LIFETIME_HOURS"])
            return render_template(
                "pages/error.html", title=_("Your answers have expired"),
                message=_("For your privacy, answers are deleted %(hours)s hours after the last "
                          "change. Nothing was saved from this page.", hours=hours),
                start=start), 400
        return render_template(
            "pages/error.html", title=_("Please allow cookies"),
            message=_("This service keeps your answers between pages with a cookie, and your "
                      "browser did not send it. Allow cookies for this site, then start again. "
                      "Nothing was saved from this page."),
            start=start), 400
    return render_template("pages/error.html", title=_("Please try again"),
                           message=_("This page was open for too long or was sent twice, so "
                                     "nothing was saved from it. Your earlier answers are kept."),
                           retry=request.path if request.method == "POST" else None), 400


@bp.app_errorhandler(HTTPException)
def http_error(exc):
    if exc.code == 503:
        return database_unavailable_page()
    titles = {404: _("Page not found"), 405: _("Page not found"),
              413: _("The file is too large"),
              429: _("Too many requests")}
    messages = {413: _("Files must be smaller than 10 MB each, and %(total)d MB together. Your "
                       "answers are kept: go back and choose a smaller file.",
                       total=current_app.config["MAX_UPLOAD_MB"])}
    title = titles.get(exc.code, _("Sorry, there is a problem"))
    headers = {k: v for k, v in exc.get_headers() if k == "Retry-After"}
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if exc.code == 413 and not (request.mimetype == "multipart/form-data"
                                and (request.content_length or limit + 1) > limit):
        # Not a file over the limit but a form flooded with fields or text.
        title = _("The form is too large")
        messages[413] = _("This page sent far more than the form asks for, so nothing was saved "
                          "from it. Your earlier answers are kept: go back and try again.")
    return render_template("pages/error.html", title=title,
                           message=messages.get(exc.code, "")), exc.code, headers


# --- the database locked or down ---------------------------------------------------------------

def retry_url() -> str:
    """Where "go back to the page" leads after a failed request: the page itself when it can
    be opened, else the page its form was on."""
    rule, args = request.url_rule, request.view_args or {}
    if rule is not None and "GET" in rule.methods and request.endpoint != "wizard.delete":
        return request.full_path.rstrip("?")
    journey = args.get("journey")
    if journey in JOURNEYS and request.endpoint in ("wizard.send", "wizard.start_again"):
        return url_for("wizard.done", journey=journey)
    if journey in JOURNEYS and "step" in args:
        return url_for("wizard.step", journey=journey, step=args["step"])
    return url_for("wizard.index")


def database_unavailable_page():
    if request.method == "POST":
        title = _("Not saved: please try again in a minute")
        message = _("The service could not reach its database, so what you sent from this page "
                    "was not saved and nothing was sent. Your earlier answers are kept. Wait a "
                    "minute, then go back to the page and send it again.")
    else:
        title = _("Sorry, the service is not available right now")
        message = _("The service could not reach its database. Your answers are kept. "
                    "Try again in a minute.")
    return (render_template("pages/error.html", title=title, message=message, retry=retry_url()),
            503, {"Retry-After": "30"})


def refuse_when_database_unavailable():
    """Runs before every request (and before the CSRF check): a draft that could not be
    read is answered with 503, not with an empty journey or a CSRF failure."""
    if getattr(session, "unavailable", False) and request.endpoint != "static":
        return database_unavailable_page()


def database_unavailable_response(response: Response) -> None:
    """The draft could not be saved after the page was handled: turn the response, whatever
    it was (usually a redirect to the next step), into the 503 page, in place."""
    body, status, headers = database_unavailable_page()
    response.status_code = status
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    for name in ("Location", "Content-Disposition", "Set-Cookie"):
        response.headers.pop(name, None)
    response.headers.update(headers)
    response.headers["Cache-Control"] = "no-store"


@bp.app_errorhandler(SQLAlchemyError)
def database_error(exc):
    current_app.logger.warning("database unavailable (%s) on %s %s", type(exc).__name__,
                               request.method, request.url_rule)
    if hasattr(session, "unavailable"):
        session.unavailable = True  # nothing more is written for this request
    return database_unavailable_page()


@bp.app_errorhandler(Exception)
def server_error(exc):
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise exc  # development and tests: show the real error
    current_app.logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url_rule)
    return render_template("pages/error.html", title=_("Sorry, there is a problem with the service"),
                           message=_("Your answers are kept. Try again later.")), 500


@bp.after_app_request
def security_headers(response: Response):
    h = response.headers
    h.setdefault("Content-Security-Policy",
                 "default-src 'self'; object-src 'none'; base-uri 'none'; "
                 "form-action 'self'; frame-ancestors 'none'")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "no-referrer")
    h.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html" or "attachment" in h.get("Content-Disposition", ""):
        h["Cache-Control"] = "no-store"
    return response


# --- template helpers ---------------------------------------------------------------------------

def install_filters(app):
    app.jinja_env.filters.update(date=engine.format_date, money=engine.format_money,
                                 display=engine.display, sheet=sheet_markup,
                                 select_options=select_options)
    app.jinja_env.globals.update(outcome_reason=outcome_reason, ONLY_THE_COPY_SENT=ONLY_THE_COPY_SENT)


_options_cache: dict[tuple, tuple[list, list, dict]] = {}


def _collation_key(label: str) -> str:
    """Alphabetical order as readers expect it: accents and case do not count."""
    return "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c)).casefold()


def select_options(field) -> Markup:
    """A select's <option>s. Country and currency lists are long and never change, so their
    escaped HTML is built once per list and language; only the selected option differs per
    request. (WTForms copies the list into every form, but the choices in it stay the same
    objects.) Other languages sort by the translated names; the first option is the prompt."""
    choices = field.choices
    language = current_language()
    key = (language, len(choices), *(id(c) for c in choices[:1] + choices[-1:]))
    cached = _options_cache.get(key)
    if cached is None:
        labelled = [(c.value, str(c.label)) for c in choices]
        if language != "en":
            labelled[1:] = sorted(labelled[1:], key=lambda c: _collation_key(c[1]))
        parts = [f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in labelled]
        # The list is kept with its HTML so its choices stay alive and their ids stay theirs.
        cached = _options_cache[key] = (list(choices), parts, {v: i for i, (v, _label) in enumerate(labelled)})
    _choices, parts, index = cached
    chosen = index.get(field.data)
    if chosen is not None:
        parts = list(parts)
        parts[chosen] = parts[chosen].replace('">', '" selected>', 1)
    return Markup("".join(parts))


_REASON = re.compile(r"(?P<reason>.*?)(?P<code> \([\w.]+\))?")


def outcome_reason(detail: str, capital: bool = True) -> str:
    """Why a send did not go through, in the page's language: the outbox keeps the English
    reason (from delivery.py), with an SMTP code or error name in brackets after it."""
    found = _REASON.fullmatch(detail or "")
    text = (_(found["reason"], administrator=CIGNA.name) + (found["code"] or "")
            if found["reason"] else "")
    return text[:1].upper() + text[1:] if capital else text


_AUTOLINK = re.compile(r"&lt;(https?://[^&\s]+)&gt;")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def sheet_markup(text: str) -> Markup:
    """The contact sheet's two bits of markup (<url> and **bold**), as HTML, after escaping."""
    html = str(escape(text))
    html = _AUTOLINK.sub(r'<a href="\1">\1</a>', html)
    return Markup(_BOLD.sub(r"<strong>\1</strong>", html))
