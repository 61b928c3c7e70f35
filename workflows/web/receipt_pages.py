"""An uploaded PDF's pages, laid out in the background as soon as it is kept.

The upload page answers at once: one thread per process hands each layout to the renderer
process (documents.lay_out_pages) and seals the pages with the upload (Uploads.keep_laid).
At finish the packet then only places them. Pages that are not kept by then (still being
made, failed, or made for paper of another size) are laid out with the packet, as they
always were: nothing waits for this thread, and what it fails to do costs only time.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from flask import current_app

from ..documents import lay_out_pages, time_limit
from ..telemetry import event
from .state import store

_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def lay_out_later(upload_id: str, content: bytes) -> Future:
    """Start laying out the pages of the PDF just kept as `upload_id`."""
    return _executor().submit(_lay_out, store(), upload_id, content,
                              current_app.config["RENDER_TIME_LIMIT_SECONDS"])


def _executor() -> ThreadPoolExecutor:
    """This process's one thread: one at a time, as the renderer lays out one at a time.
    A pool made before a fork (gunicorn --preload) has no thread in the child: make anew."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="receipt-pages")
            _pool_pid = os.getpid()
        return _pool


def _lay_out(kept, upload_id: str, content: bytes, limit: float) -> bool:
    try:
        with time_limit(limit):
            pages = lay_out_pages(content)
        return kept.uploads.keep_laid(upload_id, pages)
    except Exception as exc:  # noqa: BLE001 (the packet lays it out at finish instead)
        event("receipt pages not laid out", reason=type(exc).__name__)
        return False


def settled(timeout: float | None = None) -> None:
    """Wait until the layouts started so far in this process are done (the one thread takes
    them in turn): for tests and benchmarks that look at what was kept. (At exit Python
    waits for the thread's queue by itself.)"""
    _executor().submit(lambda: None).result(timeout)
