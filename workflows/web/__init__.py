"""HTTP for every journey: one blueprint of URL rules runs whatever the registry holds.

No module here names a journey or an administrator: pages read the journeys' declarations
(steps, outputs) and the profile in force.
"""
from __future__ import annotations

from flask import Flask

from . import downloads, errors, finish, questions, sending, site, uploads  # noqa: F401 (rules)
from .blueprint import bp
from .errors import database_unavailable_response, refuse_when_database_unavailable
from .finish import resume_finished
from .filters import install as install_filters
from .language import select_locale
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
    install_filters(app.jinja_env)


__all__ = ["bp", "database_unavailable_response", "init_app", "select_locale"]
