"""Errors as pages a member can act on (never a stack trace), the database locked or down,
and the security headers every response carries."""
from __future__ import annotations

from flask import Response, current_app, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..delivery import HeaderError
from ..documents import DocumentError, RenderTimeout
from ..engine.i18n import gettext as _
from ..journeys import registry
from ..telemetry import metrics
from .blueprint import bp


@bp.app_errorhandler(CSRFError)
def csrf_error(exc):
    if session.token is None:
        # No live draft behind this form, so nothing was kept: say which case it is.
        journey = (request.view_args or {}).get("journey")
        start = url_for("wizard.start", journey=journey) if journey in registry() else url_for("wizard.index")
        if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
            hours = "{:g}".format(current_app.config["DRAFT_LIFETIME_HOURS"])
            return render_template(
                "pages/error.html", title=_("Your answers have expired"),
                message=_("For your privacy, answers are deleted %(hours)s hours after the last "
                          "change. Nothing was saved from this page.", hours=hours),
                start=start), 400
        return render_template(
            "pages/error.html", title=_("Please allow cookies"),
            message=_("This service keeps your answers between pages with a cookie, and your "
                      "browser did not send it. Allow cookies for this site, then start again. "
                      "Nothing was saved from this page."),
            start=start), 400
    return render_template("pages/error.html", title=_("Please try again"),
                           message=_("This page was open for too long or was sent twice, so "
                                     "nothing was saved from it. Your earlier answers are kept."),
                           retry=request.path if request.method == "POST" else None), 400


@bp.app_errorhandler(HeaderError)
def header_error(exc):
    """A value that would break a mail header (answers stored before a check existed): the
    email is not made; the PDF still is."""
    return render_template("pages/error.html", title=_("This email cannot be made"),
                           message=_("Something in your answers cannot go into an email header. "
                                     "Nothing was sent. Download the PDF from the previous page "
                                     "and send it yourself.")), 400


@bp.app_errorhandler(RenderTimeout)
@bp.app_errorhandler(DocumentError)
def document_error(exc):
    """A PDF that took too long to lay out, or that an uploaded file broke: the member is
    told, their answers and files are kept, and nobody else waited for it."""
    timed_out = isinstance(exc, RenderTimeout)
    current_app.logger.warning("document not made: %s", "time limit" if timed_out else exc)
    return render_template(
        "pages/error.html", title=_("Your PDF could not be made"),
        message=(_("Making it took too long, so it was stopped. One of your files may be too "
                   "complex: go back, remove it and upload a scan or a simpler copy, then try "
                   "again. Your answers and files are kept.") if timed_out else
                 _("One of your uploaded files could not be laid into it: go back, remove it "
                   "and upload a scan or a simpler copy. Your answers and files are kept.")),
        retry=_done_page()), 503, {"Retry-After": "60"}


def _done_page() -> str | None:
    journey = (request.view_args or {}).get("journey")
    return url_for("wizard.done", journey=journey) if journey in registry() else None


@bp.app_errorhandler(HTTPException)
def http_error(exc):
    if exc.code == 503:
        return database_unavailable_page()
    titles = {404: _("Page not found"), 405: _("Page not found"),
              413: _("The file is too large"),
              429: _("Too many requests")}
    messages = {413: _("Files must be smaller than 10 MB each, and %(total)d MB together. Your "
                       "answers are kept: go back and choose a smaller file.",
                       total=current_app.config["MAX_UPLOAD_MB"])}
    title = titles.get(exc.code, _("Sorry, there is a problem"))
    headers = {k: v for k, v in exc.get_headers() if k == "Retry-After"}
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if exc.code == 413:
        discard_unread_body(limit)
    if exc.code == 413 and not (request.mimetype == "multipart/form-data"
                                and (request.content_length or limit + 1) > limit):
        # Not a file over the limit but a form flooded with fields or text.
        title = _("The form is too large")
        messages[413] = _("This page sent far more than the form asks for, so nothing was saved "
                          "from it. Your earlier answers are kept: go back and try again.")
    elif exc.code == 413:
        metrics.upload_refused("request_too_large")
    return render_template("pages/error.html", title=title,
                           message=messages.get(exc.code, "")), exc.code, headers


