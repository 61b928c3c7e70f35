"""gunicorn settings for what the app cannot do from inside one worker: counts added up over
every worker, JSON log lines from gunicorn itself, and the metrics' own address.

gunicorn reads this file by itself when it is started in this folder; elsewhere, name it:
`gunicorn -c /srv/mip-forms/gunicorn.conf.py --preload -w 2 --threads 32 ... app:app`.
Every other setting stays on the command line. Only names gunicorn knows as settings or
hooks are read from here; the helpers' names start with an underscore so it ignores them.

- PROMETHEUS_MULTIPROC_DIR: the folder every worker writes its counts to (prometheus_client's
  multiprocess mode); a scrape of /metrics on any worker adds up all of them. Unset, a
  folder is made for this run and removed when gunicorn exits.
- METRICS_BIND (host:port, e.g. 127.0.0.1:9100): the counts are also served there, by the
  master, without a token: bind it to an address only the monitoring can reach.
- glibc's malloc is told to give freed memory back (see _malloc_returns_freed_memory).
"""
from __future__ import annotations

import glob as _glob
import os as _os
import shutil as _shutil
import sys as _sys
import tempfile as _tempfile

# The app's JSON formatter lives in the project: importable whatever folder gunicorn runs in.
_HERE = _os.path.dirname(_os.path.abspath(__file__))
if _HERE not in _sys.path:
    _sys.path.insert(0, _HERE)

def _malloc_returns_freed_memory() -> None:
    """glibc's malloc gives each of a worker's 32 threads an arena of its own (up to 8 per
    core), keeps what they free there, and raises its mmap threshold after the first large
    free, so that uploads, receipts and PDFs (megabytes each) end up kept in those arenas for
    good: about 60 MB more per worker after 30 packets, measured here. Two arenas, and a fixed
    threshold (large buffers are mapped and returned to the system when freed), keep a
    worker near its size at start. Set in the master before the app loads: the workers and
    the renderer are forked from it and keep the settings."""
    import ctypes
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to set
        return
    M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8
    libc.mallopt(M_ARENA_MAX, 2)
    libc.mallopt(M_MMAP_THRESHOLD, 256 * 1024)


_malloc_returns_freed_memory()

# Set before prometheus_client is first imported (here or by the app): it picks its
# multiprocess mode on import, and the workers inherit the variable from the master.
_MADE_DIR = None
if not _os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _MADE_DIR = _tempfile.mkdtemp(prefix="mip-metrics-")
    _os.environ["PROMETHEUS_MULTIPROC_DIR"] = _MADE_DIR

# gunicorn's own lines (starting, booting a worker, a worker timing out) as JSON too, through
# the root logger the app's lines go to. Its access log stays off: the app logs each request
# (with the route template, never the raw path and query string).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "workflows.telemetry.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def on_starting(server):
    """A fresh count for this run: the files of processes that are gone are removed (those of
    another gunicorn still running on the same folder are kept, and go on counting)."""
    folder = _os.environ["PROMETHEUS_MULTIPROC_DIR"]
    _os.makedirs(folder, mode=0o700, exist_ok=True)
    for path in _glob.glob(_os.path.join(folder, "*.db")):
        pid = _os.path.basename(path).rsplit("_", 1)[-1].removesuffix(".db")
        if not (pid.isdigit() and _alive(int(pid))):
            _os.remove(path)


def when_ready(server):
    """METRICS_BIND: the added-up counts on an address of their own, served by the master."""
    bind = _os.environ.get("METRICS_BIND", "")
    if bind:
        from prometheus_client import CollectorRegistry, multiprocess, start_http_server
        host, _, port = bind.rpartition(":")
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        start_http_server(int(port), addr=host or "127.0.0.1", registry=registry)
        server.log.info("metrics served on %s", bind)


def child_exit(server, worker):
    """A worker that ended (or was killed): prometheus_client's bookkeeping for dead processes.
    Its counters stay in the folder, so totals do not go back when a worker is replaced."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _MADE_DIR:
        _shutil.rmtree(_MADE_DIR, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        _os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
