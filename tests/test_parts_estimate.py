"""Whether a claim goes in parts is first estimated from the files' sizes as uploaded: a PDF
kept with its laid pages (about twice its size in the store) does not make the confirmation
page render the packet to find out, when the claim is well under the mailbox's limit."""
from __future__ import annotations

import io
import random

from PIL import Image

from tests.support.mail import SENDER
from tests.support.meridian import MERIDIAN
from tests.support.pages import parse
from tests.support.samples import CLAIM, fill_claim
from tests.support.scrape import TOKEN, moved, scrape
from tests.support.servers import live
from tests.support.http import LiveClient
from tests.support.web import Browserless
from workflows.delivery.parts import encoded_size
from workflows.web import receipt_pages
from workflows.web.packets import PACKET_PAGES


def scanned_pdf(side: int = 220) -> bytes:
    """A one-page PDF of a noisy scan (its JPEG does not compress): about 30 KB."""
    noise = random.Random(7)
    image = Image.frombytes("RGB", (side, side), bytes(noise.getrandbits(8) for _ in range(side * side * 3)))
    out = io.BytesIO()
    image.save(out, "PDF", resolution=72)
    return out.getvalue()


def test_a_claim_well_under_the_limit_shows_one_email_without_rendering(make_app, smtp_server):
    pdf = scanned_pdf()
    assert encoded_size(len(pdf) + PACKET_PAGES) < MERIDIAN.largest_message  # well under, by its size
    app = make_app(ADMINISTRATOR="tests.support.meridian", METRICS_TOKEN=TOKEN, MAIL_SERVER="127.0.0.1",
                   MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER=SENDER, MAIL_TIMEOUT=5)
    with live(app) as server:
        member = Browserless(LiveClient(server.url))
        fill_claim(member, receipts=[("scan.pdf", pdf)], finish=False)
        receipt_pages.settled(timeout=60)  # its pages laid out and kept with it, as they soon are
        before = scrape(server.url)
        member.post("/claim/check", CLAIM["check"])  # finished: on to the confirmation page
        done = parse(member.get("/claim/done"))
        after = scrape(server.url)
    assert done.select("li.part") == [] and done.select_one("#parts-note") is None
    assert moved(before, after, "mip_pdf_renders_total", template="claim/packet.html") == 0
