""""My claims": a signed-in member's finished journeys, newest first, each with a page of its
own where the member records the administrator's answer and how they sent it. Every URL
names a reference; a reference that is not the member's own is a 404 like an unknown one
(store.records reads only the member's rows)."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for

from ..engine.i18n import gettext as _
from ..journeys import registry
from ..store import Record
from .accounts import abort_unless_signed_in, accounts
from .answer_form import form_for, status_label
from .claim_totals import per_patient, per_year
from .history import ON_PAPER, add_delivery, delivery_label
from .state import store


def journey_title(record: Record) -> str:
    """The journey's own title in the page's language; its kept English title when the
    journey is no longer offered."""
    w = registry().get(record.journey)
    return str(w.title) if w is not None else record.data.get("title", "")


def packet_name(record: Record) -> str:
    w = registry().get(record.journey)
    return w.outputs.filename(record.reference, "pdf") if w is not None else f"{record.reference}.pdf"


def own_record(reference: str) -> tuple[str, Record]:
    member = abort_unless_signed_in()
    record = store().records.get(member.id, reference) if len(reference) <= 32 else None
    if record is None:
        abort(404)
    return member.id, record


def page_context() -> dict:
    return {"journey_title": journey_title, "status_label": status_label,
            "delivery_label": delivery_label}


@accounts.get("/my-claims")
def my_claims():
    member = abort_unless_signed_in()
    records = store().records.for_member(member.id)
    return render_template("accounts/my_claims.html", member=member, records=records,
                           per_year=per_year(records), per_patient=per_patient(records), **page_context())


@accounts.route("/my-claims/<reference>", methods=["GET", "POST"])
def record_page(reference):
    member_id, record = own_record(reference)
    form = form_for(record.data.get("answer"), request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        answer = form.answer()

        def save(data: dict) -> dict:
            data["answer"] = answer
            return data
        store().records.change(member_id, reference, save)
        flash(_("Their answer is recorded."))
        return redirect(url_for("accounts.record_page", reference=reference), 303)
    return render_template("accounts/record.html", record=record, form=form, has_errors=bool(form.errors),
                           **page_context())


@accounts.get("/my-claims/<reference>/packet.pdf")
def record_packet(reference):
    member_id, record = own_record(reference)
    pdf = store().records.packet(member_id, reference)
    if pdf is None:
        abort(404)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{packet_name(record)}"'})


@accounts.post("/my-claims/<reference>/delivered")
def record_delivered(reference):
    """"I faxed it" / "I posted it", from the record's page."""
    member_id, _record = own_record(reference)
    how = request.form.get("how", "")
    if how not in ON_PAPER:
        abort(400)
    add_delivery(member_id, reference, how)
    flash(delivery_label(how))
    return redirect(url_for("accounts.record_page", reference=reference), 303)
