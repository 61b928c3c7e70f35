"""Question pages: the start page, a step's form, and "add another" lists."""
from __future__ import annotations

import re
import uuid

from flask import abort, flash, redirect, render_template, request, url_for

from ..engine import ListStep, Step, UploadStep, Wizard, form_answers
from . import budgets, remembering
from .blueprint import bp
from .state import (after_step, changing, draft_token, formdata, journey_state, open_step, page, save_state,
                    step_url, wizard_or_404)
from .uploads import upload_page


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
    keeper = remembering.keeper(w, s, state)  # a signed-in member's saved profile, if any
    data = formdata(w, state)
    form = s.make_form(answers, formdata=keeper.formdata(data) if keeper else data,
                       prefill=keeper.prefill() if keeper else None)
    if request.method == "GET" and request.args.get("check") == "1" and data is None:
        form.validate()  # sent back from the review: show what no longer passes
    if request.method == "POST" and keeper and (chosen := keeper.chosen(form)) is not None:
        state["answers"] = w.clean({**answers, **chosen})  # a saved entry, chosen as it is
        save_state(w, state)
        return redirect(after_step(w, keeper.last_step(state["answers"]), state["answers"]), 303)
    if request.method == "POST" and form.validate() and (keeper is None or keeper.settled(form)):
        answers[s.name] = s.store(form)
        if keeper:
            answers.update(keeper.rest_of_entry())
        state["answers"] = w.clean(answers)  # answers of steps no longer relevant go now
        if keeper:
            keeper.save()
        save_state(w, state)
        return redirect(after_step(w, s.name, state["answers"]), 303)
    if keeper:
        keeper.hide_secrets(form)
    return page("wizard/step.html", w, s, answers, form, keeper=keeper)


# --- add another ------------------------------------------------------------------------------

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
    # 303 (see the list), whatever the method: a POST that finds the list full, because other
    # requests of this member filled it meanwhile, is told so like the one that fills it last.
    if position is not None and position >= len(items):
        return redirect(step_url(w, s.name), 303)
    if position is None and len(items) >= s.max_items:
        flash(str(s.texts.too_many) % {"max": s.max_items})
        return redirect(step_url(w, s.name), 303)
    form = s.make_item_form(answers, position, formdata=formdata(w, state))
    if request.method == "POST" and form.validate():
        # Each item keeps an id, so two tabs changing the list merge item by item
        # (DraftStore.update) instead of one list replacing the other.
        value = form_answers(form)
        if position is None:
            draft_token()
            if not budgets.take_item(w, s, state):  # the cap holds for requests in parallel too
                flash(str(s.texts.too_many) % {"max": s.max_items})
                return redirect(step_url(w, s.name, change=changing()), 303)
            items.append({**value, "id": uuid.uuid4().hex})
        else:
            items[position] = {**value, "id": items[position].get("id") or uuid.uuid4().hex}
        answers[s.name] = {"items": items, "done": False}
        save_state(w, state)
        flash(str(s.texts.saved) % {"n": len(items) if position is None else position + 1})
        return redirect(step_url(w, s.name, change=changing()), 303)
    return page("wizard/item.html", w, s, answers, form, index=position, count=len(items))


@bp.post("/<journey>/<step>/<int:index>/remove")
def remove_item(journey, step, index):
    w, s, state = open_step(journey, step, ListStep)
    items = s.items(state["answers"])
    if index < len(items):
        del items[index]
        budgets.give_back_item(w, s, state)
        state["answers"][s.name] = {"items": items, "done": False}
        save_state(w, state)
        flash(str(s.texts.removed) % {"n": index + 1})
    return redirect(step_url(w, s.name, change=changing()), 303)
