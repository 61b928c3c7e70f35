"""The confirmation page of a claim sent in parts (too large for the administrator's mailbox),
before and after sending, on a phone: zero axe-core violations, no horizontal scrolling at
320 px, and each part's downloads and link reachable by name."""
from tests.support.browser import PHONE, axe_violations, describe, hand_over, scroll_width
from tests.support.files import phone_photo
from tests.support.mail import SENDER, Inbox, smtp
from tests.support.samples import fill_claim
from tests.support.servers import live
from tests.support.web import Browserless


def test_the_parts_page_is_accessible_before_and_after_sending(make_app, browser):
    with smtp(Inbox()) as inbox:
        app = make_app(ADMINISTRATOR="tests.support.meridian", MAIL_SERVER="127.0.0.1",
                       MAIL_PORT=inbox.port, MAIL_DEFAULT_SENDER=SENDER, MAIL_TIMEOUT=5)
        client = app.test_client()
        fill_claim(Browserless(client), receipts=[(f"photo{n}.jpg", phone_photo(seed=n)) for n in range(4)])
        with live(app) as server:
            context = browser.new_context(viewport=PHONE)
            page = context.new_page()
            hand_over(page, client, server.url)
            page.goto(server.url + "/claim/done")
            assert page.locator("ol.parts > li").count() >= 2
            total = page.locator("ol.parts > li").count()
            for n in range(1, total + 1):
                assert page.get_by_role("link", name=f"Download email {n} of {total} with its attachment (.eml)").count() == 1
                assert page.get_by_role("link", name=f"Write email {n} of {total} in your mail app").count() == 1
            assert [describe(v) for v in axe_violations(page)] == []
            assert scroll_width(page, {"width": 320, "height": 640}) is None
            page.set_viewport_size(PHONE)
            page.get_by_role("button", name="Send it for me").click()
            page.wait_for_selector("#part-outcomes")
            assert page.locator("#part-outcomes li").count() == total
            assert [describe(v) for v in axe_violations(page)] == []
            assert scroll_width(page, {"width": 320, "height": 640}) is None
            context.close()
        assert len(inbox.messages) == total
