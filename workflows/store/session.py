"""Flask's session backed by the draft: the cookie holds only the draft's token, so the
CSRF token and every answer live server-side. A signed-in browser's cookie holds a session
token instead (store/members.py), which leads to the member's draft: `token` is then the
member's draft token, `cookie` the browser's session token and `member` the member's id."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from flask import Flask, request as current_request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from .database import token_key
from .drafts import Drafts, Loaded
from .members import MEMBER_TOKEN_PREFIX, Members

# The draft's first token's hash: what per-draft counts (the send limit) are kept under, the
# same before and after its token is rotated.
LINEAGE = "lineage"


class DraftSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, token=None, stale=False, unavailable=False, version=0, raw=b""):
        def on_update(self):
            self.modified = True
        super().__init__(initial, on_update)
        self.token = token
        self.cookie: str | None = None  # a signed-in browser's session token (else the draft's)
        self.member: str | None = None  # the signed-in member's id
        self.stale = stale  # last saved long enough ago that a read should extend the expiry
        self.version, self.raw = version, raw  # what was read: see DraftStore.update()
        self.modified = False
        self.deleted = False
        self.rotation: str | None = None  # set when a finish asks for a new token
        self.rotated = False  # the draft has a new token this response must give the browser
        # The database could not be reached: nothing may be read or written for this request.
        self.unavailable = unavailable

    def create(self, store: Drafts) -> str:
        """Save a new draft now (uploads need its row) and return its token."""
        self.token = store.new_token()
        self.raw = json.dumps(dict(self), separators=(",", ":")).encode()
        self.version = store.save(self.token, dict(self))
        return self.token

    def write_now(self, store: Drafts) -> None:
        """Save the changes so far now, not after the response: before a step whose outcome
        the page must report whatever the database does afterwards (sending mail)."""
        if not self.modified or self.token is None:
            return
        version = store.update(self.token, dict(self), self.version, self.raw)
        if version is not None:
            self.version, self.modified = version, False
            self.raw = json.dumps(dict(self), separators=(",", ":")).encode()

    def delete(self):
        """Forget this draft on the response (the store row is deleted by the caller)."""
        self.clear()
        self.deleted = True

    def rotate_on_save(self, proof: str) -> None:
        """A journey was finished: save the draft under a new token (see Drafts.update_rotated),
        the old one dead from then on. `proof` is the finishing form's one-time proof."""
        old = self.token
        # What stays the same across rotations, for what counts per draft (the send limit).
        self.setdefault(LINEAGE, token_key(old))
        if self.member:
            # Signed in: the cookie is a session token given at sign-in, not the draft's
            # token, and the member's draft stays where every device finds it.
            return
        self.rotation = hashlib.sha256(proof.encode()).hexdigest() if proof else ""
        self.modified = True

    def sign_in(self, found: Loaded, token: str, cookie: str, member: str) -> None:
        """Become the member's draft (read as `found` under `token`); the response gives the
        browser `cookie`, its new session token."""
        dict.clear(self)
        dict.update(self, found.data)
        self.token, self.cookie, self.member = token, cookie, member
        self.version, self.raw = found.version, found.raw
        self.modified, self.rotated = False, True

    def sign_out(self) -> None:
        """Forget the member: an empty anonymous session, which gets a new token when saved."""
        dict.clear(self)
        self.token = self.cookie = self.member = None
        self.version, self.raw = 0, b""
        self["created"] = True  # saved, so the browser's cookie is replaced by a new token

    def adopt(self, token: str) -> None:
        """This request proved it is the finishing form sent again: it gets the new token."""
        self.token, self.rotated = token, True


