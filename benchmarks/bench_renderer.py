"""The renderer's life on the production deployment (issue 15, points 2 and 3):

1. the first packet after gunicorn starts, against warm ones, over several starts;
2. memory (PSS from /proc/PID/smaps_rollup, summed over gunicorn's whole process tree) after
   100 PDFs, against a bare Flask app that imports the same libraries and lays its PDF out
   in-process (bare_pdf_app.py), served the same way, in the same run.

    .venv/bin/python benchmarks/bench_renderer.py [--starts 5] [--pdfs 100] [--check]

Both apps run as the README runs the app: `gunicorn -c gunicorn.conf.py --preload -w 2
--threads 32`. Temp files only; instance/ is not touched. See README.md here.
"""
from __future__ import annotations

import argparse, base64, os, shlex, shutil, socket, statistics, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_load import Member, claim_journey, loadavg  # noqa: E402
from bare_pdf_app import receipt_jpeg  # noqa: E402

COLD_TARGET, MEMORY_TARGET = 1.5, 1.25
PHOTO = receipt_jpeg()  # one 1200x1600 receipt per member, as the bare app's packet has


def serve(target: str, env: dict, log: Path, chdir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--preload",
         "-w", "2", "--threads", "32", "--timeout", "120", "-b", f"127.0.0.1:{port}",
         "--chdir", str(chdir), target], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


def tree(root: int) -> list[int]:
    """`root` and every process below it, by parent pid, from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        found += frontier
    return found


def memory(root: int) -> list[dict]:
    """Per process of the tree: its name and smaps_rollup's figures in MB."""
    rows = []
    for pid in tree(root):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            fields = dict(line.split(":", 1) for line in
                          Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        except OSError:
            continue
        mb = {k: int(v.split()[0]) / 1024 for k, v in fields.items()}
        stat = Path(f"/proc/{pid}/stat").read_text()
        rows.append({"pid": pid, "ppid": int(stat[stat.rindex(")") + 2:].split()[1]), "comm": comm, "pss": mb["Pss"], "rss": mb["Rss"],
                     "private": mb["Private_Clean"] + mb["Private_Dirty"],
                     "shared": mb["Shared_Clean"] + mb["Shared_Dirty"]})
    return rows


def role(row: dict, root: int, renderers: set[int]) -> str:
    if row["pid"] == root:
        return "master"
    if row["comm"] == "mip-renderer" and row["ppid"] not in renderers:
        return "renderer"
    return "render process" if row["ppid"] in renderers else "worker"


def show_memory(title: str, root: int) -> float:
    rows = memory(root)
    total = sum(r["pss"] for r in rows)
    print(f"  {title}: {total:.0f} MB PSS in {len(rows)} processes")
    renderers = {r["pid"] for r in rows if r["comm"] == "mip-renderer" and r["ppid"] == root}
    for r in rows:
        print(f"    {role(r, root, renderers):<15} pid {r['pid']:>7}  PSS {r['pss']:6.1f}  RSS {r['rss']:6.1f}  "
              f"private {r['private']:6.1f}  shared {r['shared']:6.1f} MB")
    return total


def env_for(tmp: Path) -> dict:
    return {**os.environ, "SECRET_KEY": "bench-renderer", "DATABASE_URL": f"sqlite:///{tmp / 'drafts.sqlite3'}",
            "MAIL_SERVER": "", "DRAFT_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "OUTBOX_DIR": str(tmp / "outbox"), "OUTBOX_POLL_SECONDS": "0",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics")}


def packet_seconds(base: str, name: str) -> float:
    member = Member(base, 0, seed=0)
    claim_journey(member, name, [PHOTO])
    return member.timings[-1][1]  # the packet PDF's request: the last one


def cold_starts(starts: int, warm: int, tmp: Path) -> tuple[list[float], list[float]]:
    """Per start: the first packet (a member finishing as soon as gunicorn listens), then
    `warm` more, one after another."""
    first, later = [], []
    for i in range(starts):
        folder = tmp / f"start-{i}"
        (folder / "metrics").mkdir(parents=True)
        server, base = serve("app:app", env_for(folder), tmp / "cold.log", ROOT)
        try:
            first.append(packet_seconds(base, "Tess Cold"))
            later += [packet_seconds(base, f"Tess Warm{j}") for j in range(warm)]
        finally:
            stop(server)
        print(f"  start {i + 1}: first {first[-1] * 1000:.0f} ms, then {', '.join(f'{s * 1000:.0f}' for s in later[-warm:])} ms")
    return first, later


def memory_after(pdfs: int, tmp: Path, bare: bool) -> float:
    folder = tmp / ("bare" if bare else "ours")
    (folder / "metrics").mkdir(parents=True)
    target, chdir = ("bare_pdf_app:app", ROOT / "benchmarks") if bare else ("app:app", ROOT)
    server, base = serve(target, env_for(folder), tmp / f"{folder.name}.log", chdir)
    try:
        if bare:
            def one(i):
                return Member(base, 0, seed=i).send("packet", "GET", "/packet.pdf")
        else:
            def one(i):
                return claim_journey(Member(base, 0, seed=i), f"Tess Mem{i:05d}", [PHOTO])
        show_memory("ready", server.pid)
        with ThreadPoolExecutor(4) as pool:  # four members at a time
            list(pool.map(one, range(pdfs)))
        time.sleep(1)  # the last render processes exit and are replaced
        return show_memory(f"after {pdfs} PDFs", server.pid)
    finally:
        stop(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="gunicorn starts for the first-packet figure")
    parser.add_argument("--warm", type=int, default=3, help="warm packets after each first one")
    parser.add_argument("--pdfs", type=int, default=100)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    started, tmp = time.perf_counter(), Path(tempfile.mkdtemp(prefix="bench-renderer-"))
    print("$", shlex.join(sys.orig_argv))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}; "
          f"gunicorn -c gunicorn.conf.py --preload -w 2 --threads 32; load average before: {loadavg()}\n")
    try:
        print("First packet after a start (a member finishing as soon as gunicorn listens):")
        first, later = cold_starts(args.starts, args.warm, tmp)
        cold = statistics.median(first) / statistics.median(later)
        print(f"  median first {statistics.median(first) * 1000:.0f} ms, median warm "
              f"{statistics.median(later) * 1000:.0f} ms: {cold:.2f}x (target <= {COLD_TARGET}x)\n")
        print(f"Memory after {args.pdfs} PDFs (PSS, shared pages counted once):")
        print(" bare Flask app, rendering in the worker:")
        bare = memory_after(args.pdfs, tmp, bare=True)
        print(" the app, with its renderer:")
        ours = memory_after(args.pdfs, tmp, bare=False)
        ratio = ours / bare
        print(f"  {ours:.0f} MB against {bare:.0f} MB: {ratio:.2f}x (target <= {MEMORY_TARGET}x)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ntook {time.perf_counter() - started:.0f} s; load average after: {loadavg()}")
    missed = [name for name, ok in (("first packet", cold <= COLD_TARGET), ("memory", ratio <= MEMORY_TARGET)) if not ok]
    if missed:
        print("missed:", ", ".join(missed))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
