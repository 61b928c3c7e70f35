"""Where WeasyPrint runs: a renderer started with the app, one per machine under gunicorn.

A render is hundreds of milliseconds of CPU that holds the GIL. In the web process it would
hold up every page the worker serves meanwhile; so the layout runs in another process, at a
lower CPU priority, while the worker's threads serve pages and the waiting thread holds
nothing. The HTML is made in the worker, the PDF in a render process.

`start()` runs when the app is made (`create_app`): it forks the renderer from this process
(render_process.py), which lays out a first document at once, so no member pays for its start.
Under `gunicorn --preload` that is the master, after every import: the renderer shares the
master's pages, and the workers forked afterwards find it through the address they inherit,
so the machine has one renderer, not one per worker (nor a fork server and a resource tracker
beside each). Each PDF is laid out by a fork of the warm renderer that exits once it is sent.
If the renderer cannot be reached (it was killed), the process asking starts one of its own.

A request is a pickle (the function and its arguments), and unpickling runs code: the socket
is in the abstract namespace (no file to clean up), and render processes answer only
processes of the service's own user (SO_PEERCRED).
"""
from __future__ import annotations

import gc
import os
import secrets
import select
import socket
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from . import render_process

_address: bytes | None = None  # the renderer's socket, in the abstract namespace (no file)
_pid = 0  # the renderer, when this process started it
_start_lock = threading.Lock()
_warm_up = None
READY_WITHIN = 30.0  # seconds the app's start waits at most for the renderer's warm-up


class RenderTimeout(Exception):
    """A render took longer than its time limit: it was stopped."""


# When the renders of a block must be done (time.monotonic()), set by the caller (the web
# layer) around what it renders.
_deadline: ContextVar[float | None] = ContextVar("render_deadline", default=None)
# One render at a time per app process: a member's packet, on a 2-core machine, then never
# waits behind more than the other workers' renders.
_turn = threading.Lock()


@contextmanager
def time_limit(seconds: float | None):
    """Renders within the block must be done `seconds` after it starts: waiting for this
    process's turn, and for a free render process, counts too."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def start(warm_up=None) -> None:
    """Start the renderer unless this process has one to use (its own, or inherited from the
    process it was forked from). `warm_up()` runs first in the renderer: a small layout."""
    global _warm_up
    with _start_lock:
        _warm_up = warm_up if warm_up is not None else _warm_up
        if _address is None:
            _spawn()


def _spawn() -> None:
    """Fork a renderer owned by this process (the caller holds _start_lock)."""
    global _address, _pid
    if _pid and _owner_of(_pid):
        render_process._reap(_pid)  # one that died: not left a zombie
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    address = b"\0mip-renderer-" + secrets.token_hex(12).encode()
    listener.bind(address)
    listener.listen(128)  # requests wait here while the renderer warms up
    owner = os.getpid()
    # What this process holds now stays out of the collector's reach, here and in every fork
    # (the renderer, and gunicorn's workers forked later): a collection writes to each object
    # it visits, which would copy the pages the forks share.
    gc.collect()
    gc.freeze()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        render_process.serve(listener, owner, _warm_up, size=max(2, os.cpu_count() or 1),
                             ready=ready_w)
    os.close(ready_w)
    listener.close()  # only the renderer listens: connecting fails once it has gone
    _address, _pid = address, pid
    # Wait while it warms up (about a second): under gunicorn the port opens only after
    # this, so no member's packet waits for it. Its end of the pipe closes once it is warm
    # (or if it died: the first render then starts another).
    try:
        select.select([ready_r], [], [], READY_WITHIN)
    finally:
        os.close(ready_r)


def _owner_of(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1]) == os.getpid()
    except (OSError, ValueError, IndexError):
        return False


def renderer_pid() -> int:
    """The renderer this process started (0: none, or it uses an inherited one)."""
    return _pid if _owner_of(_pid) else 0


def _connect() -> socket.socket:
    """A connection to the renderer, started again (owned by this process) if it is gone."""
    for attempt in range(2):
        address = _address
        if address is not None:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                conn.connect(address)
                return conn
            except OSError:
                conn.close()
        if attempt == 0:
            with _start_lock:
                if _address == address:
                    _spawn()
    raise ConnectionRefusedError("no renderer")


def _ask(function, args, limit: float | None):
    """`function(*args)` in a render process: its value, or its exception raised here.
    RenderTimeout past `limit`; EOFError if the render process died."""
    deadline = None if limit is None else time.monotonic() + limit
    conn = _connect()
    try:
        render_process.send(conn, (limit, function, args))
        if deadline is not None:
            conn.settimeout(max(deadline - time.monotonic(), 0.001))
        kind, value = render_process.receive(conn)
    except TimeoutError:
        raise RenderTimeout() from None
    finally:
        conn.close()  # a render process still at work sees the hang-up and exits
    if kind == "raise":
        raise value
    return value


def run(function, *args):
    """Call `function` in a render process; in this process if no renderer can be reached.
    Past the time limit the render process is stopped and RenderTimeout raised."""
    deadline = _deadline.get()
    if not _turn.acquire(timeout=-1 if deadline is None else max(deadline - time.monotonic(), 0)):
        raise RenderTimeout()  # the renders before it took the whole time
    try:
        for _attempt in range(2):  # a render process that died gets one more try
            try:
                left = None if deadline is None else max(deadline - time.monotonic(), 0.001)
                return _ask(function, args, left)
            except (EOFError, ConnectionError, BrokenPipeError):
                continue
    finally:
        _turn.release()
    return function(*args)


def ping(timeout: float) -> bool:
    """Whether the renderer answers (readiness): a render process is asked for its pid, which
    costs no layout. While every render process is busy with a member's PDF, the renderer
    counts as answering if it still takes connections."""
    try:
        return _ask(os.getpid, (), timeout) > 0
    except RenderTimeout:
        return _listening()
    except (EOFError, OSError):
        return False


def _listening() -> bool:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(_address)
        return True
    except (OSError, TypeError):
        return False
    finally:
        conn.close()
