"""Check your answers, finish (one submission however often it is sent), start again."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from ..engine import Wizard, form_answers
from ..engine.i18n import gettext as _
from ..journeys import registry
from ..store.adoption import SEED
from . import remembering
from .blueprint import bp
from .history import record_finished
from .state import (cautions_for, draft_token, formdata, journey_state, notices_for, save_state, step_url,
                    store, wizard_or_404)


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
            answers["declaration"] = form_answers(declaration)
        state["reference"] = finish(w, state, answers)
        record_finished(w, state["reference"], answers)  # signed in: kept in "My claims"
        save_state(w, state)
        return redirect(url_for("wizard.done", journey=w.slug), 303)
    last = w.relevant_steps(answers)[-1]
    return render_template("wizard/review.html", wizard=w, sections=remembering.mask_rows(w.review(answers)),
                           proof=(PROOF, secrets.token_urlsafe(24)),
                           back=step_url(w, last.name), answers=answers, form=declaration,
                           has_errors=bool(declaration and declaration.errors),
                           progress=w.progress("check", answers), notices=notices_for(w, answers),
                           cautions=cautions_for(w, answers), links=True)


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
    first stores it and the others find it. A clash with another draft's reference moves on.

    The draft is then saved under a new token (DraftSession.rotate_on_save): a token planted
    in the member's browser earlier reads nothing of the finished journey, nor of what the
    member does next. The form's one-time proof lets the same form, sent twice, find it."""
    token = draft_token()  # the token this request read the draft under
    submissions = store().submissions
    # A member's draft token outlives the draft (deleted, purged, made again at sign-in): the
    # seed adoption gives each new draft keeps its references apart from the earlier ones.
    seed = f"{token}|{session[SEED]}" if session.get(SEED) else token
    for attempt in range(5):
        reference = new_reference(w.reference_prefix, f"{seed}|{w.slug}|{state.get('round', 0)}|{attempt}")
        holder = token
        if store().records.taken(reference) and submissions.get(holder, w.slug, reference) is None:
            continue  # an earlier claim's reference (its submission gone): never given twice
        if not submissions.add(holder, w.slug, reference, answers) and \
                submissions.get(holder, w.slug, reference) is None:
            # Taken by another draft, or this draft was moved by a finish in another tab
            # meanwhile: then the submission goes (or went) where the draft is now.
            holder = store().drafts.live_token(token)
            if holder in (None, token) or not (submissions.add(holder, w.slug, reference, answers)
                                               or submissions.get(holder, w.slug, reference)):
                continue
        session.rotate_on_save(request.form.get(PROOF, ""))
        return reference
    raise RuntimeError("no free reference")


# The review form's one-time proof: random for each page shown, known only to the browser it
# was shown in. The finishing request leaves its hash with the rotated draft, so that the same
# form sent again (a double click whose first answer the browser dropped, a resubmission) gets
# the new token, and a planted copy of the old token, which never saw that page, does not.
PROOF = "finish_proof"


def resume_finished():
    """Before every request (and the CSRF check): a finishing form sent again with the old
    token, after its first sending moved the draft, is sent on to the confirmation page. The
    very form that finished (its proof) gets the new token with it; anything else gets no
    token, and the old one opens nothing there."""
    if (request.method != "POST" or request.endpoint != "wizard.review" or session.token is not None
            or getattr(session, "unavailable", False)):
        return None
    old = request.cookies.get(current_app.config["SESSION_COOKIE_NAME"], "")
    journey = (request.view_args or {}).get("journey")
    if not old or len(old) >= 100 or journey not in registry():
        return None
    moved = store().drafts.moved_by(old)
    if moved is None:
        return None  # unknown or expired: the CSRF check says so
    new, stored = moved
    proof = request.form.get(PROOF, "")
    if proof and hmac.compare_digest(stored, hashlib.sha256(proof.encode()).hexdigest()):
        session.adopt(new)
    else:  # a copy without the page's proof: after the finishing answer, and no token
        store().drafts.wait_until_settled(new)
    return redirect(url_for("wizard.done", journey=journey), 303)


def submission(w: Wizard) -> dict:
    state = journey_state(w)
    reference = state.get("reference")
    found = store().submissions.get(session.token, w.slug, reference) if reference and session.token else None
    if found is None:
        abort(404)
    return found


@bp.post("/<journey>/new")
def start_again(journey):
    """Start the journey again (a claim for another patient, say), keeping what the journey
    carries over (Wizard.kept_for_next): the member's own details, and bank details the member
    asked to keep. They stay in the draft, server-side, and go with it."""
    w = wizard_or_404(journey)
    state = journey_state(w)
    first = w.steps[0].name
    kept = w.kept_for_next(w.clean(state["answers"]))
    # The saved entries in use (a remembered account) stay chosen for the answers kept.
    chosen = {decl.item: entry for decl in w.remembers
              if (entry := (state.get(remembering.REMEMBERED) or {}).get(decl.item))
              and any(step in kept for step in decl.steps)}
    again = {"answers": kept, "round": state.get("round", 0) + (1 if state.get("reference") else 0)}
    if chosen:
        again[remembering.REMEMBERED] = chosen
    save_state(w, again)
    return redirect(step_url(w, first), 303)