def discard_unread_body(limit: int) -> None:
    """A body over the limit is refused from its Content-Length, before a byte is read. Read
    it (up to twice the limit) before answering: gunicorn closes a connection whose body it
    cannot drain, resetting it, and nginx (deploy/nginx), still passing the body on, then
    shows its own 502 page instead of this one."""
    length = request.content_length
    stream = request.environ.get("wsgi.input")
    if stream is None or length is None or not limit < length <= 2 * limit:
        return
    while length > 0:
        try:
            chunk = stream.read(min(length, 1 << 16))
        except (OSError, ValueError):
            return
        if not chunk:
            return
        length -= len(chunk)


# --- the database locked or down ---------------------------------------------------------------

def retry_url() -> str:
    """Where "go back to the page" leads after a failed request: the page itself when it can
    be opened, else the page its form was on."""
    rule, args = request.url_rule, request.view_args or {}
    if request.endpoint == "accounts.link":  # its path carries a sign-in token: never on a page
        return url_for("accounts.sign_in")
    if rule is not None and "GET" in rule.methods and request.endpoint != "wizard.delete":
        return request.full_path.rstrip("?")
    journey = args.get("journey")
    if journey in registry() and request.endpoint in ("wizard.send", "wizard.start_again"):
        return url_for("wizard.done", journey=journey)
    if journey in registry() and "step" in args:
        return url_for("wizard.step", journey=journey, step=args["step"])
    return url_for("wizard.index")


def database_unavailable_page():
    if request.method == "POST":
        title = _("Not saved: please try again in a minute")
        message = _("The service could not reach its database, so what you sent from this page "
                    "was not saved and nothing was sent. Your earlier answers are kept. Wait a "
                    "minute, then go back to the page and send it again.")
    else:
        title = _("Sorry, the service is not available right now")
        message = _("The service could not reach its database. Your answers are kept. "
                    "Try again in a minute.")
    return (render_template("pages/error.html", title=title, message=message, retry=retry_url()),
            503, {"Retry-After": "30"})


def refuse_when_database_unavailable():
    """Runs before every request (and before the CSRF check): a draft that could not be
    read is answered with 503, not with an empty journey or a CSRF failure."""
    if getattr(session, "unavailable", False) and request.endpoint != "static":
        return database_unavailable_page()


def database_unavailable_response(response: Response) -> None:
    """The draft could not be saved after the page was handled: turn the response, whatever
    it was (usually a redirect to the next step), into the 503 page, in place."""
    body, status, headers = database_unavailable_page()
    response.status_code = status
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    for name in ("Location", "Content-Disposition", "Set-Cookie"):
        response.headers.pop(name, None)
    response.headers.update(headers)
    response.headers["Cache-Control"] = "no-store"


@bp.app_errorhandler(SQLAlchemyError)
def database_error(exc):
    current_app.logger.warning("database unavailable (%s) on %s %s", type(exc).__name__,
                               request.method, request.url_rule)
    if hasattr(session, "unavailable"):
        session.unavailable = True  # nothing more is written for this request
    return database_unavailable_page()


@bp.app_errorhandler(Exception)
def server_error(exc):
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise exc  # development and tests: show the real error
    current_app.logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url_rule)
    return render_template("pages/error.html", title=_("Sorry, there is a problem with the service"),
                           message=_("Your answers are kept. Try again later.")), 500


# A year, for this host and its subdomains: a browser that has seen the site over TLS never asks
# it over plain HTTP again, where anyone on the network could read or plant the draft cookie.
HSTS = "max-age=31536000; includeSubDomains"


@bp.after_app_request
def security_headers(response: Response):
    h = response.headers
    # Only over TLS: the app's own (a certificate in gunicorn or werkzeug), or a trusted proxy's
    # word (X-Forwarded-Proto, read by ProxyFix only when TRUSTED_PROXIES > 0). Over plain HTTP
    # the header means nothing to a browser, and a client's own X-Forwarded-Proto is ignored.
    if request.is_secure:
        h.setdefault("Strict-Transport-Security", HSTS)
    h.setdefault("Content-Security-Policy",
                 "default-src 'self'; object-src 'none'; base-uri 'none'; "
                 "form-action 'self'; frame-ancestors 'none'")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "no-referrer")
    h.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html" or "attachment" in h.get("Content-Disposition", ""):
        h["Cache-Control"] = "no-store"
    return response
