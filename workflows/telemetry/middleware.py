"""Around every request: its id, one JSON log line, and its counts.

The id comes from the proxy in front (X-Request-ID, e.g. nginx's $request_id) only when the
app is told it has one (TRUSTED_PROXIES > 0) and the value is well formed; otherwise the app
makes one. Either way it goes back in the response's X-Request-ID, into every log line of the
request, and onto the error pages, so that support can find the line a member's page names.

The log line and the counts name the route by its URL rule ("/<journey>/<step>"), never the
path or the query string, which could carry what a member typed.
"""
from __future__ import annotations

import re
import secrets
import time

from . import metrics
from .logs import REQUESTS, request_id

ENVIRON_ID = "mip.request_id"
ENVIRON_ROUTE = "mip.route"
UNMATCHED = "unmatched"  # no URL rule matched (a 404, or a 405): the path is not repeated
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")


def new_id() -> str:
    return secrets.token_hex(16)  # 32 hex digits, as nginx's $request_id


class RequestTelemetry:
    """WSGI middleware, outermost. `trust_incoming`: the requests come through proxies that
    set X-Request-ID themselves (TRUSTED_PROXIES > 0)."""

    def __init__(self, app, trust_incoming: bool):
        self.app = app
        self.trust_incoming = trust_incoming

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "") if self.trust_incoming else ""
        rid = incoming if _WELL_FORMED.fullmatch(incoming) else new_id()
        environ[ENVIRON_ID] = rid
        token = request_id.set(rid)
        status = ["500"]

        def starting(status_line, headers, exc_info=None):
            status[0] = status_line.split(" ", 1)[0]
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("X-Request-ID", rid))
            return start_response(status_line, headers, exc_info)

        try:
            body = self.app(environ, starting)
        except BaseException:
            self._done(environ, status[0], started, rid)
            request_id.reset(token)
            raise
        request_id.reset(token)
        return _Closing(body, lambda: self._done(environ, status[0], started, rid))

    @staticmethod
    def _done(environ, status: str, started: float, rid: str) -> None:
        seconds = time.perf_counter() - started
        method = metrics.method_label(environ.get("REQUEST_METHOD", ""))
        route = environ.get(ENVIRON_ROUTE) or UNMATCHED
        metrics.REQUESTS.labels(method, route, status).inc()
        metrics.REQUEST_SECONDS.labels(method, route).observe(seconds)
        REQUESTS.info("request", extra={"request_id": rid, "fields": {
            "method": method, "route": route, "status": int(status) if status.isdigit() else 0,
            "duration_ms": round(seconds * 1000, 1)}})


class _Closing:
    """The response body, with `done` called once: when the body has been sent, or when the
    server closes it (sent or abandoned), whichever comes first."""

    def __init__(self, body, done):
        self.body, self._done = body, done

    def __iter__(self):
        yield from self.body
        self.done()

    def done(self):
        done, self._done = self._done, None
        if done is not None:
            done()

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.done()
