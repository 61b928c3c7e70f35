"""Claim journey benchmarks: a wizard step against a bare Flask-WTF page, the packet PDF against a
one-page WeasyPrint document, and one worker's memory after 100 packets. See README.md here.

    .venv/bin/python benchmarks/bench_claim.py [--check] [--profile] [--no-http]

Everything runs on temp files (SQLite drafts, outbox); instance/ is not touched. CSRF is ON on
both sides: each client reads its token from the page, as a browser would.
"""
from __future__ import annotations

import argparse, base64, cProfile, http.client, io, json, os, pstats, re, shlex, shutil
import socket, statistics, subprocess, sys, tempfile, time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from finish_wait import claims, finished, first_packet, measure, obvious  # noqa: E402 (beside this file)
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REQUIRED = []  # (measure, passed) for the targets: the ones --check looks at
# Profiles list only the app's code and the libraries it leans on, by cumulative time.
HOT = (r"workflows/|templates/|flask/(app|templating)|flask_wtf/csrf|wtforms/form|"
       r"sqlalchemy/orm/session|weasyprint/(__init__|document)|segno|pypdf")

# --- the baseline: a plain Flask-WTF page with the same 7 fields as MemberForm ------------------
BARE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your details</title>
</head><body><h1>Your details</h1><form method="post" novalidate>{{ form.csrf_token }}
{% for name in ["full_name", "reference", "date_of_birth", "email", "country", "phone", "address"] %}
<p>{{ form[name].label }} {{ form[name]() }}</p>{% endfor %}
<button>Save and continue</button></form></body></html>"""
BARE_POST = {"full_name": "Zoë Ørsted", "reference": "MIP-0042317", "date_of_birth": "1970-04-03",
             "email": "zoe@example.org", "country": "BE", "phone": "+32 3 555 01 23",
             "address": "Rue de la Loi 1\n1000 Brussels"}


def make_bare_app(countries=None, redirect_on_post=False):
    """The issue's baseline: a route that renders a plain Flask-WTF form, GET or POST (on POST
    it validates, then renders the form again). With redirect_on_post it redirects after a
    valid POST instead and renders nothing: a harder, informational baseline.
    Also gunicorn's entry point for the HTTP figure (bench_claim:make_bare_app())."""
    from flask import Flask, redirect, render_template, url_for
    from flask_wtf import CSRFProtect, FlaskForm
    from jinja2 import DictLoader
    from wtforms import DateField, EmailField, SelectField, StringField, TelField, TextAreaField
    from wtforms.validators import DataRequired, Email, Length
    from workflows.engine.fields import country_choices  # by default the wizard's ~250 <option>s
    # Plain (value, label) strings, as a plain Flask-WTF page has: the wizard's labels are
    # lazy translations, which need Flask-Babel; read here, outside any app, they are English.
    choices = [(c.value, str(c.label)) for c in country_choices()
               if countries is None or c.value in countries]

    class MemberForm(FlaskForm):
        full_name = StringField("Full name", [DataRequired(), Length(max=100)])
        reference = StringField("Personal reference number", [DataRequired(), Length(max=30)])
        date_of_birth = DateField("Date of birth", [DataRequired()])
        email = EmailField("Email address", [DataRequired(), Email()])
        country = SelectField("Country where you live", [DataRequired()], choices=choices)
        phone = TelField("Phone number", [DataRequired(), Length(max=30)])
        address = TextAreaField("Postal address", [DataRequired(), Length(max=500)])

    app = Flask("bare")
    app.config["SECRET_KEY"] = "bench-bare"
    app.jinja_loader = DictLoader({"member.html": BARE_PAGE})  # a template "file": compiled once
    CSRFProtect(app)

    @app.route("/member", methods=["GET", "POST"])
    def member():
        form = MemberForm(data={**BARE_POST, "date_of_birth": None})  # saved answers, as ours shows
        if form.validate_on_submit() and redirect_on_post:
            return redirect(url_for("after"), 303)
        return render_template("member.html", form=form)

    app.add_url_rule("/after", "after", lambda: "ok")
    return app


# --- helpers --------------------------------------------------------------------------------------
def rss_mb(field="VmRSS", pid: int | None = None) -> float:
    """This process's resident memory with its descendants': PDFs are laid out in a renderer
    process the worker starts (workflows/documents/renderer.py), whose memory is the worker's cost too."""
    pid = pid or os.getpid()
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    total = int(next(l for l in status if l.startswith(field)).split()[1]) / 1024
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                total += rss_mb(field, int(child))
            except (FileNotFoundError, StopIteration):
                pass
    return total


