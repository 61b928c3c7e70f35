"""Servers a test starts: the app on a real HTTP server in this process (werkzeug's,
threaded) or as a process of its own (`flask run`, configured through the environment, as in
production), and the waiting that goes with them. Ports are picked when a server starts,
never fixed (tests/support/ports.py), so test runs side by side do not collide."""
from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from tests.support.http import RequestsMember
from tests.support.mail import SENDER
from tests.support.ports import free_port
from tests.support.processes import descendants, end_leftovers

ROOT = Path(__file__).resolve().parents[2]  # the checkout: app.py is here


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def wait_for_port(port: int, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the app process exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


# --- the app in this process, on a real socket -----------------------------------------------------

class Server:
    """`app` served on 127.0.0.1 (a port of its own) in a thread, until stop()."""

    def __init__(self, app):
        self.app = app
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.httpd.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        # Polls for shutdown() every 50 ms: at werkzeug's default 0.5 s, stop() waited ~0.5 s.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def member(self) -> RequestsMember:
        return RequestsMember(self.url)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def live(app):
    """An in-process real HTTP server for `app` for the duration of the block."""
    server = Server(app)
    try:
        yield server
    finally:
        server.stop()


# --- the app as its own process ------------------------------------------------------------------

def _environment(env: dict, also_drop: tuple[str, ...] = ()) -> dict:
    """This process's environment without the app's settings, then `env`."""
    kept = {k: v for k, v in os.environ.items()
            if not k.startswith(("MAIL_", "OUTBOX_", "DRAFT_", "SEND_LIMIT_"))
            and k not in ("DATABASE_URL", "SECRET_KEY", *also_drop)}
    return {**kept, **{k: str(v) for k, v in env.items()}}


_FLASK_WITH_CTRL_C = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                      "sys.argv[0] = 'flask'; runpy.run_module('flask', run_name='__main__')")


class AppProcess:
    """`flask --app app run` in a subprocess, configured only through the environment, as
    in production. Output goes to a log file the tests can read."""

    def __init__(self, env: dict, log_path: Path, port: int | None = None):
        self.env = {k: str(v) for k, v in env.items()}
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "AppProcess":
        env = _environment(self.env, also_drop=("TRUSTED_PROXIES",))
        env["PYTHONUNBUFFERED"] = "1"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            # `python -m flask`, with Ctrl-C's default restored: a process started in the
            # background (as ./dev starts a test run) inherits SIGINT ignored.
            [sys.executable, "-c", _FLASK_WITH_CTRL_C, "--app", "app", "run", "--host", "127.0.0.1",
             "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for_port(self.port, process=self.process)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up, no atexit, no flushing: what a crash or an OOM kill does."""
        if self.process and self.process.poll() is None:
            left = descendants(self.process.pid)
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            end_leftovers(left)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            left = descendants(self.process.pid)
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
            end_leftovers(left)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def flask_cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run `flask --app app <args>` as its own process (what cron would run)."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=_environment(env), capture_output=True, text=True, timeout=120)


def logged_gunicorn_env(database_url: str, outbox: Path, smtp_port: int) -> dict:
    """The environment of a gunicorn app whose log lines a test reads: a real mail server
    behind it, and mail sent by the request that asks (no background outbox loop)."""
    return {"PATH": "/usr/bin:/bin", "SECRET_KEY": "log-secret", "DATABASE_URL": database_url,
            "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port), "MAIL_DEFAULT_SENDER": SENDER,
            "OUTBOX_DIR": str(outbox), "OUTBOX_POLL_SECONDS": "0"}


@contextlib.contextmanager
def gunicorn_processes(env: dict, logs: Path, names: str = "AB", threads: int = 1):
    """gunicorn serving app:app once per name, on one database (`env`), as behind a load
    balancer, with the project's gunicorn.conf.py (a shared PROMETHEUS_MULTIPROC_DIR in `env`
    adds up their counts); yields their base URLs. Started one after the other: the first
    makes the tables. Output (JSON log lines) goes to `logs`/gunicorn-<name>.log."""
    processes, urls = [], []
    try:
        for name in names:
            port, log = free_port(), open(logs / f"gunicorn-{name}.log", "wb")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "1",
                 "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "app:app"],
                env=env, stdout=log, stderr=log))
            log.close()
            urls.append(f"http://127.0.0.1:{port}")
            assert wait_for(lambda: _answers(urls[-1]), timeout=60), (logs / f"gunicorn-{name}.log").read_text()
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(15)


def _answers(url: str) -> bool:
    connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=5)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()
