"""HTTP for every journey: one blueprint of URL rules runs whatever the registry holds.

No module here names a journey or an administrator: pages read the journeys' declarations
(steps, outputs) and the profile in force.
"""
from __future__ import annotations

from flask import Flask, request

from ..telemetry import ENVIRON_ID, ENVIRON_ROUTE
from . import covers, downloads, errors, finish, questions, sending, site, uploads  # noqa: F401 (rules)
from .accounts import abort_unless_signed_in, accounts, signed_in_member
from .blueprint import bp
from .errors import database_unavailable_response, refuse_when_database_unavailable
from .finish import resume_finished
from .filters import install as install_filters
from .language import select_locale
from .ops import PATHS as SESSIONLESS_PATHS, ops
from .origin import refuse_forms_from_elsewhere


def init_app(app: Flask) -> None:
    # Before the CSRF check: with the database down there is no token to check against, and
    # the member should read "try again later", not "this page was open too long".
    app.before_request(refuse_when_database_unavailable)
    # Over TLS, forms only from this site's pages (in place of Flask-WTF's Referer check, which
    # no browser can pass under `Referrer-Policy: no-referrer`; see origin.py).
    app.before_request(refuse_forms_from_elsewhere)
    # Before the CSRF check too: a finishing form sent twice, whose first sending gave the
    # draft a new token, finds the journey's confirmation page (see finish.resume_finished).
    app.before_request(resume_finished)
    app.register_blueprint(bp)
    app.register_blueprint(accounts)
    app.register_blueprint(ops)
    app.teardown_request(_note_route)
    # Error pages show the request's id: the one in X-Request-ID and in its log line.
    app.context_processor(lambda: {"request_id": request.environ.get(ENVIRON_ID)})
    install_filters(app.jinja_env)


def _note_route(_exc=None) -> None:
    """The matched URL rule, for the request's log line and counts (never the path)."""
    if request.url_rule is not None:
        request.environ[ENVIRON_ROUTE] = request.url_rule.rule


__all__ = ["SESSIONLESS_PATHS", "abort_unless_signed_in", "bp", "signed_in_member", "database_unavailable_response", "init_app", "select_locale"]
