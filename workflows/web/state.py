"""A journey's state in the member's draft, and where each page leads."""
from __future__ import annotations

import copy

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from ..administrators import Administrator
from ..engine import ListStep, Step, UploadStep, Wizard
from ..journeys import registry
from ..store import Store


def store() -> Store:
    return current_app.extensions["store"]


def administrator() -> Administrator:
    return current_app.extensions["administrator"]


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
        session.create(store().drafts)
    return session.token


def wizard_or_404(slug: str) -> Wizard:
    w = registry().get(slug)
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
    w = registry().get(args.get("journey", ""))
    fields = [[k, v] for k, v in request.form.items(multi=True) if k not in ("csrf_token", "finish_proof")]
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


def earlier_journeys() -> list[dict]:
    """The signed-in member's finished journeys (each its record's data, with "reference"),
    newest first, read once per request: what the journeys' history cautions compare with."""
    if "earlier_journeys" not in g:
        g.earlier_journeys = [{**record.data, "reference": record.reference}
                              for record in store().records.for_member(session.member)]
    return g.earlier_journeys


def cautions_for(w: Wizard, answers: dict, step: str | None = None) -> list:
    """The journey's cautions: all of them (the check page), or those shown on `step`'s page;
    for a signed-in member, also those the history gives (the same receipt claimed before)."""
    clean = w.clean(answers)
    found = w.cautions(clean) if w.cautions else []
    # Only the list and upload pages (and the check page) show cautions: a question page
    # does not read the member's records for them.
    shows = step is None or isinstance(w.step(step), (ListStep, UploadStep))
    if w.history_cautions is not None and shows and getattr(session, "member", None):
        found = found + w.history_cautions(clean, earlier_journeys)
    return found if step is None else [c for c in found if c.on_step and c.step == step]


def page(template: str, w: Wizard, step, answers: dict, form=None, **context):
    return render_template(template, wizard=w, step=step, form=form, answers=answers,
                           progress=w.progress(step.name, answers),
                           back=back_url(w, step.name, answers), change=changing(),
                           notices=notices_for(w, answers),
                           cautions=cautions_for(w, answers, step.name), **context)
