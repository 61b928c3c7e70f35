"""The "Your saved details" page: what a signed-in member asked to keep for the next claim
(engine/saved.py), each item with its own "Remove" button. Account numbers show their last
4 characters only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..engine import saved
from ..engine.i18n import gettext as _
from .accounts import abort_unless_signed_in, accounts
from .state import store


@accounts.get("/saved-details")
def saved_details():
    member = abort_unless_signed_in()
    profile = member.data.get("profile") or {}
    items = []
    for item in saved.ITEMS:
        found = profile.get(item)
        if not found:
            continue
        if item in saved.LISTS:
            entries = [(e["id"], saved.describe(item, e)) for e in found]
        elif item == "details":
            entries = [("", ", ".join(f"{label}: {value}" for label, value in saved.detail_rows(found)))]
        else:
            entries = [("", saved.describe(item, found))]
        items.append((item, saved.TITLES[item], entries))
    return render_template("accounts/saved_details.html", items=items)


@accounts.post("/saved-details/remove")
def remove_saved():
    member = abort_unless_signed_in()
    item, entry_id = request.form.get("item", ""), request.form.get("entry") or None
    if item not in saved.ITEMS:
        abort(400)
    fresh = store().members.get(member.id) or member  # another page may have saved meanwhile
    if saved.remove(fresh.data.setdefault("profile", {}), item, entry_id):
        store().members.save_data(member.id, fresh.data)
        flash(_("Removed from your saved details."))
    return redirect(url_for("accounts.saved_details"), 303)