class DraftSessionInterface(SessionInterface):
    """A database that is locked or down never shows as a stack trace: the session is
    marked unavailable (the app answers 503), and a draft that cannot be written turns the
    response into `unavailable_response(response)`, which says nothing was saved."""

    touch_after = dt.timedelta(minutes=5)

    def __init__(self, store: Drafts, unavailable_response=None, sessionless=frozenset(),
                 members: Members | None = None):
        self.store = store
        self.members = members
        self.unavailable_response = unavailable_response
        # Paths that never read the draft (health checks, metrics): an empty session, unsaved.
        self.sessionless = sessionless

    def open_session(self, app: Flask, request):
        if request.path in self.sessionless:
            return DraftSession()
        token = request.cookies.get(self.get_cookie_name(app))
        # A member's draft token is never a cookie: only a session leads to that draft.
        if token and len(token) < 100 and not token.startswith(MEMBER_TOKEN_PREFIX):
            try:
                found = self.store.load(token)
                if found is None and self.members is not None:
                    return self._signed_in(token)
            except SQLAlchemyError as exc:
                _log_unavailable(exc, "read")
                return DraftSession(token=token, unavailable=True)
            if found is not None:
                return DraftSession(found.data, token=token, version=found.version, raw=found.raw,
                                    stale=self.store.clock() - found.updated_at > self.touch_after)
        return DraftSession()

    def _signed_in(self, cookie: str) -> DraftSession:
        """The session of a signed-in browser (its draft made anew if it expired), or a new
        anonymous one. Anonymous drafts are looked up first: they cost no more than before."""
        signed = self.members.session(cookie)
        if signed is None:
            return DraftSession()
        found = self.store.load(signed.draft_token)
        if found is None:
            version = self.store.save(signed.draft_token, {})
            found = Loaded({}, self.store.clock(), version, b"{}")
        session = DraftSession(found.data, token=signed.draft_token, version=found.version,
                               raw=found.raw, stale=self.store.clock() - found.updated_at > self.touch_after)
        session.cookie, session.member = cookie, signed.member_id
        return session

    def save_session(self, app: Flask, session: DraftSession, response):
        if session.unavailable:
            return
        try:
            self._save(app, session, response)
        except SQLAlchemyError as exc:
            _log_unavailable(exc, "write")
            session.unavailable = True
            if self.unavailable_response is None:
                raise
            self.unavailable_response(response)

    def _save(self, app: Flask, session: DraftSession, response):
        name = self.get_cookie_name(app)
        secure = self.get_cookie_secure(app) or current_request.is_secure
        if session.deleted:
            if session.token:
                response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Lax")
            return
        if session.cookie and session.stale and not session.rotated:
            self.members.touch_session(session.cookie)  # in use: signed in for as long again
        if session.modified and session:
            if session.token is None:
                session.create(self.store)
            elif session.rotation is not None:  # a journey was finished: a new token
                saved = self.store.update_rotated(session.token, dict(session), session.version,
                                                  session.raw, session.rotation)
                if saved is None:
                    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Lax")
                    return  # deleted while this request ran: stays deleted
                token, entitled = saved
                if not entitled:  # another finish moved the draft first: merged there
                    self.store.wait_until_settled(token)  # answer after it, and without the token
                    return
                session.token = token
            elif self.store.update(session.token, dict(session), session.version, session.raw) is None:
                live = self.store.live_token(session.token)
                if live is None:
                    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Lax")
                    return  # deleted (or expired) while this request ran: stays deleted
                # Rotated while this request ran (another tab finished a journey): this
                # request's changes are merged into the draft where it now is, and the response
                # says nothing of its new token (nor sets the old one over it: the browser has
                # the new one from the request that rotated it).
                self.store.update(live, dict(session), session.version, session.raw)
                return
        elif session.token and session.stale:
            try:
                if not self.store.touch(session.token):
                    return  # rotated or deleted meanwhile: leave the browser's cookie alone
            except SQLAlchemyError as exc:  # only the expiry was to move: the page still serves
                _log_unavailable(exc, "touch")
                return
        elif not session.rotated:
            return
        response.vary.add("Cookie")
        response.set_cookie(name, session.cookie or session.token,
                            max_age=self.store.lifetime_of(session.token), path="/",
                            secure=secure, httponly=True, samesite="Lax")


def _log_unavailable(exc: Exception, what: str) -> None:
    # The exception's class only: its message could quote SQL (never values: hide_parameters).
    logging.getLogger(__name__).warning("draft %s failed: database unavailable (%s)", what,
                                        type(exc).__name__)