def row(measure, ours, base, ratio, target, ok, required=True):
    if required:
        REQUIRED.append((measure, ok))
    print(f"{measure:<38} {ours:>12} {base:>12} {ratio:>7} {target:>9}  "
          f"{'PASS' if ok else 'FAIL'}{'' if required else ' (info)'}")


def profile(label, work) -> str:
    prof, out = cProfile.Profile(), io.StringIO()
    prof.runcall(work)
    out.write(f"\n--- cProfile: {label}, by cumulative time (app code and key libraries) ---\n")
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(HOT, 22)
    text = re.sub(r"\n{2,}|\n *List reduced[^\n]*", "\n", out.getvalue())
    return text.replace(str(ROOT / ".venv/lib/python3.11/site-packages"), "")


def receipt_photo(seed: int) -> bytes:
    """A 3000x4000 'photo' of a receipt: 40 text lines, a frame, a little sensor noise (1.6 MB)."""
    from PIL import Image, ImageDraw, ImageFont
    img = Image.new("RGB", (3000, 4000), (246, 243, 236))
    draw, font = ImageDraw.Draw(img), ImageFont.load_default(size=70)
    for i in range(40):
        draw.text((200, 300 + i * 90), f"Line {seed}.{i:02d}  consultation ...... EUR {i * 7 + 12}.50",
                  fill=(30, 30, 30), font=font)
    draw.rectangle((150, 150, 2850, 3850), outline=(0, 0, 0), width=8)
    img = Image.blend(img, Image.effect_noise((3000, 4000), 12).convert("RGB"), 0.08)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def invoice_pdf(seed: int) -> bytes:
    """An invoice as "print to PDF" makes it: a page of text in a table (28 lines)."""
    from weasyprint import HTML
    lines = "".join(f"<tr><td>2026-10-{d:02d}</td><td>Consultation and treatment, item {seed}.{d}</td>"
                    f"<td>EUR {d * 7}.50</td></tr>" for d in range(1, 29))
    return HTML(string=f"<h1>Invoice {seed}</h1><table>{lines}</table><p>Paid, thank you.</p>").write_pdf()


class Browser:
    """A test client that sends the CSRF token of the last page it got, and checks statuses."""

    def __init__(self, app):
        self.client, self.token = app.test_client(), ""

    def get(self, url, expect=200):
        r = self.client.get(url)
        assert r.status_code == expect, (url, r.status_code)
        self.token = (TOKEN.search(r.get_data(as_text=True)) or [None, self.token])[1]

    def post(self, url, data, expect=303, **kw):
        r = self.client.post(url, data={"csrf_token": self.token, **data}, **kw)
        assert r.status_code == expect, (url, r.status_code, r.get_data(as_text=True)[:300])


def medians_of_rounds(jobs: dict, rounds=5, n=300) -> dict:
    """Requests/second, median over rounds. Jobs are interleaved within each round so that any
    drift on the box (other processes, CPU clocks) hits every side alike."""
    for job in jobs.values():  # warm up: Jinja compiles templates, SQLAlchemy caches statements
        for _ in range(20):
            job()
    rates = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, job in jobs.items():
            start = time.perf_counter()
            for _ in range(n):
                job()
            rates[name].append(n / (time.perf_counter() - start))
    return {name: statistics.median(r) for name, r in rates.items()}


