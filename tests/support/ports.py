"""Ports for servers a test starts on a port of its choosing (aiosmtpd cannot take port 0, an
app process is told its port) and for "a port nothing listens on".

Asking the kernel for a free port and closing it again leaves a gap in which another test
process (an xdist worker, the other database's run, another checkout's run) could get the
same one. So each test process holds one block of ports of its own, below the kernel's range
for port 0 and outgoing connections (32768 up on Linux), and takes them in turn, skipping any
in use."""
from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import tempfile
import threading
from pathlib import Path

PORT_RANGE = (20000, 32000)
PORT_BLOCK = 200
_ports = {"block": None, "taken": 0, "lock": None}
_ports_mutex = threading.Lock()


def _claim_port_block() -> range:
    """The first block of ports no other process holds, held (by an flock on a file named
    for it) until this process exits."""
    folder = Path(tempfile.gettempdir()) / "mip-test-ports"
    if not folder.exists():
        folder.mkdir(exist_ok=True)
        with contextlib.suppress(OSError):
            folder.chmod(0o1777)  # /tmp-like: every user's test runs share the blocks
    for start in range(*PORT_RANGE, PORT_BLOCK):
        fd = os.open(folder / f"{start}.lock", os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _ports["lock"] = fd  # kept open: the lock goes when the process does
        return range(start, start + PORT_BLOCK)
    raise RuntimeError(f"every block of ports in {PORT_RANGE} is held by another test process")


def free_port() -> int:
    """A port of this process's block that nothing listens on now."""
    with _ports_mutex:
        if _ports["block"] is None:
            _ports["block"] = _claim_port_block()
        for _ in range(PORT_BLOCK):
            port = _ports["block"][_ports["taken"] % PORT_BLOCK]
            _ports["taken"] += 1
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue  # still in use (or lingering) from an earlier test
                return port
    raise RuntimeError("no free port left in this test process's block")
