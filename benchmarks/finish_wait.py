"""The member's wait for the packet at finish, against the obvious way (issue 15, point 1),
and the first packet after a worker starts against a warm one (point 2). Used by
bench_claim.py; see README.md here.

Ours: the claim finished through the real app (test client, SQLite, the renderer process),
an uploaded PDF's pages laid out at upload in the background and kept (a photo is kept as
intake made it); then the first `GET /claim/done/packet.pdf`, which lays out the cover and
summary, places the receipts and keeps the packet (encrypted): what the member waits for.
The obvious way, timed in the same rounds: the same content as ONE WeasyPrint document in
the same process (template and context, QR code, the summary as tables and the receipt as
an <img>, tagged PDF/UA-1 like ours, the same font configuration and stylesheet), with no
renderer process and no database.
"""
from __future__ import annotations

import statistics
import time

def claims(wizard_app, files: list[bytes], count: int) -> list:
    """`count` finished claims, each with `files` as receipts (a PDF's pages kept): (client, token)."""
    from tests.support.samples import EXPENSES, fill_claim
    from tests.support.web import Browserless
    from workflows.web import receipt_pages
    made = []
    for _ in range(count):
        client = wizard_app.test_client()
        fill_claim(Browserless(client), receipts=[(f"receipt-{i}", f) for i, f in enumerate(files)],
                   expenses=EXPENSES[:1])
        made.append((client, client.get_cookie("draft").value))
    receipt_pages.settled(120)
    return made


def finished(wizard_app, token: str, laid: bool):
    """The claim as its outputs see it, with or without the kept pages."""
    from workflows.documents import Attachment
    from workflows.journeys.contract import Finished
    store = wizard_app.extensions["store"]
    state = store.drafts.load(token)[0]["journeys"]["claim"]
    answers = store.submissions.get(token, "claim", state["reference"])["answers"]
    attachments = []
    for f in answers["receipts"]["files"]:
        content, pages = store.uploads.get_laid(token, f["id"])
        assert pages or f["media_type"] != "application/pdf", "the PDF's pages were not kept"
        attachments.append(Attachment(f["id"], f["name"], f["kind_label"], f["media_type"], f["pages"],
                                      content, pages if laid else None))
    w = wizard_app.extensions["journeys"]["claim"]
    return w, Finished(answers, state["reference"], attachments, wizard_app.extensions["administrator"],
                       w.review)


def obvious(w, fin) -> bytes:
    """The obvious way: one WeasyPrint document, in this process."""
    from weasyprint import HTML
    from workflows.documents import qr_png
    from workflows.documents.fetcher import AppFetcher
    from workflows.documents.pdf import FONTS, PDF_OPTIONS, stylesheet
    from workflows.documents.templating import documents as templates
    from workflows.engine.i18n import in_english

    @in_english
    def make():
        doc = w.outputs.document
        context = {**doc.context(fin), "administrator": fin.administrator, "reference": fin.reference,
                   "attachments": fin.attachments, "for_paper": False}
        resources = {"qr.png": (qr_png(doc.qr(fin)), "image/png"),
                     **{f"upload/{a.id}": (a.content, a.media_type) for a in fin.attachments}}
        html = templates.get_template(doc.template).render(attachment_pages=fin.attachments, **context)
        return HTML(string=html, base_url="app:static/", url_fetcher=AppFetcher(resources)).write_pdf(
            font_config=FONTS, stylesheets=[stylesheet("pdf.css")], **PDF_OPTIONS)
    return make()


def measure(wizard_app, files: list[bytes], rounds: int = 15) -> dict:
    """Medians (seconds) over `rounds` claims: "ours" (the first download of the packet after
    finishing: what the member waits for), "obvious" (one WeasyPrint document of the same
    content, in this process), and the packet made by the journey's outputs (in the renderer,
    no HTTP or database) from the kept pages ("placed") and with every page laid out then
    ("at finish"). Within a round each is timed once, in an order that alternates from round
    to round, after a garbage collection, so drift and collections hit all alike."""
    import gc
    import io
    from pypdf import PdfReader
    runs = {"ours": [], "obvious": [], "placed": [], "at finish": []}
    made = {}
    for n, (client, token) in enumerate(claims(wizard_app, files, rounds + 1)):
        def ours():
            made["ours"] = client.get("/claim/done/packet.pdf")
            assert made["ours"].status_code == 200

        def outputs(name, laid):
            def make():
                with wizard_app.test_request_context():
                    w, fin = finished(wizard_app, client.get_cookie("draft").value, laid)
                    made[name] = obvious(w, fin) if name == "obvious" else w.outputs.packet(fin)
            return make
        jobs = [("ours", ours), ("obvious", outputs("obvious", True)), ("placed", outputs("placed", True)),
                ("at finish", outputs("at finish", False))]
        for name, job in (jobs if n % 2 == 0 else jobs[::-1]):
            gc.collect()
            start = time.perf_counter()
            job()
            if n:  # the first round warms templates, fonts and the renderer: not counted
                runs[name].append(time.perf_counter() - start)
        made.pop("ours")
    pages = [len(PdfReader(io.BytesIO(pdf)).pages) for pdf in (made["placed"], made["obvious"])]
    assert pages[0] == pages[1], pages
    return {**{name: statistics.median(r) for name, r in runs.items()}, "pages": pages[0]}


def first_packet(job) -> dict:
    """In a fresh process that holds what a worker holds (`import app`): the first packet it
    makes (the renderer starts on first use, unless it was started with the worker) and the
    next 10. Seconds."""
    import json
    import app  # noqa: F401  (what a worker holds)
    from workflows.administrators import load
    from workflows.documents import Attachment
    from workflows.journeys.claim import JOURNEY as CLAIM
    from workflows.journeys.contract import Finished
    spec = json.loads((job / "job.json").read_text())
    files = [Attachment(f["id"], f["name"], f["kind_label"], f["media_type"], f["pages"],
                        (job / f["id"]).read_bytes()) for f in spec["answers"]["receipts"]["files"]]
    fin = Finished(spec["answers"], spec["reference"], files, load("cigna"), CLAIM.review)
    times = []
    for _ in range(11):
        start = time.perf_counter()
        CLAIM.outputs.packet(fin)
        times.append(time.perf_counter() - start)
    return {"first": times[0], "warm": statistics.median(times[1:])}
