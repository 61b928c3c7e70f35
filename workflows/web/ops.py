"""For the operators: /healthz (the process is alive), /readyz (it can serve: database,
renderer, outbox), /metrics (Prometheus text, only where configured).

None of them reads or writes the member's draft (the session interface skips these paths),
none sets a cookie, and none says more than which check failed: no personal data, no error
text. /metrics answers only with the METRICS_TOKEN (compared in constant time); without a
token it does not exist here (404), and the counts are served on METRICS_BIND instead, by
gunicorn.conf.py, if that is set.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from ..documents import renderer
from ..telemetry import metrics
from .state import store

ops = Blueprint("ops", __name__)
PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # no session, no draft, no cookie


@ops.get("/healthz")
def healthz():
    """Alive: answered from memory, whatever the database or the renderer are doing."""
    return _plain(jsonify(status="ok"), 200)


@ops.get("/readyz")
def readyz():
    config = current_app.config
    checks = {"database": "ok", "renderer": "ok", "outbox": "ok"}
    try:
        store().db.ping()
        oldest = store().outbox.oldest_queued()
    except SQLAlchemyError:
        checks["database"] = "failed"
        checks["outbox"] = "unknown"  # cannot be read without the database
    else:
        age = (store().db.clock() - oldest).total_seconds() if oldest else 0.0
        if age > config["READY_OUTBOX_MAX_AGE_SECONDS"]:
            checks["outbox"] = "failed"  # mail has waited too long: SMTP down, or no sender running
    if not renderer.ping(config["READY_RENDERER_TIMEOUT_SECONDS"]):
        checks["renderer"] = "failed"
    ready = all(v == "ok" for v in checks.values())
    failed = sorted(k for k, v in checks.items() if v == "failed")
    body = jsonify(status="ready" if ready else "not ready", checks=checks, failed=failed)
    return _plain(body, 200 if ready else 503)


@ops.get("/metrics")
def metrics_text():
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        abort(404)  # not configured here: as if there were no such page
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        response = Response("unauthorized\n", 401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return _plain(response, 401)
    body, content_type = metrics.exposition()
    return _plain(Response(body, 200, content_type=content_type), 200)


def _plain(response: Response, status: int) -> Response:
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
