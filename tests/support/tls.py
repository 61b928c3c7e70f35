"""Members reaching the app over TLS: on an https:// test server, or behind proxies that
ended TLS before the app."""
from __future__ import annotations

import contextlib
import threading

import requests
from werkzeug.serving import make_server

from tests.support.http import RequestsMember as Member


class TlsMember(Member):
    """A member's browser on an https:// server that trusts the test certificate. Like every
    current browser it says where each request comes from (Sec-Fetch-Site: its own pages)."""

    def __init__(self, url: str, certificate):
        super().__init__(url)
        self.http.trust_env = False  # else REQUESTS_CA_BUNDLE would win over `verify`
        self.http.verify = str(certificate)
        self.http.headers["Sec-Fetch-Site"] = "same-origin"


class _ThroughProxy(requests.Session):
    """The browser spoke https to the proxy, so it sends its Secure cookies; the proxy passes
    them on over plain HTTP to the app (where `requests` alone would hold them back)."""

    def request(self, *args, **kwargs):
        for cookie in self.cookies:
            cookie.secure = False
        return super().request(*args, **kwargs)

    def rebuild_auth(self, prepared_request, response):  # redirects followed: cookies again
        for cookie in self.cookies:
            cookie.secure = False
        prepared_request.headers.pop("Cookie", None)
        prepared_request.prepare_cookies(self.cookies)
        return super().rebuild_auth(prepared_request, response)


class ProxiedMember(Member):
    """A member's browser behind proxies (the app reached over plain HTTP): `forwarded` is the
    X-Forwarded-Proto the app receives; a browser says its forms come from the site's pages."""

    def __init__(self, url: str, forwarded: str | None):
        super().__init__(url)
        self.http = _ThroughProxy()
        if forwarded is not None:
            self.http.headers["X-Forwarded-Proto"] = forwarded
        self.http.headers["Sec-Fetch-Site"] = "same-origin"


@contextlib.contextmanager
def tls_server(app, certificate, key):
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=(str(certificate), str(key)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
