"""Load: 50 simulated members at once, each completing a whole claim with a name of their own
(every step, one small receipt, then the packet PDF), against `gunicorn -w 2 --preload app:app`;
then every PDF is checked to hold its own member's name and no other member's. The baseline,
measured in the same run: the same members opening and posting bench_claim's bare Flask-WTF page
as often, with the same pacing, under the same gunicorn. See README.md here.

    .venv/bin/python benchmarks/bench_load.py [--members 50] [--think 1] [--database-url URL] [--check]

Exits 1 on any error or wrong PDF; with --check also when a step's p99 is 100 ms or more.
Temp files only (SQLite database, outbox); instance/ is not touched.
"""
from __future__ import annotations

import argparse, base64, contextlib, http.client, io, os, random, shlex, shutil, socket, ssl, statistics
import subprocess, sys, tempfile, threading, time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_claim import BARE_POST, TOKEN  # noqa: E402  (the claim benchmark's baseline page)
from tests.support.files import jpeg_bytes  # noqa: E402
from tests.support.http import multipart  # noqa: E402
from tests.support.samples import EXPENSES, MEMBER, TREATMENT  # noqa: E402

TARGET_MS = 100  # p99 of every step; the packet PDF is reported on its own
PACKET_TARGET = 3.0  # each packet's time against one member's alone (median), same run


