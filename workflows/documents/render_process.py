"""The renderer's side: one warm process, and the render processes forked from it.

`serve` runs in the renderer, a fork of the process that started it (gunicorn's master after
`--preload`, a worker, `flask run`): it shares that process's imported pages copy-on-write
instead of importing everything again. It lays out a small document once (fonts found,
stylesheets parsed), keeps what it holds away from the garbage collector (a collection would
write to every object and copy the pages it shares), lets its owner go on, and from then on
keeps a few render processes forked ahead, each waiting on the socket. Each lays out one PDF,
warm, at a lower CPU priority, and exits once it is sent, with everything it allocated: memory
does not grow with the PDFs made, and a render process's successor is forked after its
answer went, not while a member waits.

Nothing outlives its owner: the renderer exits when its owner process does (a pidfd, whatever
the owner died of), each render process when the renderer does (PR_SET_PDEATHSIG), or when
the client waiting for it hangs up (its time limit passed, or the worker died).
"""
from __future__ import annotations

import ctypes
import gc
import os
import pickle
import select
import signal
import socket
import struct
import threading

HEADER = struct.Struct("!Q")  # the length of the pickled message that follows
_PR_SET_PDEATHSIG, _PR_SET_NAME = 1, 15
_libc = ctypes.CDLL(None, use_errno=True)


def send(conn: socket.socket, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    conn.sendall(HEADER.pack(len(data)) + data)


def receive(conn: socket.socket):
    """One message, or EOFError when the other side closed first."""
    (size,) = HEADER.unpack(_exactly(conn, HEADER.size))
    return pickle.loads(_exactly(conn, size))


def _exactly(conn: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        n = conn.recv_into(view[got:])
        if not n:
            raise EOFError("closed")
        got += n
    return bytes(buffer)


def serve(listener: socket.socket, owner: int, warm_up, size: int, ready: int) -> None:
    """The renderer's life (in the forked child; never returns)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the owner; we follow it
        for name in ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGWINCH"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)  # not the owner's handlers
        _name(b"mip-renderer")
        gc.freeze()  # (the owner froze its objects before the fork: see renderer._spawn)
        owner_fd = _watch(owner)
        _drop_inherited_files(keep={0, 1, 2, listener.fileno(), owner_fd, ready})
        if warm_up is not None:
            try:
                warm_up()
            except Exception:  # noqa: BLE001  (a cold renderer still renders)
                pass
        gc.freeze()  # and the warm-up's
        _loop(listener, owner_fd, size, ready)
    finally:
        os._exit(0)


def _watch(owner: int) -> int:
    """A pidfd that becomes readable when the owner exits; exit now if it already has."""
    try:
        fd = os.pidfd_open(owner)
    except (ProcessLookupError, OSError, AttributeError):
        os._exit(0)
    if os.getppid() != owner:  # it died before the pidfd was made
        os._exit(0)
    return fd


def _loop(listener: socket.socket, owner_fd: int, size: int, ready: int) -> None:
    """Keep `size` render processes alive, each waiting on the socket for a request, forked
    ahead of it (no fork stands between a member and the layout). Each serves one request and
    exits; its successor is forked then, after its answer went, not while it renders. At most
    `size` renders run at once on the machine; more wait in the socket's queue."""
    poller = select.poll()
    poller.register(owner_fd, select.POLLIN)
    children: dict[int, int] = {}  # pidfd: pid
    me = os.getpid()
    while True:
        while len(children) < size:
            pid = os.fork()
            if pid == 0:
                os.close(owner_fd)
                if ready >= 0:
                    os.close(ready)
                    os.nice(10)
                for pidfd in children:
                    os.close(pidfd)
                _render(listener, me)
            pidfd = os.pidfd_open(pid)
            children[pidfd] = pid
            poller.register(pidfd, select.POLLIN)
        if ready >= 0:  # warm, and the first render processes wait: the owner may go on
            os.close(ready)
            ready = -1
            os.nice(10)  # from now on pages first: renders take what CPU the workers leave
        for fd, _events in poller.poll():
            if fd == owner_fd:
                for pid in children.values():
                    _kill(pid)
                os._exit(0)
            if fd in children:  # a render process ended (done, or killed): reap it
                pid = children.pop(fd)
                poller.unregister(fd)
                os.close(fd)
                _reap(pid)


def _render(listener: socket.socket, renderer: int) -> None:
    """In a render process: wait for one request, answer it, exit (never returns)."""
    try:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != renderer:  # it died before the signal was asked for
            os._exit(0)
        _name(b"mip-render")
        while True:
            conn, _ = listener.accept()
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            if struct.unpack("3i", creds)[1] == os.getuid():
                break
            conn.close()  # only the service's own processes may ask (a pickle runs code)
        listener.close()
        _exit_on_hang_up(conn)
        try:
            limit, function, args = receive(conn)
        except EOFError:
            os._exit(0)
        if limit:  # the client stops waiting at the limit and hangs up; this is a backstop
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.setitimer(signal.ITIMER_REAL, limit + 5)
        try:
            answer = ("ok", function(*args))
        except BaseException as exc:  # noqa: BLE001  (it goes back to the caller, raised there)
            answer = ("raise", exc)
        try:
            send(conn, answer)
        except (pickle.PicklingError, TypeError, AttributeError):
            send(conn, ("raise", RuntimeError(f"render failed: {type(answer[1]).__name__}")))
    except BaseException:  # noqa: BLE001
        pass
    finally:
        os._exit(0)


def _exit_on_hang_up(conn: socket.socket) -> None:
    """The client hung up (its time limit passed, or it died): stop at once, mid-render."""
    def watch():
        poller = select.poll()
        poller.register(conn, select.POLLRDHUP)  # also reports POLLHUP and POLLERR
        poller.poll()
        os._exit(0)
    threading.Thread(target=watch, name="exit-on-hang-up", daemon=True).start()


def _drop_inherited_files(keep: set[int]) -> None:
    """The owner's sockets and files (its listeners, database connections, temp files) must
    not stay open here. Each inherited descriptor is pointed at /dev/null rather than closed,
    so that an inherited object closing its number later cannot close one of ours."""
    null = os.open(os.devnull, os.O_RDONLY)
    for entry in os.listdir("/proc/self/fd"):
        fd = int(entry)
        if fd not in keep and fd != null:
            try:
                os.dup2(null, fd, inheritable=False)
            except OSError:
                pass  # the listing's own descriptor, already closed


def _name(name: bytes) -> None:
    """What ps and top show for the process (its comm)."""
    _libc.prctl(_PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(pid: int, block: bool = False) -> None:
    try:
        os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        pass