# --- real HTTP (optional second figure): gunicorn -w 2 --preload, wrk -t2 -c16 as in STACK-NOTES ----
def fetch(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, (r.getheader("Set-Cookie") or "").split(";")[0], r.read().decode()


def start_server(target, path, data, env, lua: Path):
    """gunicorn on a free port, with a draft/session that has answers; -> (process, wrk args)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--preload", "-b",
                               f"127.0.0.1:{port}", "--chdir", str(ROOT), "--pythonpath",
                               str(ROOT / "benchmarks"), target], env=env, stderr=subprocess.DEVNULL)
    for _ in range(100):  # wait for the workers
        try:
            _, cookie, html = fetch(port, "GET", path)
            break
        except OSError:
            time.sleep(0.1)
    body = urlencode({"csrf_token": TOKEN.search(html)[1], **data})
    form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    assert fetch(port, "POST", path, body, form)[0] in (200, 303), target
    lua.write_text(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
                   'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
    args = ["-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"]
    return server, {"GET": args, "POST": ["-s", str(lua), *args]}


def over_http(env, tmp, rounds=3, seconds=2) -> dict:
    """Both servers up at once and wrk runs interleaved, for the same reason as in-process."""
    from tests.support.samples import MEMBER
    servers = {"ours": start_server("app:app", "/claim/member", MEMBER, env, tmp / "ours.lua"),
               "bare": start_server("bench_claim:make_bare_app()", "/member", BARE_POST, env,
                                    tmp / "bare.lua")}
    try:
        runs = {}
        for _ in range(rounds):
            for side, (_, verbs) in servers.items():
                for verb, args in verbs.items():
                    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", *args],
                                         capture_output=True, text=True).stdout
                    assert "Non-2xx" not in out, out  # e.g. a CSRF 400 or a 500
                    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
                    runs.setdefault(f"{side} {verb}", []).append(rate)
        return {name: statistics.median(r) for name, r in runs.items()}
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(10)


# --- the packet and one worker's memory --------------------------------------------------------------
def write_packet_job(wizard_app, job: Path):
    """Run the claim journey once through the real app with the test suite's own driver (so
    the answers are exactly what the review page stores, and 5 receipts go through intake.accept);
    save the submission and the stored receipts to `job`."""
    from tests.support.samples import fill_claim
    from tests.support.web import Browserless
    client = wizard_app.test_client()
    fill_claim(Browserless(client), receipts=[(f"receipt-{i}.jpg", receipt_photo(i))
                                              for i in range(5)])
    store, token = wizard_app.extensions["store"], client.get_cookie("draft").value
    reference = store.drafts.load(token)[0]["journeys"]["claim"].get("reference")
    assert reference, "fill_claim did not finish the claim"
    answers = store.submissions.get(token, "claim", reference)["answers"]
    for f in answers["receipts"]["files"]:
        (job / f["id"]).write_bytes(store.uploads.get(token, f["id"]))
    # The claim's packet as the confirmation page serves it: rendered once, then kept.
    served = []
    for _ in range(21):
        start = time.perf_counter()
        assert client.get("/claim/done/packet.pdf").status_code == 200
        served.append(time.perf_counter() - start)
    # The guarantee-of-payment request PDF (issue 3): an emergency, without attachments.
    from tests.support.samples import fill_guarantee
    gop_client = wizard_app.test_client()
    fill_guarantee(Browserless(gop_client))
    gop_token = gop_client.get_cookie("draft").value
    gop_ref = store.drafts.load(gop_token)[0]["journeys"]["guarantee"]["reference"]
    gop = store.submissions.get(gop_token, "guarantee", gop_ref)["answers"]
    (job / "job.json").write_text(json.dumps({
        "answers": answers, "reference": reference, "served_first": served[0],
        "served": served[1:], "gop": gop, "gop_reference": gop_ref}))


def packet_worker(job: Path, want_profile: bool):
    """Runs in a fresh process that holds what a gunicorn worker holds (`import app`), so its RSS
    is a worker's, not this script's. The app context is what `download` has: the packet's summary
    builds FlaskForms (Step.rows), which read current_app."""
    import app  # noqa: F401  (what a worker holds; the packet itself needs no app context)
    from weasyprint import HTML
    from workflows.administrators import load
    from workflows.documents import Attachment, page_count
    from workflows.documents.pdf import FONTS
    from workflows.journeys.claim import JOURNEY as CLAIM
    from workflows.journeys.contract import Finished
    from workflows.journeys.guarantee import JOURNEY as GUARANTEE
    cigna = load("cigna")
    r = {"rss_import": rss_mb(), "hello": [], "times": [], "rss_curve": [], "gop": []}
    spec = json.loads((job / "job.json").read_text())
    answers, reference = spec["answers"], spec["reference"]
    files = [Attachment(f["id"], f["name"], f["kind_label"], f["media_type"], f["pages"],
                        (job / f["id"]).read_bytes()) for f in answers["receipts"]["files"]]
    if True:
        # The baseline renders under the same conditions as the app's documents: the process's
        # one font configuration (documents.FONTS).
        for i in range(16):  # the first render in a process is slower (notes: 92 ms): not counted
            start = time.perf_counter()
            HTML(string="<p>Hello</p>").write_pdf(font_config=FONTS)
            r["hello"] += [time.perf_counter() - start] if i else []
        for i in range(21):
            start = time.perf_counter()
            GUARANTEE.outputs.packet(Finished(spec["gop"], spec["gop_reference"], [], cigna))
            r["gop"] += [time.perf_counter() - start] if i else []
        r["rss_before"] = rss_mb()
        for i in range(1, 101):  # all 100 are timed: their median is the packet figure
            start = time.perf_counter()
            pdf = CLAIM.outputs.packet(Finished(answers, reference, files, cigna, CLAIM.review))
            r["times"].append(time.perf_counter() - start)
            r["rss_curve"] += [(i, rss_mb())] if i in (1, 10, 50, 100) else []
        r.update(rss_after=rss_mb(), rss_peak=rss_mb("VmHWM"), pdf_bytes=len(pdf),
                 pages=page_count(pdf))
        if want_profile:  # after the readings, so profiling inflates none of them
            r["profile"] = profile("claim packet x5", lambda: [
                CLAIM.outputs.packet(Finished(answers, reference, files, cigna, CLAIM.review))
                for _ in range(5)])
    assert r["pages"] >= 7, r["pages"]  # cover, summary (1 page or more), 5 receipts
    (job / "result.json").write_text(json.dumps(r))


def at_finish(wizard_app, tmp: Path, want_profile: bool) -> None:
    """Issue 15: the member's wait for the packet at finish against the obvious one-document
    render (finish_wait.py), and the first packet after a worker starts against a warm one."""
    photo = measure(wizard_app, [receipt_photo(7)])
    ms = {k: v * 1000 for k, v in photo.items() if k != "pages"}
    ratio = ms["ours"] / ms["obvious"]
    row("packet at finish (cover+summary+1 receipt)", f"{ms['ours']:,.0f} ms", f"{ms['obvious']:,.0f} ms",
        f"{ratio:.2f}x", "<= 1.0x", ratio <= 1.0)
    row("  the same, made in the renderer, no HTTP/db", f"{ms['placed']:,.0f} ms", f"{ms['obvious']:,.0f} ms",
        f"{ms['placed'] / ms['obvious']:.2f}x", "<= 1.0x", ms["placed"] <= ms["obvious"], required=False)
    pdfs = measure(wizard_app, [invoice_pdf(i) for i in range(5)], rounds=9)
    row(f"  5 PDF invoices ({pdfs['pages']} pages): kept vs laid at finish", f"{pdfs['placed'] * 1000:,.0f} ms",
        f"{pdfs['at finish'] * 1000:,.0f} ms", f"{pdfs['placed'] / pdfs['at finish']:.2f}x", "<= 1.0x",
        pdfs["placed"] <= pdfs["at finish"], required=False)
    subprocess.run([sys.executable, __file__, "--first-packet", str(tmp / "packet")], check=True)
    first = json.loads((tmp / "packet" / "first.json").read_text())
    ratio = first["first"] / first["warm"]
    row("first packet after a worker starts vs warm", f"{first['first'] * 1000:,.0f} ms",
        f"{first['warm'] * 1000:,.0f} ms", f"{ratio:.2f}x", "<= 1.5x", ratio <= 1.5)
    if want_profile:
        made = claims(wizard_app, [receipt_photo(8)], 5)
        print(profile("the member's wait at finish: GET /claim/done/packet.pdf x5",
                      lambda: [client.get("/claim/done/packet.pdf") for client, _ in made]))
        with wizard_app.test_request_context():
            w, fin = finished(wizard_app, made[0][0].get_cookie("draft").value, True)
            print(profile("the obvious way: one WeasyPrint document x5", lambda: [obvious(w, fin) for _ in range(5)]))


# --- main --------------------------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a required target is missed")
    parser.add_argument("--profile", action="store_true", help="print cProfile top costs")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn + wrk figure")
    parser.add_argument("--packet-worker", type=Path, help=argparse.SUPPRESS)  # internal
    parser.add_argument("--first-packet", type=Path, help=argparse.SUPPRESS)  # internal
    args = parser.parse_args()
    if args.packet_worker:
        return packet_worker(args.packet_worker, args.profile)
    if args.first_packet:
        (args.first_packet / "first.json").write_text(json.dumps(first_packet(args.first_packet)))
        return 0
    started, tmp = time.perf_counter(), Path(tempfile.mkdtemp(prefix="bench-claim-"))
    print("$", shlex.join(sys.orig_argv))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}\n")
    # Set before `import app`, whose module-level create_app() (also gunicorn's) reads them.
    os.environ.update(SECRET_KEY="bench", DATABASE_URL=f"sqlite:///{tmp / 'drafts.sqlite3'}",
                      DRAFT_ENCRYPTION_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
                      OUTBOX_DIR=str(tmp / "outbox"), MAIL_SERVER="")
    try:
        from app import create_app
        from tests.support.samples import MEMBER
        wizard_app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'in-process.sqlite3'}"})
        ours, bare = Browser(wizard_app), Browser(make_bare_app())
        small = Browser(make_bare_app(countries=("", "BE", "FR")))  # how much the <select> weighs
        lean = Browser(make_bare_app(redirect_on_post=True))
        ours.get("/claim/member"), ours.post("/claim/member", MEMBER)  # now a draft with answers
        bare.get("/member"), small.get("/member"), lean.get("/member")
        rates = medians_of_rounds({
            "ours GET": lambda: ours.get("/claim/member"), "bare GET": lambda: bare.get("/member"),
            "ours POST": lambda: ours.post("/claim/member", MEMBER),
            "bare POST": lambda: bare.post("/member", BARE_POST, expect=200),
            "lean POST": lambda: lean.post("/member", BARE_POST),
            "small GET": lambda: small.get("/member")})

        print(f"{'measure':<38} {'ours':>12} {'baseline':>12} {'ratio':>7} {'target':>9}  result")
        for label, a, b, required in (
                ("wizard step GET, in-process", "ours GET", "bare GET", True),
                ("wizard step POST, in-process", "ours POST", "bare POST", True),
                ("  POST vs bare validate+redirect, no store", "ours POST", "lean POST", False),
                ("  GET vs bare with a 2-country select", "ours GET", "small GET", False)):
            row(label, f"{rates[a]:,.0f} req/s", f"{rates[b]:,.0f} req/s", f"{rates[a] / rates[b]:.2f}x",
                ">= 1.0x", rates[a] >= rates[b], required)
        if args.no_http or not shutil.which("wrk"):
            print("  (real-HTTP figure skipped:",
                  "--no-http)" if args.no_http else "wrk is not installed: apt-get install -y wrk)")
        else:
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'http.sqlite3'}"}
            h = over_http(env, tmp)
            for verb in ("GET", "POST"):
                a, b = h[f"ours {verb}"], h[f"bare {verb}"]
                row(f"wizard step {verb}, gunicorn + wrk", f"{a:,.0f} req/s", f"{b:,.0f} req/s",
                    f"{a / b:.2f}x", ">= 1.0x", a >= b, required=False)

        (tmp / "packet").mkdir()
        write_packet_job(wizard_app, tmp / "packet")
        subprocess.run([sys.executable, __file__, "--packet-worker", str(tmp / "packet")] +
                       ["--profile"] * args.profile, check=True)
        r = json.loads((tmp / "packet" / "result.json").read_text())
        ms, hello = statistics.median(r["times"]) * 1000, statistics.median(r["hello"]) * 1000
        row(f"claim packet PDF ({r['pages']} pages, 5 photos)", f"{ms:,.0f} ms", f"{hello:,.1f} ms",
            f"{ms / hello:.1f}x", "<= 2.5x", ms / hello <= 2.5)
        served = statistics.median(json.loads((tmp / "packet" / "job.json").read_text())["served"]) * 1000
        row("  claim packet served again (kept PDF)", f"{served:,.1f} ms", f"{hello:,.1f} ms",
            f"{served / hello:.1f}x", "<= 2.5x", served / hello <= 2.5, required=False)
        gop = statistics.median(r["gop"]) * 1000
        row("guarantee request PDF (1 page)", f"{gop:,.0f} ms", f"{hello:,.1f} ms",
            f"{gop / hello:.1f}x", "<= 2.0x", gop / hello <= 2.0)
        row("worker RSS after 100 packets (before)", f"{r['rss_after']:,.0f} MB",
            f"{r['rss_before']:,.0f} MB", f"{r['rss_after'] / r['rss_before']:.2f}x", "<= 100 MB",
            r["rss_after"] <= 100)
        print(f"  packet {r['pdf_bytes'] / 1e6:.1f} MB, {min(r['times']) * 1000:.0f}-"
              f"{max(r['times']) * 1000:.0f} ms. Worker RSS: {r['rss_import']:.0f} MB after "
              "`import app`; after packet N: " + ", ".join(f"{n}: {mb:.0f}" for n, mb in r["rss_curve"])
              + f"; peak {r['rss_peak']:.0f}")

        at_finish(wizard_app, tmp, args.profile)

        if args.profile:
            print(profile("wizard GET /claim/member x300",
                          lambda: [ours.get("/claim/member") for _ in range(300)]))
            print(profile("wizard POST /claim/member x300",
                          lambda: [ours.post("/claim/member", MEMBER) for _ in range(300)]))
            print(r["profile"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ntook {time.perf_counter() - started:.0f} s")
    missed = [m for m, ok in REQUIRED if not ok]
    if args.check and missed:
        print("targets missed:", "; ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
