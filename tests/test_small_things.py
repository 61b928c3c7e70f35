"""Issue 13, point 12: the delete page's way back, "Change" links to their field, the
favicon, "(optional)" only where a question is asked, an amount with its currency, and the
home page's "Continue your claim for ..." (for the draft's owner only)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.support.browser import hand_over
from tests.support.pages import parse
from tests.support.samples import CLAIM, CONSENT, GOP_PATIENT, HOSPITAL, MEDICAL, MEMBER, WRITER, admission, fill_claim
from tests.support.web import Browserless


def test_the_delete_page_goes_back_to_where_the_member_was(web):
    web.post("/claim/member", MEMBER)
    page = parse(web.get("/claim/patient"))
    delete = page.select_one("header nav a[href^='/delete']")["href"]
    assert delete == "/delete?next=/claim/patient"
    back = parse(web.get(delete)).find("a", string="No, go back")
    assert back["href"] == "/claim/patient"
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        page = parse(web.get("/delete", query_string={"next": elsewhere}))
        assert page.find("a", string="No, go back")["href"] == "/"


def test_change_links_name_their_field(web):
    fill_claim(web, finish=False)
    review = parse(web.get("/claim/check"))
    hrefs = {a.select_one(".vh").get_text(strip=True): a["href"] for a in review.select(".summary-actions a")}
    assert hrefs["Email address"] == "/claim/member?change=1#email"
    assert hrefs["Date of birth"] == "/claim/member?change=1#date_of_birth"
    assert hrefs["Who received the treatment?"] == "/claim/patient?change=1#who"


def test_optional_is_said_where_the_question_is_asked_not_on_the_check_page(web):
    web.post("/cover/sender", {"name": MEMBER["full_name"], "reference": MEMBER["reference"],
                               "phone": MEMBER["phone"], "reply_email": MEMBER["email"]})
    asking = parse(web.get("/cover/sending"))
    assert asking.find("label", {"for": "message"}).get_text(" ", strip=True) == "Short message (optional)"
    review = web.post("/cover/sending", {"method": "fax", "subject": "claim", "pages": "2", "paper": "A4",
                                         "message": "Two receipts"})
    keys = [dt.get_text(strip=True) for dt in parse(review).select("dl.summary dt")]
    assert "Short message" in keys and not any("optional" in k for k in keys)


def test_the_estimated_cost_reads_with_its_currency(web):
    web.post("/guarantee/writer", WRITER)
    web.post("/guarantee/patient", GOP_PATIENT)
    web.post("/guarantee/admission", admission())
    web.post("/guarantee/hospital", HOSPITAL)
    web.post("/guarantee/medical", dict(MEDICAL, cost="12000", currency="USD"))
    web.post("/guarantee/consent", CONSENT)  # a relative writes
    review = parse(web.post("/guarantee/attachments", {"action": "continue"}))
    rows = {r.dt.get_text(strip=True): r.select_one(".summary-value").get_text(strip=True)
            for r in review.select(".summary-row")}
    assert rows["Estimated cost"] == "USD 12,000.00"
    assert "Currency of the estimate" not in rows


def test_the_favicon_is_linked_and_served(web, client):
    icon = parse(web.get("/")).find("link", rel="icon")["href"]
    for url in (icon, "/favicon.ico"):
        response = client.get(url)
        assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00", url  # an ICO
        response.close()


def test_the_home_page_offers_to_continue_a_journey_to_its_owner_only(app, web):
    assert parse(web.get("/")).select("a.continue") == []
    web.post("/claim/member", MEMBER)
    web.post("/claim/patient", {"who": "family"})
    web.post("/claim/family-member", dict(CLAIM["family-member"], name="Arjun Mehta"))
    home = parse(web.get("/"))
    links = [(a.get_text(strip=True), a["href"]) for a in home.select("a.continue")]
    assert links == [("Continue your claim for Arjun Mehta", "/claim/treatment")]
    assert not any("Arjun" in a["href"] for a in home.select("[href]"))  # on the page, never in a URL
    other = Browserless(app.test_client())  # another member's browser
    assert parse(other.get("/")).select("a.continue") == []

    fill_claim(web)  # finished: nothing to continue
    assert parse(web.get("/")).select("a.continue") == []


def test_in_chromium_a_change_link_puts_the_focus_on_its_field(page, live_server):
    web = Browserless(live_server.app.test_client())
    fill_claim(web, finish=False)
    hand_over(page, web.client, live_server.url)
    page.goto(live_server.url + "/claim/check")
    page.get_by_role("link", name="Change Email address").click()
    assert page.url.endswith("/claim/member?change=1#email")
    expect(page.get_by_label("Email address", exact=True)).to_be_focused()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=f"Continue your claim for {MEMBER['full_name']}").click()  # all answered
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before finishing")
    page.goto(live_server.url + "/delete?next=/claim/check")
    page.get_by_role("link", name="No, go back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before finishing")
