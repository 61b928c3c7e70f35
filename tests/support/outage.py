"""A database that stops answering while the app runs: a SQLite folder that goes away (an
unmounted volume), or the PostgreSQL server's socket cut (a server that is down)."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path

from sqlalchemy import make_url


class CuttableSocket:
    """A PostgreSQL server's unix socket, forwarded through a folder of the test's own, so
    that the test can cut the app off from the server (new connections and open ones alike)
    without stopping the server every other test shares."""

    def __init__(self, target: str):
        self.target = target
        self.folder = tempfile.mkdtemp(prefix="pg-cut-")
        self.path = os.path.join(self.folder, os.path.basename(target))
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(self.path)
        self.listener.listen()
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # cut
            server = socket.socket(socket.AF_UNIX)
            server.connect(self.target)
            self.open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()

    def cut(self):
        self.listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)
        for sock in self.open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def remove(self):
        self.cut()
        shutil.rmtree(self.folder, ignore_errors=True)


def _pump(source: socket.socket, sink: socket.socket):
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def cuttable(database_url: str):
    """(url, cut): `database_url` as the app should use it, and a function that takes the
    database away from that app for good (PostgreSQL: the socket is cut; SQLite: the
    database's folder is moved away, and comes back after the block)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        # A folder of its own beside the given file: only the database goes away.
        folder = Path(url.database).parent / "cuttable-database"
        folder.mkdir()
        away = folder.with_name(folder.name + "-away")
        database_url = f"sqlite:///{folder / Path(url.database).name}"

        def cut_sqlite(app):
            shutil.move(folder, away)
            # Open connections would keep the old file open: dropped, as in a freshly started worker.
            app.extensions["store"].engine.dispose()
        try:
            yield database_url, cut_sqlite
        finally:
            if away.exists():
                shutil.move(away, folder)
        return
    host = url.query["host"]
    forward = CuttableSocket(os.path.join(host, f".s.PGSQL.{url.port or 5432}"))
    try:
        yield url.update_query_dict({"host": forward.folder}).render_as_string(False), \
            lambda _app: forward.cut()
    finally:
        forward.remove()
