"""One JSON object per log line, for the app's own lines and every library's.

A small formatter of our own rather than a package: json.dumps of a few fields is all it
takes, and here it must also leave things out (an exception's message may quote what a
member typed, so only its type and where it was raised are written).

Request lines and events carry the request id (X-Request-ID) of the request they belong to,
so an id shown on an error page finds its lines.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import sys
import traceback
from contextvars import ContextVar

# The id of the request being served in this thread (set by the request middleware).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

REQUESTS = logging.getLogger("mip.request")
EVENTS = logging.getLogger("mip.event")


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, the request id, and the `fields` a line was given."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            line["request_id"] = rid
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, tb = record.exc_info
            line["error"] = kind.__name__  # not str(exception): it may quote an answer
            line["where"] = [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(tb)][-5:]
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (as logging's last-resort
    handler does), not the stream of the moment the handler was made."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def install() -> None:
    """Once per process: JSON lines on stderr from the root logger, at INFO for the app's
    request lines and events. A root logger already set up (gunicorn's logconfig_dict with
    this formatter) is left as it is."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = _Stderr()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    logging.getLogger("mip").setLevel(logging.INFO)
    logging.captureWarnings(True)  # a library's warning is a JSON line too


def event(message: str, **fields) -> None:
    """An event line (mail sent, mail failed): `fields` must be codes and counts, never answers."""
    EVENTS.info(message, extra={"fields": {"event": message.replace(" ", "_"), **fields}})


def reference_hash(secret: str | bytes, reference: str) -> str:
    """How a reference appears in the logs: the first 16 hex digits of its HMAC-SHA256 under
    the app's SECRET_KEY. Keyed, not a plain hash: a reference has only 40 random bits, so a
    plain SHA-256 of it could be reversed by trying them all; with the key, support can still
    compute the same value for the reference a member reads out to them."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, b"log-reference:" + reference.encode(), hashlib.sha256).hexdigest()[:16]
