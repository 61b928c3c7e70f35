"""Processes left behind, and the renderer's life: PDFs are laid out by render processes
forked from one renderer, which the app starts with itself (under `gunicorn --preload`, the
master: one per machine). A worker or master killed with SIGKILL (or by the OOM killer), or
`flask run` stopped with SIGTERM, must take all of them with it, and a stopped app must leave
nothing running; and the renderer must be there, warm, before the first member asks.

Processes are told apart by walking /proc: every process of a test's app carries an
environment variable with a value of that test's own (inherited by whatever the app starts),
and children are found by their parent pid. Nothing is matched by name, so parallel tests and
other people's processes are never counted, and the clean-up kills only this test's pids."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from tests.support.ports import free_port
from tests.support.samples import fill_claim
from tests.support.http import RequestsMember as Member
from tests.support.pdf import pdf_text
from tests.support.servers import ROOT, AppProcess, wait_for_port

MARK = "MIP_TEST_PROCESS_MARK"
GONE_WITHIN = 10.0  # seconds


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    state: str
    start: int  # clock ticks after boot: with the pid, names one process (pids are reused)
    cmdline: str
    comm: str  # the name ps shows: the renderer names itself and its render processes


def read_proc(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    return Proc(pid, int(fields[1]), fields[0], int(fields[19]), cmdline.strip(), comm)


def marked(mark: str) -> dict[int, Proc]:
    """Every live process (zombies are dead: they only wait to be reaped) carrying `mark`."""
    needle = f"{MARK}={mark}".encode()
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if needle in environ.split(b"\0"):
            proc = read_proc(int(entry))
            if proc is not None and proc.state not in ("Z", "X"):
                found[proc.pid] = proc
    return found


def descendants(root: int, procs: dict[int, Proc]) -> dict[int, Proc]:
    """The processes under `root` (children by parent pid, and theirs), among `procs`."""
    found, frontier = {}, {root}
    while frontier:
        children = {p.pid: p for p in procs.values() if p.ppid in frontier and p.pid not in found}
        found.update(children)
        frontier = set(children)
    return found


def still_running(snapshot: dict[int, Proc]) -> list[Proc]:
    """Those of `snapshot` still running (the same process: same pid and start time)."""
    left = []
    for proc in snapshot.values():
        now = read_proc(proc.pid)
        if now is not None and now.start == proc.start and now.state not in ("Z", "X"):
            left.append(now)
    return left


def wait_until_gone(snapshot: dict[int, Proc], timeout: float = GONE_WITHIN) -> list[Proc]:
    deadline = time.monotonic() + timeout
    while True:
        left = still_running(snapshot)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def kill_leftovers(mark: str) -> None:
    """After the test, whatever happened: SIGKILL this test's own processes, by pid."""
    for proc in marked(mark).values():
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def describe(procs) -> str:
    return "\n".join(f"{p.pid} (parent {p.ppid}): {p.cmdline[:160]}" for p in procs)


def app_env(database_url: str, tmp_path: Path, mark: str) -> dict:
    return {MARK: mark, "DATABASE_URL": database_url, "SECRET_KEY": "processes",
            "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "MAIL_SERVER": "",
            "OUTBOX_DIR": str(tmp_path / "outbox"), "OUTBOX_POLL_SECONDS": "0"}


def render_a_packet(url: str) -> Member:
    """A member finishes a claim and downloads the packet: the worker's renderer lays it out."""
    member = Member(url)
    fill_claim(member)
    packet = member.get("/claim/done/packet.pdf")
    assert packet.status_code == 200 and packet.content.startswith(b"%PDF")
    assert "Zoë Ørsted" in pdf_text(packet.content)
    return member


def renderer_set(owner: int, mark: str) -> dict[int, Proc]:
    """What `owner` started for rendering: the renderer (its one child named so) and the
    render processes it keeps waiting (the renderer's children; one that answered is
    replaced a moment later)."""
    deadline = time.monotonic() + GONE_WITHIN
    while True:
        procs = marked(mark)
        renderers = [p for p in procs.values() if p.ppid == owner and p.comm == "mip-renderer"]
        assert len(renderers) == 1, describe(descendants(owner, procs).values())
        (renderer,) = renderers
        found = {renderer.pid: renderer, **descendants(renderer.pid, procs)}
        if len(found) > 1 or time.monotonic() > deadline:
            assert len(found) > 1, describe(found.values())
            return found
        time.sleep(0.1)


def same(one: Proc, other: Proc) -> bool:
    return (one.pid, one.start) == (other.pid, other.start)


def the_renderer(owner: int, mark: str) -> Proc:
    (renderer,) = [p for p in renderer_set(owner, mark).values() if p.ppid == owner]
    return renderer



@pytest.fixture
def mark():
    value = uuid.uuid4().hex
    yield value
    kill_leftovers(value)


def start_gunicorn(database_url, tmp_path, mark, workers: int) -> tuple[subprocess.Popen, str]:
    """The README's production command (`--preload`, threads), on a port of its own."""
    port = free_port()
    env = {**{k: v for k, v in os.environ.items()
              if not k.startswith(("MAIL_", "OUTBOX_", "DRAFT_", "SEND_LIMIT_"))
              and k not in ("DATABASE_URL", "SECRET_KEY", "TRUSTED_PROXIES")},
           **app_env(database_url, tmp_path, mark)}
    with open(tmp_path / "gunicorn.log", "wb") as out:
        master = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "-w", str(workers), "--threads", "4",
             "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "app:app"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    wait_for_port(port, process=master)
    return master, f"http://127.0.0.1:{port}"


