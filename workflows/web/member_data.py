"""A signed-in member's own data (issue 14.7): "Export" gives a zip of everything kept about
them (a JSON record and the kept PDFs); "Delete everything" removes it all at once, after a
page that asks, and signs them out on every device."""
from __future__ import annotations

import io
import json
import zipfile

from flask import Response, current_app, redirect, render_template, request, session, url_for

from ..engine import ListStep, UploadStep
from ..journeys import registry
from ..store import email_key, token_key
from ..store.session import LINEAGE
from .accounts import abort_unless_signed_in, accounts
from .my_claims import packet_name
from .state import store


def export_record(member, records, drafts: dict) -> dict:
    return {
        "member": {"email": member.data.get("email"), "profile": member.data.get("profile") or {},
                   "settings": member.data.get("settings") or {}},
        "records": [{"reference": r.reference, "journey": r.journey,
                     "finished_at": r.created_at.isoformat() + "Z",
                     "packet_kept_until": r.keep_until.isoformat() + "Z",
                     **r.data} for r in records],
        "drafts": drafts,
    }


def drafts_in_progress() -> dict:
    """The answers of the journeys begun and not finished, from the member's draft."""
    journeys = session.get("journeys") or {}
    return {slug: state.get("answers") or {} for slug, state in journeys.items()
            if slug in registry() and state.get("answers") and not state.get("reference")}


@accounts.get("/my-claims/export")
def export():
    member = abort_unless_signed_in()
    records = store().records.for_member(member.id)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("my-data.json", json.dumps(export_record(member, records, drafts_in_progress()),
                                              ensure_ascii=False, indent=2))
        for record in records:
            pdf = store().records.packet(member.id, record.reference) if record.has_packet else None
            if pdf is not None:
                z.writestr(f"packets/{packet_name(record)}", pdf)
    return Response(out.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="my-data.zip"'})


def counter_keys(member, references: list[str]) -> tuple[str, ...]:
    """The keyed hashes the member's rate-limit and budget counts are kept under (see
    accounts._sign_in_wait, sending.send_wait, budgets, downloads._render_once)."""
    secret, limits = current_app.config["SECRET_KEY"], store().limits
    token = session.token or ""
    key = email_key(secret, member.data.get("email") or "")
    values = [f"sign-in-address:{key}", f"draft:{session.get(LINEAGE) or token_key(token)}",
              f"draft-bytes:{token}", *(f"render:{reference}" for reference in references)]
    for slug, w in registry().items():
        rounds = ((session.get("journeys") or {}).get(slug) or {}).get("round", 0)
        for step in w.steps:
            if isinstance(step, (ListStep, UploadStep)):
                values += [f"slots:{token}:{slug}:{n}:{step.name}" for n in range(rounds + 1)]
    return tuple(limits.hashed(secret, v) for v in values)


@accounts.route("/my-claims/delete", methods=["GET", "POST"])
def delete_everything():
    member = abort_unless_signed_in()
    if request.method == "POST":
        references = store().records.references(member.id)
        erased = store().delete_member(member.id, counter_keys(member, references))
        if erased is not None:
            folder = current_app.extensions["postman"].folder
            folder.remove(erased.references)
            for name in erased.written:
                folder.discard(name)
        session.delete()  # every session of the member went with the rows: signed out everywhere
        return redirect(url_for("accounts.everything_deleted"), 303)
    return render_template("accounts/delete_everything.html",
                           count=len(store().records.references(member.id)))


@accounts.get("/my-claims/deleted")
def everything_deleted():
    return render_template("accounts/everything_deleted.html")
