"""Signing in by email link (optional: every journey works without it), signing out here or
everywhere, and the member's page. Signing in and signing up are one thing: the app always
mails a link, known address or not (same page, same work), and the member is made when a
link is first used. The link's GET only shows a button: mail scanners that open links do not
sign anyone in; the button posts the token (with the CSRF token) to sign in.

For later pages: `signed_in_member()` is the signed-in member (id and decrypted data) or None;
`store().members.get(id)` and `.save_data(id, data)` read and write a member's data."""
from __future__ import annotations

import datetime as dt
import math

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from wtforms import HiddenField

from ..delivery import Letter
from ..engine.forms import EmailField, Form
from ..engine.i18n import gettext as _, lazy_gettext as _l, ngettext
from ..store import MemberData, email_key
from ..telemetry import metrics
from .state import store

accounts = Blueprint("accounts", __name__)


class SignInForm(Form):
    email = EmailField(hint=_l("We will email you a link to sign in. You do not need a password."))


class LinkForm(Form):
    token = HiddenField()


def signed_in_member() -> MemberData | None:
    """The member this browser is signed in as (id, decrypted data), or None. Read once per
    request."""
    member_id = getattr(session, "member", None)
    if not member_id:
        return None
    if "member" not in g:
        g.member = store().members.get(member_id)
    return g.member


@accounts.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        address = form.email.data
        key = email_key(current_app.config["SECRET_KEY"], address)
        wait = _sign_in_wait(key)
        if wait is not None:
            return _too_many(wait)
        # Whether the address is a member is not asked here at all: the same work and the
        # same answer for every address (the member is made when the link is used).
        token = store().sign_in_links.create(key, address)
        current_app.extensions["postman"].send_to_member(key, "sign-in", _link_letter(address, token))
        return redirect(url_for("accounts.check_email"), 303)
    return render_template("accounts/sign_in.html", form=form, has_errors=bool(form.errors))


@accounts.get("/sign-in/sent")
def check_email():
    return render_template("accounts/check_email.html",
                           minutes=int(current_app.config["SIGN_IN_LINK_MINUTES"]))


@accounts.get("/sign-in/link/<token>")
def link(token):
    """The link's landing page: a button, so that opening the link signs nobody in."""
    address = store().sign_in_links.usable(token) if len(token) <= 100 else None
    if address is None:
        return _dead_link()
    # The page names the address: a link someone else sent (to sign this browser in as them,
    # and read what is typed here afterwards) shows whose it is before anything happens.
    # The page's own links (language, delete: base.html) never carry the token.
    return render_template("accounts/link.html", form=LinkForm(token=token), address=address)


@accounts.post("/sign-in/link")
def use_link():
    form = LinkForm()
    token = form.token.data or ""
    used = store().sign_in_links.use(token) if form.validate_on_submit() and len(token) <= 100 else None
    if used is None:
        return _dead_link()
    members = store().members
    earlier = tuple(email_key(old, used.email) for old in current_app.config.get("SECRET_KEY_FALLBACKS") or ())
    member_id = members.find_or_create(used.email_key, used.email, earlier)
    draft = members.draft_token(member_id)
    anonymous = session.token
    if session.cookie:  # signed in as someone (maybe someone else) before: that session ends
        members.end_session(session.cookie)
        anonymous = None  # and another member's draft is not this member's to take
    store().adopt(anonymous, draft)
    session.sign_in(store().drafts.load(draft), draft, members.start_session(member_id), member_id)
    flash(_("You are signed in."))
    return redirect(url_for("wizard.index"), 303)


@accounts.post("/sign-out")
def sign_out():
    if not session.member:  # nothing to sign out of: the anonymous draft stays as it is
        return redirect(url_for("wizard.index"), 303)
    store().members.end_session(session.cookie)
    session.sign_out()
    flash(_("You are signed out."))
    return redirect(url_for("wizard.index"), 303)


@accounts.post("/sign-out/everywhere")
def sign_out_everywhere():
    if not session.member:
        return redirect(url_for("wizard.index"), 303)
    store().members.end_every_session(session.member)
    session.sign_out()
    flash(_("You are signed out on every device."))
    return redirect(url_for("wizard.index"), 303)


@accounts.get("/my-claims")
def my_claims():
    member = signed_in_member()
    if member is None:
        return redirect(url_for("accounts.sign_in"), 303)
    return render_template("accounts/my_claims.html", member=member)


def _dead_link():
    return render_template(
        "pages/error.html", title=_("This sign-in link cannot be used"),
        message=_("Sign-in links work once, for %(minutes)d minutes. Ask for a new one.",
                  minutes=int(current_app.config["SIGN_IN_LINK_MINUTES"])),
        retry=url_for("accounts.sign_in")), 400


def _link_letter(address: str, token: str) -> Letter:
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    url = base.rstrip("/") + url_for("accounts.link", token=token)
    minutes = int(current_app.config["SIGN_IN_LINK_MINUTES"])
    body = _("Use this link to sign in to MIP member forms. It works once, for %(minutes)d minutes:\n\n"
             "%(url)s\n\nIf you did not ask to sign in, ignore this email: nothing happens.",
             minutes=minutes, url=url)
    return Letter(to=(address,), subject=_("Your sign-in link for MIP member forms"), body=body,
                  short_body="")


def _sign_in_wait(key: str) -> int | None:
    """Count one link asked for this address and this client; the seconds to wait if either
    is over its limit (counted in the database, shared by every process)."""
    config, limits = current_app.config, store().limits
    window = dt.timedelta(seconds=config["SIGN_IN_LIMIT_WINDOW_SECONDS"])
    wait = None
    for kind, value, limit in (("address", key, config["SIGN_IN_LIMIT_PER_ADDRESS"]),
                               ("client", request.remote_addr or "", config["SIGN_IN_LIMIT_PER_CLIENT"])):
        if limit > 0:
            count, ends = limits.count_hit(limits.hashed(config["SECRET_KEY"], f"sign-in-{kind}:{value}"),
                                           window)
            if count > limit:
                metrics.RATE_LIMITED.labels(f"sign_in_per_{kind}").inc()
                wait = max(wait or 0, math.ceil((ends - limits.clock()).total_seconds()))
    return wait


def _too_many(wait: int):
    minutes = max(1, math.ceil(wait / 60))
    return render_template(
        "pages/error.html", title=_("Too many sign-in links asked for"),
        message=ngettext("No link was sent: this service sends only a few sign-in links in an hour. "
                         "Use a link you already have, or ask again in %(num)d minute.",
                         "No link was sent: this service sends only a few sign-in links in an hour. "
                         "Use a link you already have, or ask again in %(num)d minutes.", minutes),
        retry=url_for("accounts.sign_in")), 429, {"Retry-After": str(wait)}


def abort_unless_signed_in() -> MemberData:
    """For later members-only pages: the member, or a redirect to the sign-in page."""
    member = signed_in_member()
    if member is None:
        abort(redirect(url_for("accounts.sign_in"), 303))
    return member