def workers_of(master: subprocess.Popen, mark: str, count: int, log: Path) -> list[Proc]:
    deadline = time.monotonic() + 30
    while len(found := [p for p in marked(mark).values()
                        if p.ppid == master.pid and p.comm != "mip-renderer"]) < count:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    return found


def test_under_gunicorn_one_renderer_runs_before_any_member_asks_and_outlives_workers(
        database_url, tmp_path, mark):
    master, url = start_gunicorn(database_url, tmp_path, mark, workers=2)
    try:
        # Started with the app, before any request: the master's one renderer, its render
        # processes waiting; the workers start nothing of their own.
        (renderer,) = [p for p in marked(mark).values()
                       if p.ppid == master.pid and p.comm == "mip-renderer"]
        workers = workers_of(master, mark, 2, tmp_path / "gunicorn.log")
        assert all(not descendants(w.pid, marked(mark)) for w in workers)
        # Ready once it has laid out its first document and forked its render processes.
        assert requests.get(f"{url}/readyz", timeout=60).json()["checks"]["renderer"] == "ok"
        assert same(the_renderer(master.pid, mark), renderer)
        member = render_a_packet(url)
        render_a_packet(url)
        assert same(the_renderer(master.pid, mark), renderer)  # the same process, not a new one
        assert all(not descendants(w.pid, marked(mark)) for w in workers_of(master, mark, 2, tmp_path / "gunicorn.log"))

        # A worker killed (what the OOM killer does) leaves nothing; its successor renders
        # with the same renderer.
        killed = workers[0]
        os.kill(killed.pid, signal.SIGKILL)
        assert not wait_until_gone({killed.pid: killed})
        deadline = time.monotonic() + 30
        while not any(p.pid != killed.pid and p.pid not in {w.pid for w in workers}
                      for p in workers_of(master, mark, 2, tmp_path / "gunicorn.log")):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        for _ in range(4):  # whichever worker answers: both use the master's renderer
            fax = member.get("/claim/done/fax.pdf?paper=A4")  # not kept: laid out now
            assert fax.status_code == 200 and "FAX" in pdf_text(fax.content).upper()
        assert same(the_renderer(master.pid, mark), renderer)

        # Stopping the app (SIGTERM to the master) leaves nothing of it running.
        everything = marked(mark)
        master.terminate()
        master.wait(30)
        left = wait_until_gone(everything)
        assert not left, f"still running {GONE_WITHIN:g} s after gunicorn stopped:\n{describe(left)}"
    finally:
        if master.poll() is None:
            master.kill()
            master.wait(10)


def test_a_gunicorn_master_killed_with_sigkill_takes_the_renderer_with_it(database_url, tmp_path, mark):
    master, url = start_gunicorn(database_url, tmp_path, mark, workers=1)
    try:
        render_a_packet(url)
        started = renderer_set(master.pid, mark)
        everything = marked(mark)
        master.kill()  # no clean-up at all: what the OOM killer does to the master
        master.wait(10)
        left = wait_until_gone(started)
        assert not left, f"renderer still running {GONE_WITHIN:g} s after the master was killed:\n{describe(left)}"
        left = wait_until_gone(everything)
        assert not left, f"still running {GONE_WITHIN:g} s after the master was killed:\n{describe(left)}"
    finally:
        if master.poll() is None:
            master.kill()
            master.wait(10)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stopping_flask_run_after_a_render_leaves_nothing_behind(database_url, tmp_path, mark, stop):
    app = AppProcess(app_env(database_url, tmp_path, mark), tmp_path / "app.log").start()
    try:
        render_a_packet(app.url)
        started = renderer_set(app.process.pid, mark)
        everything = marked(mark)
        assert set(started) < set(everything)  # flask itself is the rest

        app.process.send_signal(stop)
        app.process.wait(60)  # its own shutdown; on a loaded machine it can take a while
        left = wait_until_gone(everything)
        assert not left, f"still running {GONE_WITHIN:g} s after flask run stopped:\n{describe(left)}"
    finally:
        app.kill()


def test_flask_run_killed_with_sigkill_after_a_render_leaves_nothing_behind(database_url, tmp_path, mark):
    """flask run killed with SIGKILL right after its first render: no clean-up ran at all."""
    app = AppProcess(app_env(database_url, tmp_path, mark), tmp_path / "app.log").start()
    try:
        render_a_packet(app.url)
        everything = marked(mark)
        renderer_set(app.process.pid, mark)
        app.kill()
        left = wait_until_gone(everything)
        assert not left, f"still running {GONE_WITHIN:g} s after flask run was killed:\n{describe(left)}"
    finally:
        app.kill()


def test_a_render_past_its_time_limit_is_stopped_not_left_running(tmp_path):
    """The render process laying out a PDF past its time limit exits when its caller stops
    waiting (as when the worker waiting for it dies): nothing keeps laying it out."""
    from workflows.documents import RenderTimeout, renderer, time_limit
    pid_file = tmp_path / "render.pid"
    # A render that never ends, and says which process it runs in (exec: a builtin, so the
    # render process needs nothing of this module).
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    with time_limit(5.0), pytest.raises(RenderTimeout):
        renderer.run(exec, code)
    render = read_proc(int(pid_file.read_text()))  # None: already gone
    left = wait_until_gone({render.pid: render} if render else {})
    assert not left, describe(left)
    assert renderer.ping(10)  # and the renderer goes on
