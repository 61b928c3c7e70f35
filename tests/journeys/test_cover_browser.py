"""From a finished claim, in a real browser: the fax-ready PDF and the postal letter."""
import io

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.support.browser import hand_over
from tests.support.pdf import flat
from tests.support.samples import fill_claim
from tests.support.web import Browserless
from workflows.administrators.cigna import CIGNA


def finished_claim_in(page, live_server):
    """A claim finished over HTTP, its draft cookie handed to the browser: the journey itself
    is clicked through in test_claim_browser.py."""
    web = Browserless(live_server.app.test_client())
    fill_claim(web)
    hand_over(page, web.client, live_server.url)
    page.goto(live_server.url + "/claim/done")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your claim packet is ready")


def test_member_gets_a_fax_ready_pdf_from_a_finished_claim(page, live_server):
    finished_claim_in(page, live_server)
    page.get_by_role("group", name="Paper size of the fax").get_by_label("US Letter").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Fax it instead: get the fax-ready PDF").click()
    assert download.value.suggested_filename.startswith("claim-fax-CLM-")
    reader = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    cover = flat(reader.pages[0].extract_text())
    assert f"Total pages including this cover: {len(reader.pages)}" in cover
    assert CIGNA.fax.number in cover and "MIP-0042317" in cover
    assert {round(float(p.mediabox.width)) for p in reader.pages} == {612}  # US Letter throughout
    assert "Claim form" in reader.pages[2].extract_text() or "Claim form" in reader.pages[1].extract_text()


def test_member_gets_a_letter_for_a_window_envelope(page, live_server):
    finished_claim_in(page, live_server)
    with page.expect_download() as download:
        page.get_by_role("link", name="Post it instead: get the letter for a window envelope (PDF)").click()
    reader = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    letter = flat(reader.pages[0].extract_text())
    assert CIGNA.postal_lines[0] in letter and "Claim packet (" in letter


def test_printing_a_confirmation_page_gives_a_clean_page(page, live_server):
    finished_claim_in(page, live_server)
    page.emulate_media(media="print")
    for hidden in (page.get_by_role("button", name="Send it for me"),
                   page.get_by_role("link", name="Delete my answers").first,
                   page.get_by_role("button", name="Start another claim")):
        expect(hidden).to_be_hidden()
    expect(page.locator(".ref")).to_be_visible()
    printed = PdfReader(io.BytesIO(page.pdf(format="A4"))).pages
    text = flat(" ".join(p.extract_text() for p in printed))
    reference = page.locator(".ref").inner_text().strip()
    assert reference in text and "What happens next" in text
    assert "Send it for me" not in text and "Skip to main content" not in text