def member_names(n: int) -> list[str]:
    """Unique names of one length, so that no name is part of another: "Tess Lobac"."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [f"Tess Lo{letters[i // 676 % 26]}{letters[i // 26 % 26]}{letters[i % 26]}"
            for i in range(n)]


def claim_steps(name: str, photos=None) -> list[tuple[str, str, dict, str]]:
    """(label, URL, form, where the save leads) of every page a member saves, in order: the
    test suite's answers (tests/support/samples.py) with the member's own name wherever one
    goes, and `photos` (default: one small receipt) uploaded one by one."""
    uploads = [("receipt upload", "/claim/receipts",
                {"action": "upload", "kind": "invoice", "file": (io.BytesIO(photo), f"receipt-{i}.jpg")},
                "/claim/receipts") for i, photo in enumerate(photos or [RECEIPT])]
    return [
        ("member", "/claim/member", {**MEMBER, "full_name": name}, "/claim/patient"),
        ("patient", "/claim/patient", {"who": "member"}, "/claim/treatment"),
        ("treatment", "/claim/treatment", TREATMENT, "/claim/expenses"),  # empty: on to /new
        ("expense", "/claim/expenses/new", EXPENSES[0], "/claim/expenses"),
        ("expenses", "/claim/expenses", {}, "/claim/payment"),
        ("payment", "/claim/payment", {"payee": "member", "currency": "EUR", "method": "bank"},
         "/claim/bank"),
        ("bank", "/claim/bank", {"holder": name, "country": "BE"}, "/claim/bank-iban"),
        ("bank-iban", "/claim/bank-iban", {"iban": "BE71 0961 2345 6769", "bic": "GEBABEBB"},
         "/claim/receipts"),
        *uploads,
        ("receipts", "/claim/receipts", {"action": "continue"}, "/claim/check"),
        ("check (sign)", "/claim/check", {"confirm": "y", "signature": name}, "/claim/done"),
    ]


RECEIPT = jpeg_bytes((600, 800))  # one small receipt (a few KB)


def receipt_photo(seed: int, size=(1500, 2000)) -> bytes:
    """A phone photo of a receipt (3 MP by default): a grey page with lines of dark text-like
    marks, a little noise, so that it compresses and decodes like a photo, not a blank page."""
    from PIL import Image, ImageDraw, ImageFilter
    rng = random.Random(seed)
    image = Image.new("L", size, 225)
    draw = ImageDraw.Draw(image)
    for y in range(120, size[1] - 120, 48):
        x = 100
        while x < size[0] - 200:
            width = rng.randint(20, 140)
            draw.rectangle((x, y, x + width, y + 22), fill=rng.randint(20, 90))
            x += width + rng.randint(12, 30)
    image = image.filter(ImageFilter.GaussianBlur(1.2)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


class Failed(Exception):
    pass


UNVERIFIED = ssl._create_unverified_context()  # nginx's certificate here is a self-signed one


class Member:
    """One simulated member: a thread with its own cookies, pacing and timings. Stdlib
    http.client, one connection per request (gunicorn's sync workers close each one)."""

    def __init__(self, base: str, think: float, seed: int):
        self.netloc, self.think = urlsplit(base).netloc, think
        self.tls = urlsplit(base).scheme == "https"
        self.rng, self.cookies, self.token = random.Random(seed), {}, ""
        self.timings: list[tuple[str, float]] = []  # (label, seconds)

    def pause(self):
        """A person reading the page and filling it in: 0.5 to 1.5 times the think time."""
        if self.think:
            time.sleep(self.think * self.rng.uniform(0.5, 1.5))

    def send(self, label, method, path, fields=None, expect=(200,)):
        body, headers = b"", {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if fields is not None:  # a browser's form post names where it comes from
            origin = f"{'https' if self.tls else 'http'}://{self.netloc}"
            headers.update(Origin=origin, Referer=origin + path)
            fields = {"csrf_token": self.token, **fields}
            if any(isinstance(v, tuple) for v in fields.values()):
                body, headers["Content-Type"] = multipart(fields)
            else:
                body = urlencode(fields).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        conn = (http.client.HTTPSConnection(self.netloc, timeout=60, context=UNVERIFIED) if self.tls
                else http.client.HTTPConnection(self.netloc, timeout=60))
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
        self.timings.append((label, time.perf_counter() - start))
        for header in r.msg.get_all("Set-Cookie") or []:
            name, _, value = header.split(";")[0].partition("=")
            self.cookies[name] = value
        if r.status not in expect:
            raise Failed(f"{method} {path}: {r.status}, expected {expect}")
        if r.headers.get("Content-Type", "").startswith("text/html"):
            self.token = (TOKEN.search(data.decode()) or [None, self.token])[1]
        return r, data

    def open(self, path):
        """GET a page as a browser does after a redirect (following any further redirect)."""
        r, data = self.send(f"open {path}", "GET", path, expect=(200, 302))
        if r.status == 302:  # the expenses list, empty, sends the member on to add one
            self.timings[-1] = (f"open {path} (redirect)", self.timings[-1][1])
            return self.open(urlsplit(r.headers["Location"]).path)
        return data

    def save(self, label, path, fields, leads_to: str):
        self.pause()
        r, _ = self.send(f"save {label}", "POST", path, fields, expect=(303,))
        location = urlsplit(r.headers["Location"]).path
        if location != leads_to:
            raise Failed(f"POST {path} led to {location}, expected {leads_to}")


def claim_journey(member: Member, name: str, photos=None) -> bytes:
    """Every step of the claim, as a browser without JavaScript: open a page, fill it in, save,
    follow the redirect to the next page. Returns the packet PDF."""
    member.open("/claim/member")
    for label, path, fields, leads_to in claim_steps(name, photos):
        member.save(label, path, fields, leads_to)
        member.open(leads_to)
    member.pause()
    r, pdf = member.send("packet PDF", "GET", "/claim/done/packet.pdf")
    if not pdf.startswith(b"%PDF"):
        raise Failed("the packet is not a PDF")
    return pdf


def bare_journey(member: Member, pages: int):
    """The baseline: the same number of pages opened and saved, on the bare Flask-WTF route."""
    for _ in range(pages):
        member.send("bare open", "GET", "/member")
        member.pause()
        member.send("bare save", "POST", "/member", BARE_POST)  # valid: renders the page again


def run_members(work, count: int, ramp: float) -> tuple[list, list, float]:
    """`work(i)` for members 0..count-1, each in its own thread, starting evenly over `ramp`
    seconds (as locust's spawn rate does). Returns results, errors, and wall time."""
    results, errors = [None] * count, []

    def one(i):
        time.sleep(ramp * i / count)
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001  (every failure is reported, none stops the rest)
            errors.append(f"member {i}: {type(exc).__name__}: {exc}")
    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors, time.perf_counter() - start


def warm_up(work, workers: int):
    """Untimed: a journey per worker, two at a time, so each worker has compiled its
    templates and loaded WeasyPrint's fonts before the members come (for both sides)."""
    for _ in range(0, workers, 2):
        _, errors, _ = run_members(work, 2, 0)
        if errors:
            raise SystemExit(f"warm-up failed: {errors}")


def serve(target: str, env: dict, log: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    """gunicorn -w 2 --preload on a free port, as the README runs the app in production."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "-w", str(workers), "--preload", "--timeout", "120",
         *(["--threads", str(threads)] if threads > 1 else []), "-b",
         f"127.0.0.1:{port}", "--chdir", str(ROOT), "--pythonpath", str(ROOT / "benchmarks"),
         target], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()}")


def loadavg() -> str:
    """The box is shared: how busy it was tells how far to trust the figures."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())


def pct(values, p) -> float:
    """The p-th percentile in ms (inclusive method: p99 of 50 samples lies between the two
    slowest)."""
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


@contextlib.contextmanager
def deployed(target: str, env: dict, tmp: Path, args):
    """`target` served as in production: the app exactly as deploy/ runs it (the unit's
    gunicorn command and environment, gunicorn.conf.py, behind nginx with the deploy site, over
    TLS: tests/support/production.py); the baseline under the same gunicorn command behind the
    same nginx. With --direct: gunicorn alone, with --workers and --threads. Yields the URL
    and gunicorn's own port."""
    from tests.support.production import nginx_in_front, production
    folder = tmp / target.split(":")[0]
    folder.mkdir()
    if target == "app:app" and not args.direct:
        with production(folder, env) as running:
            yield running.url, running.app_port
        return
    server, base = serve(target, env, folder / "gunicorn.log", args.workers, args.threads)
    try:
        if args.direct:
            yield base, urlsplit(base).port
        else:
            with nginx_in_front(folder, [urlsplit(base).port]) as https_port:
                yield f"https://127.0.0.1:{https_port}", urlsplit(base).port
    finally:
        server.terminate(), server.wait(10)


def server_cpu(port: int) -> float:
    """CPU seconds used so far by the gunicorn listening on `port` and every process under it,
    those already ended included (a parent's cutime and cstime), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            table[int(entry)] = (int(fields[1]), sum(map(int, fields[11:15])), cmdline)
    needle = f"127.0.0.1:{port}".encode()
    tree = {pid for pid, (ppid, _, cmd) in table.items() if needle in cmd and b"gunicorn" in cmd}
    while True:
        more = {pid for pid, (ppid, _, _) in table.items() if ppid in tree} - tree
        if not more:
            break
        tree |= more
    return sum(table[pid][1] for pid in tree) / os.sysconf("SC_CLK_TCK")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a member spends on a page (0.5x to 1.5x of it); 0: none")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which members arrive")
    parser.add_argument("--photos", type=int, default=3, help="receipt photos each member uploads (0: one small receipt)")
    parser.add_argument("--singles", type=int, default=3, help="journeys of one member alone, for the packet's baseline")
    parser.add_argument("--database-url", help="default: a temp SQLite file")
    parser.add_argument("--direct", action="store_true", help="gunicorn alone, without nginx in front")
    parser.add_argument("--workers", type=int, default=2, help="with --direct: gunicorn -w (default: 2)")
    parser.add_argument("--threads", type=int, default=32,
                        help="with --direct: gunicorn --threads per worker (default: 32; 1: the sync worker)")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if a p99 is {TARGET_MS} ms or more, or a packet over {PACKET_TARGET:g}x one member's")
    return parser.parse_args()


def main():
    args = parse_args()
    started, tmp = time.perf_counter(), Path(tempfile.mkdtemp(prefix="bench-load-"))
    print("$", shlex.join(sys.orig_argv))
    url = args.database_url or f"sqlite:///{tmp / 'drafts.sqlite3'}"
    serving = (f"gunicorn -w {args.workers} --preload{f' --threads {args.threads}' if args.threads > 1 else ''}"
               if args.direct else "deploy/'s gunicorn (--preload -w 2 --threads 32) behind deploy/'s nginx, TLS")
    photos = [receipt_photo(i) for i in range(args.photos)] or None
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}; "
          f"{args.members} members arriving over {args.ramp:g} s, think time "
          f"{args.think * 0.5:g}-{args.think * 1.5:g} s a page, "
          f"{f'{args.photos} photos of 3 MP ({sum(map(len, photos)) // 1024} KB)' if photos else 'one small receipt'} each; "
          f"{serving}; database {url.split(':')[0]}; load average before: {loadavg()}\n")
    # One client address for every simulated member: the per-address upload count is off.
    env = {**os.environ, "SECRET_KEY": "bench-load", "DATABASE_URL": url, "MAIL_SERVER": "",
           "DRAFT_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
           "OUTBOX_DIR": str(tmp / "outbox"), "OUTBOX_POLL_SECONDS": "0",
           "TRUSTED_PROXIES": "0" if args.direct else "1", "UPLOAD_LIMIT_FILES_PER_ADDRESS": "0"}
    names = member_names(args.members)
    # As many requests and pauses as a claim: its steps, its pages, the PDF, the pauses.
    pages = len(claim_steps("x", photos)) + 1
    try:
        with deployed("bench_claim:make_bare_app()", env, tmp, args) as (base, _port):
            warm_up(lambda i: bare_journey(Member(base, 0, seed=-1), pages), args.workers)
            bare = [Member(base, args.think, seed=i) for i in range(args.members)]
            _, bare_errors, bare_wall = run_members(lambda i: bare_journey(bare[i], pages),
                                                    args.members, args.ramp)
        with deployed("app:app", env, tmp, args) as (base, port):
            warm_up(lambda i: claim_journey(Member(base, 0, seed=-1), f"Warm Up{i:03d}", photos), args.workers)
            singles = [Member(base, args.think, seed=10_000 + i) for i in range(args.singles)]
            cpu = [server_cpu(port)]
            for i, member in enumerate(singles):  # one member alone: the packet's baseline
                _, single_errors, _ = run_members(
                    lambda _i: claim_journey(member, f"Tess Alone{i:03d}", photos), 1, 0)
                bare_errors += [f"alone: {e}" for e in single_errors]
            cpu.append(server_cpu(port))
            ours = [Member(base, args.think, seed=i) for i in range(args.members)]
            pdfs, errors, wall = run_members(lambda i: claim_journey(ours[i], names[i], photos),
                                             args.members, args.ramp)
            cpu.append(server_cpu(port))
        errors += [f"baseline {e}" for e in bare_errors]
        checked = check_pdfs(pdfs, names, errors)
        missed = report(ours, bare, singles, wall, bare_wall)
        one, fifty = (cpu[1] - cpu[0]) / max(args.singles, 1), cpu[2] - cpu[1]
        print(f"CPU of the app's processes (gunicorn's tree, render processes included; not nginx): "
              f"{one:.2f} s a journey alone; {fifty:.1f} s for the {args.members} journeys, "
              f"{fifty / wall:.2f} of the {os.cpu_count()} cores over their {wall:.1f} s")
        print(f"PDFs checked: {checked} of {args.members}, each for its own member's name and none "
              f"of the other {args.members - 1}")
        print(f"errors: {len(errors)}")
        for e in errors[:20]:
            print("  ", e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ntook {time.perf_counter() - started:.0f} s; load average after: {loadavg()}")
    if errors or checked != args.members:
        return 1
    if args.check and missed:
        print("target missed:", ", ".join(missed))
        return 1
    return 0


def check_pdfs(pdfs, names, errors) -> int:
    """Each PDF: its own member's name, nobody else's. Returns how many were checked."""
    checked = 0
    for i, pdf in enumerate(pdfs):
        if pdf is None:
            continue
        text = pdf_text(pdf)
        others = [n for j, n in enumerate(names) if j != i and n in text]
        if names[i] not in text or others:
            errors.append(f"member {i}: packet has own name {names[i] in text}, others {others}")
        checked += 1
    return checked


def samples(members, label):
    return [s for m in members for lbl, s in m.timings if lbl == label]


def report(ours, bare, singles, wall, bare_wall) -> list[str]:
    """Per step p50/p99 against the baseline's; the packets against one member's. Returns
    what missed its target."""
    labels = list(dict.fromkeys(lbl for m in ours for lbl, _ in m.timings))
    base_of = {"open": samples(bare, "bare open"), "save": samples(bare, "bare save")}
    print(f"{'request':<32} {'n':>4} {'p50 ms':>7} {'p99 ms':>7} {'bare p50':>9} {'bare p99':>9} "
          f"{'x p50':>6} {'x p99':>6}  p99 < {TARGET_MS} ms")
    missed, steps_all = [], []
    for label in labels:
        got = samples(ours, label)
        if label == "packet PDF":
            continue
        steps_all += got
        ref = base_of[label.split()[0]]
        p50, p99, b50, b99 = pct(got, 50), pct(got, 99), pct(ref, 50), pct(ref, 99)
        ok = p99 < TARGET_MS
        missed += [] if ok else [label]
        print(f"{label:<32} {len(got):>4} {p50:>7.1f} {p99:>7.1f} {b50:>9.1f} {b99:>9.1f} "
              f"{p50 / b50:>5.1f}x {p99 / b99:>5.1f}x  {'PASS' if ok else 'FAIL'}")
    every = base_of["open"] + base_of["save"]
    print(f"{'every step above':<32} {len(steps_all):>4} {pct(steps_all, 50):>7.1f} "
          f"{pct(steps_all, 99):>7.1f} {pct(every, 50):>9.1f} {pct(every, 99):>9.1f} "
          f"{pct(steps_all, 50) / pct(every, 50):>5.1f}x {pct(steps_all, 99) / pct(every, 99):>5.1f}x")
    pdf_times, alone = samples(ours, "packet PDF"), samples(singles, "packet PDF")
    if pdf_times and alone:
        one = statistics.median(alone) * 1000
        worst = max(pdf_times) * 1000
        ok = worst <= PACKET_TARGET * one
        missed += [] if ok else ["packet PDF"]
        print(f"\npacket PDF, one member alone (median of {len(alone)}): {one:.0f} ms "
              f"({', '.join(f'{t * 1000:.0f}' for t in alone)})")
        print(f"packet PDF, {len(pdf_times)} members: p50 {pct(pdf_times, 50):.0f} ms "
              f"({pct(pdf_times, 50) / one:.1f}x), p99 {pct(pdf_times, 99):.0f} ms "
              f"({pct(pdf_times, 99) / one:.1f}x), slowest {worst:.0f} ms ({worst / one:.1f}x): "
              f"every packet within {PACKET_TARGET:g}x one member's: {'PASS' if ok else 'FAIL'}")
    requests = sum(len(m.timings) for m in ours)
    print(f"\nours: {requests} requests in {wall:.1f} s ({requests / wall:.0f} req/s); "
          f"baseline: {sum(len(m.timings) for m in bare)} requests in {bare_wall:.1f} s")
    return missed


if __name__ == "__main__":
    sys.exit(main())
