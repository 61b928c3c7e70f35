"""Rendering under attack (issue 11.2): a small PDF with millions of drawing operators is
refused at upload; every render has a time limit and ends in an honest page, never a 500;
requests for one packet share one render; another member's pages do not wait for it."""
from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from tests.support.drive import fill
from tests.support.pages import field_error, heading, parse, path_of, summary
from workflows import journeys
from workflows.journeys import contract


def drawing_pdf(lines: int) -> bytes:
    """One page drawing `lines` tiny lines: a few KB compressed, 14 bytes a line inside."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = DecodedStreamObject()
    content.set_data(b"0 0 m 1 1 l S\n" * lines)
    page[NameObject("/Contents")] = writer._add_object(content)
    page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_tiny_pdf_with_millions_of_operators_is_refused_at_upload(member):
    bomb = drawing_pdf(2_000_000)  # 28 MB of drawing inside
    assert len(bomb) < 100_000
    pages = journeys.examples("workflows.journeys.claim").pages()
    pages["receipts"] = []
    fill(member, journeys.load()["claim"], pages, finish=False)
    response = member.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                                "file": (io.BytesIO(bomb), "lines.pdf")})
    message = ("lines.pdf: The selected PDF is too complex to include: save it again as a simpler "
               "PDF (print it to PDF, or scan it) and upload that")
    assert path_of(response) == "/claim/receipts" and summary(response) == [message]
    assert field_error(response, "file1") == message or message in parse(response).get_text(" ")


@pytest.fixture
def finished_claim(site):
    member = site.member()
    pages = journeys.examples("workflows.journeys.claim").pages()
    done = fill(member, journeys.load()["claim"], pages)
    assert path_of(done) == "/claim/done"
    return member


def test_a_render_past_its_time_limit_is_an_honest_page_then_works_again(site, finished_claim):
    site.app.config["RENDER_TIME_LIMIT_SECONDS"] = 0.001
    slow = finished_claim.get("/claim/done/packet.pdf")
    assert slow.status_code == 503 and slow.headers["Retry-After"] == "60"
    assert heading(slow) == "Your PDF could not be made"
    assert "took too long" in parse(slow).get_text() and "Traceback" not in slow.text
    assert parse(slow).find("a", string="Go back to the page")["href"] == "/claim/done"
    site.app.config["RENDER_TIME_LIMIT_SECONDS"] = 30.0
    again = finished_claim.get("/claim/done/packet.pdf")
    assert again.status_code == 200 and again.content.startswith(b"%PDF-")


def test_requests_for_one_packet_share_one_render(site, finished_claim, monkeypatch):
    renders = []
    real = contract.render_packet

    def counted(*args, **kw):  # counts and delegates: the real render runs
        renders.append(threading.get_ident())
        return real(*args, **kw)
    monkeypatch.setattr(contract, "render_packet", counted)
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda _: finished_claim.get("/claim/done/packet.pdf"), range(20)))
    assert {r.status_code for r in replies} == {200}
    assert len({r.content for r in replies}) == 1
    assert len(renders) == 1


def test_another_members_page_does_not_wait_for_a_render(site):
    heavy = site.member()
    pages = journeys.examples("workflows.journeys.claim").pages()
    pages["receipts"] = []
    fill(heavy, journeys.load()["claim"], pages, finish=False)
    for i in range(3):  # near the budget each: seconds of pypdf work in the renderer
        heavy.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                       "file": (io.BytesIO(drawing_pdf(100_000)), f"plan-{i}.pdf")})
    heavy.post("/claim/receipts", {"action": "continue"})
    assert path_of(heavy.post("/claim/check", pages["check"])) == "/claim/done"
    answers = []  # the heavy member's answer: the PDF, or the honest page past the time limit
    render = threading.Thread(target=lambda: answers.append(heavy.get("/claim/done/packet.pdf")))
    render.start()
    time.sleep(0.3)  # the render is under way
    other = site.member()
    for _ in range(5):
        assert other.get("/claim/member").status_code == 200
    still_rendering = render.is_alive()
    render.join()
    assert still_rendering, "the render finished before the other member's pages: not a test"
    assert [a.status_code for a in answers] in ([200], [503]), answers


def test_two_app_processes_render_a_packet_once_for_twenty_requests(make_app, serve, monkeypatch):
    """Two apps on one database (as two gunicorn workers or machines are): the claim in the
    database makes the one that renders the only one."""
    first = serve(make_app())
    second = serve(make_app(DATABASE_URL=first.app.config["DATABASE_URL"]))
    member = first.member()
    assert path_of(fill(member, journeys.load()["claim"],
                        journeys.examples("workflows.journeys.claim").pages())) == "/claim/done"
    cookie = member.draft
    renders = []
    real = contract.render_packet

    def counted(*args, **kw):
        renders.append(1)
        return real(*args, **kw)
    monkeypatch.setattr(contract, "render_packet", counted)

    def download(i):
        server = (first, second)[i % 2]
        return requests.get(f"{server.url}/claim/done/packet.pdf", cookies={"draft": cookie},
                            timeout=120)
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(download, range(20)))
    assert {r.status_code for r in replies} == {200}
    assert len({r.content for r in replies}) == 1
    assert len(renders) == 1
