"""The confirmation page once "Send it for me" has gone: the sent state first (when, to whom,
whether the member has a copy), the other ways folded away, and a second sending only on the
member's explicit word, told as such. The half-deliveries are told the same way."""
import re

from tests.support.mail import Inbox, smtp
from tests.support.pages import outcome, parse, summary
from tests.support.samples import MEMBER, fill_claim, send
from tests.support.web import Browserless
from workflows.administrators.cigna import CIGNA
from workflows.engine import clock, format_date


def rows(page) -> dict[str, str]:
    """The sent summary's rows: label -> value."""
    return {row.dt.get_text(" ", strip=True): row.dd.get_text(" ", strip=True)
            for row in page.select(".sent-summary .summary-row")}


def sent_on_today(value: str) -> bool:
    return re.fullmatch(rf"{re.escape(format_date(clock.today()))} at \d\d:\d\d UTC", value) is not None


def outside_details(page, elements) -> list:
    return [e for e in elements if e.find_parent("details", id="other-ways") is None]


def test_the_sent_state_comes_first_and_the_other_ways_are_folded(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    fill_claim(web)
    response = send(web, copy=True)
    page = parse(response)
    assert page.h1.get_text() == "Your claim packet was sent"
    assert outcome(response) == f"Sent. Your claim was emailed to {CIGNA.claims_email} with a copy to you."
    told = rows(page)
    assert sent_on_today(told.pop("Sent"))
    assert told == {"To": f"{CIGNA.claims_email}, the {CIGNA.name} mailbox",
                    "Copy to you": f"Yes, to {MEMBER['email']}"}
    # Every other way to send is there, inside one closed <details>: no button competes.
    folded = page.find("details", id="other-ways")
    assert folded.summary.get_text(strip=True) == "Other ways to send" and not folded.has_attr("open")
    offers = page.select("a[href*='/claim/done/'], form[action*='/claim/done/']")
    assert len(offers) >= 5 and outside_details(page, offers) == []
    assert [h.get_text() for h in folded.find_all("h2")] == [
        "Send it again", "Send it yourself", "Fax or post it instead"]
    assert len(smtp_server.messages) == 1


def again_form(page) -> dict:
    form = page.find("form", {"action": "/claim/done/send"})
    return {i["name"]: i.get("value", "") for i in form.select("input") if i.get("type") != "checkbox"}


def test_sending_again_needs_the_box_then_goes_once_and_is_told_as_such(mail_app, smtp_server):
    web = Browserless(mail_app.test_client())
    fill_claim(web)
    page = parse(send(web, copy=False))
    form = again_form(page)
    assert form["round"] == "1" and form["action"] == "again"

    # Without the box ticked: nothing goes; the page says what is missing, the box open.
    response = web.client.post("/claim/done/send", data=form, follow_redirects=True)
    refused = parse(response)
    assert len(smtp_server.messages) == 1
    assert summary(response) == ["Tick the box if you want to send it again"]
    assert refused.find("details", id="other-ways").has_attr("open")
    assert refused.find(id="again")["aria-describedby"] == "again-error"

    # Ticked: a second message, told as such, with both dates.
    form = again_form(parse(web.get("/claim/done")))
    response = web.client.post("/claim/done/send", data={**form, "again": "yes"}, follow_redirects=True)
    again = parse(response)
    assert len(smtp_server.messages) == 2
    assert [m["rcpt_tos"] for m in smtp_server.messages] == [[CIGNA.claims_email]] * 2
    assert outcome(response) == f"Sent again. Your claim was emailed to {CIGNA.claims_email}."
    told = rows(again)
    assert sent_on_today(told["Sent again"]) and sent_on_today(told["First sent"])
    assert told["Copy to you"] == "No: you did not ask for one"

    # The same form sent once more (a double click, the back button): not a third message.
    replay = web.client.post("/claim/done/send", data={**form, "again": "yes"}, follow_redirects=True)
    assert len(smtp_server.messages) == 2
    assert "This claim was already sent: it was not sent again" in parse(replay).get_text()
    # The page now offers a third only with a form for it.
    assert again_form(parse(web.get("/claim/done")))["round"] == "2"


class Refusing(Inbox):
    """Refuses the given recipients for good; takes the others."""

    def __init__(self, refused):
        super().__init__()
        self.refused = refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_copy_is_a_sent_state_that_says_no_copy_went(make_app):
    with smtp(Refusing({MEMBER["email"]})) as inbox:
        web = Browserless(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port).test_client())
        fill_claim(web)
        page = parse(send(web, copy=True))
        assert page.h1.get_text() == "Your claim packet was sent"
        assert rows(page)["Copy to you"] == "No: the mail server refused your address"
        assert page.find("details", id="other-ways") is not None


def test_when_only_the_copy_went_the_page_is_not_a_sent_page(make_app):
    with smtp(Refusing({CIGNA.claims_email})) as inbox:
        web = Browserless(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port).test_client())
        fill_claim(web)
        response = send(web, copy=True)
        page = parse(response)
        assert page.h1.get_text() == "Your claim packet is ready"
        assert outcome(response).startswith("Sending failed: the mail server refused the address of")
        assert page.select(".sent-summary") == [] and page.find("details", id="other-ways") is None
        # Every way to send it by hand stays in view.
        assert page.find("a", string="Download the email with the claim packet attached (.eml)")
