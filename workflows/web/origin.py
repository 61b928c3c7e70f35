"""Over TLS, a form is taken only from the app's own pages.

Flask-WTF's own check for HTTPS (WTF_CSRF_SSL_STRICT) wants a Referer of this site on every
POST, but every page here says `Referrer-Policy: no-referrer`: browsers send no Referer and
`Origin: null`, so over TLS every form was refused. The same rule is kept with what browsers
do send: `Sec-Fetch-Site` (same-origin), else an `Origin` of this site, else a Referer of this
site. A POST over TLS with none of them is refused, as Flask-WTF refused it. The form's CSRF
token is checked as before, by Flask-WTF; over plain HTTP nothing changes.
"""
from __future__ import annotations

import ssl
from urllib.parse import urlsplit

from flask import current_app, request
from flask_wtf.csrf import CSRFError

# What Sec-Fetch-Site says for a request from this site's own pages (or typed by the member).
_OWN = {"same-origin", "none"}


def from_this_site() -> bool:
    own = ("https", _without_default_port(request.host.lower()))
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site.strip().lower() in _OWN
    origin = request.headers.get("Origin")
    if origin and origin.strip() != "null":
        return _scheme_host(origin) == own
    referrer = request.headers.get("Referer")
    return bool(referrer) and _scheme_host(referrer) == own


def _scheme_host(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "", ""
    return parts.scheme.lower(), _without_default_port(parts.netloc.lower())


def _without_default_port(host: str) -> str:
    return host.removesuffix(":443")


def refuse_forms_from_elsewhere():
    """Before every request: a POST over TLS that did not come from this site's pages gets the
    page a failed CSRF check gets ("Please try again"), and nothing is saved."""
    config = current_app.config
    if (request.is_secure and config.get("WTF_CSRF_ENABLED", True)
            and request.method in config.get("WTF_CSRF_METHODS", {"POST", "PUT", "PATCH", "DELETE"})
            and not from_this_site()):
        raise CSRFError("The request did not come from this site.")


class ConnectionScheme:
    """WSGI middleware, outermost: the scheme is the connection's own until ProxyFix (inside,
    only with TRUSTED_PROXIES > 0) reads what trusted proxies say.

    gunicorn believes X-Forwarded-Proto by itself from any client at 127.0.0.1 (its
    `forwarded_allow_ips`), before the app sees the request; with TRUSTED_PROXIES=0 the README
    promises that header is ignored, so the app undoes that here: over gunicorn, https only
    when gunicorn itself ended TLS (--certfile)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        if sock is not None:
            environ["wsgi.url_scheme"] = "https" if isinstance(sock, ssl.SSLSocket) else "http"
        return self.app(environ, start_response)
