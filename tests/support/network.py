"""A TCP listener a test starts, to see whether anything (the PDF renderer, say) connects."""
from __future__ import annotations

import contextlib
import socket
import threading


@contextlib.contextmanager
def listening():
    """(port, what each connection sent first) for the duration of the block."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    seen = []
    stop = threading.Event()

    def run():
        while not stop.is_set():
            try:
                conn, address = server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                seen.append(conn.recv(4096))
            except OSError:
                seen.append(b"")
            conn.close()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], seen
    finally:
        stop.set()
        thread.join()
        server.close()
