"""Where WeasyPrint runs: a renderer process of each worker, at lower CPU priority.

A render is hundreds of milliseconds of CPU that holds the GIL. In the web process it would
hold up every page the worker serves meanwhile; so the layout runs in a renderer process of
the worker's own, at a lower CPU priority, while the worker's threads serve pages and the
waiting thread holds nothing. The HTML is made in the worker, the
PDF in the renderer.

Nothing is left behind. The renderer is forked by multiprocessing's fork server, not by the
worker, and it holds both ends of its own task pipes: left alone it would outlive a worker
killed with SIGKILL (or by the OOM killer), or a `flask run` stopped with SIGTERM, and keep
the fork server (alive while any of its children holds its "alive" pipe) and the resource
tracker (alive while anyone holds its pipe) running too. So the renderer watches its worker
(a pidfd: readable when that very process exits) and exits with it; the fork server and the
tracker then see their pipes close and exit on their own.
"""
from __future__ import annotations

import multiprocessing
import os
import select
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

_renderer: ProcessPoolExecutor | None = None
_renderer_pid = 0
_renderer_lock = threading.Lock()


def _start_renderer(worker: int) -> None:
    """Runs first in the renderer process: lower CPU priority, and leave with the worker."""
    os.nice(10)
    _exit_with(worker)


def _exit_with(worker: int) -> None:
    """Exit this process as soon as process `worker` has exited (whatever it died of)."""
    try:
        watched = os.pidfd_open(worker)
    except ProcessLookupError:
        os._exit(0)  # gone before the renderer even started
    except (AttributeError, OSError):  # no pidfds here (not Linux 5.3+): the parent's pipe
        watched = multiprocessing.parent_process().sentinel

    def watch():
        select.select([watched], [], [])
        os._exit(0)  # mid-render or idle: nothing of the renderer's is worth keeping
    threading.Thread(target=watch, name="exit-with-worker", daemon=True).start()


class RenderTimeout(Exception):
    """A render took longer than its time limit: it was stopped."""


# The time one render may take, set by the caller (the web layer) around what it renders.
_limit: ContextVar[float | None] = ContextVar("render_time_limit", default=None)
# One render at a time per renderer: the time limit then counts this render only, and
# stopping it stops nobody else's.
_turn = threading.Lock()


@contextmanager
def time_limit(seconds: float | None):
    token = _limit.set(seconds)
    try:
        yield
    finally:
        _limit.reset(token)


def run(function, *args):
    """Call `function` in this process's renderer process (started on first use, and again
    after a fork or a crash); in this process if no renderer will do. Past the time limit
    the renderer is stopped (a fresh one serves the next render) and RenderTimeout raised."""
    limit = _limit.get()
    with _turn:
        for _attempt in range(2):  # a renderer that died gets one fresh successor
            renderer = _current_renderer()
            try:
                future = renderer.submit(function, *args)
            except (BrokenProcessPool, RuntimeError, OSError):  # shut down meanwhile, or none can start
                _drop(renderer)
                continue
            try:
                return future.result(limit)  # the function's own errors come back as they are
            except TimeoutError:
                _drop(renderer, kill=True)
                raise RenderTimeout() from None
            except (BrokenProcessPool, CancelledError):  # it died (killed, out of memory)
                _drop(renderer)
    return function(*args)


def ping(timeout: float) -> bool:
    """Whether this process's renderer answers (readiness): it is started if there is none,
    and asked for its pid, which costs no layout. While it is busy with a render it counts as
    answering if its process is alive: a ping must not wait behind a member's packet."""
    if not _turn.acquire(timeout=min(timeout, 1.0)):
        with _renderer_lock:
            busy = _renderer if _renderer_pid == os.getpid() else None
        return busy is not None and any(p.is_alive() for p in (busy._processes or {}).values())
    try:
        renderer = _current_renderer()
        try:
            return renderer.submit(os.getpid).result(timeout) > 0
        except TimeoutError:
            _drop(renderer, kill=True)  # wedged: the next render gets a fresh one
        except (BrokenProcessPool, CancelledError, RuntimeError, OSError):
            _drop(renderer)
        return False
    finally:
        _turn.release()


def _current_renderer() -> ProcessPoolExecutor:
    global _renderer, _renderer_pid
    with _renderer_lock:
        if _renderer is None or _renderer_pid != os.getpid():
            _renderer = ProcessPoolExecutor(max_workers=1, initializer=_start_renderer,
                                            initargs=(os.getpid(),),
                                            mp_context=multiprocessing.get_context("forkserver"))
            _renderer_pid = os.getpid()
        return _renderer


def _drop(renderer: ProcessPoolExecutor, kill: bool = False) -> None:
    global _renderer
    with _renderer_lock:
        if _renderer is renderer:
            _renderer = None
    if kill:  # it is busy with a render past its time: shutting down would wait for it
        for process in list((renderer._processes or {}).values()):
            process.kill()
    renderer.shutdown(wait=False, cancel_futures=True)
