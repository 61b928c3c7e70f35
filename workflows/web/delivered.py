"""How the member sent a finished journey themselves, noted in their history (signed in):
the email link goes through the app (a POST, then on to the mailto: address, so no answer
is in the app's own URL and no JavaScript is needed); "I faxed it" and "I posted it"."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from ..delivery import mailto_href
from .blueprint import bp
from .packets import finished, parts_for
from .finish import submission
from .history import ON_PAPER, delivery_label, note_delivery
from .state import journey_state, wizard_or_404


@bp.post("/<journey>/done/mailto")
def open_mailto(journey):
    """The whole email's mailto: link, or (a hidden `part` number) one part's, as the
    confirmation page shows it for a claim sent in parts."""
    w = wizard_or_404(journey)
    if not w.outputs.email:
        abort(404)
    sub = submission(w)
    number = request.form.get("part", "")
    part = None
    if number:
        parts = parts_for(w, sub)
        if not number.isdigit() or not 1 <= int(number) <= len(parts):
            # A page from before the parts changed (or never were): shown again as it is now.
            return redirect(url_for("wizard.done", journey=w.slug), 303)
        part = parts[int(number) - 1]
    note_delivery(sub["reference"], "mailto")
    copy = journey_state(w).get("copy", True)
    facts = finished(w, sub, content=False)
    letter = (w.outputs.letter(facts, b"", copy_to_member=copy, part=part, files=[]) if part
              else w.outputs.letter(facts, b"", copy_to_member=copy))
    return redirect(mailto_href(letter), 303)


@bp.post("/<journey>/done/delivered")
def delivered(journey):
    w = wizard_or_404(journey)
    sub = submission(w)
    how = request.form.get("how", "")
    if how not in ON_PAPER:
        abort(400)
    note_delivery(sub["reference"], how)
    flash(delivery_label(how))
    return redirect(url_for("wizard.done", journey=w.slug), 303)
