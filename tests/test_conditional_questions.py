"""Questions that apply only after one answer (an admission time for an emergency, nights for
an inpatient stay, what "Other" is, the paper size of a fax) are declared as data on their
form (Form.revealed_by) and shown only when they apply: with JavaScript as GOV.UK's
conditional reveal (aria-controls; aria-expanded is not valid on a radio), without it by
CSS, over HTTP nested under their answer. An answer to one that does not apply is neither checked nor kept."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import axe_violations, describe, hand_over
from tests.support.pages import parse, path_of, summary
from tests.support.registry import JOURNEYS
from tests.support.samples import GOP_PATIENT, SENDER, WRITER, admission
from tests.support.servers import Server
from tests.support.web import Browserless

# Every such question in every journey (kept up to date by the test below).
CONDITIONAL = {("guarantee", "admission", "time"): ("kind", "emergency"),
               ("guarantee", "admission", "nights"): ("care", "inpatient"),
               ("cover", "sending", "other"): ("subject", "other"),
               ("cover", "sending", "paper"): ("method", "fax")}


@pytest.fixture
def member(app):
    server = Server(app)
    yield server.member()
    server.stop()


def to_admission(web):
    web.post("/guarantee/writer", WRITER)
    web.post("/guarantee/patient", GOP_PATIENT)


def review_keys(response) -> list[str]:
    return [dt.get_text(strip=True) for dt in parse(response).select("dl.summary dt")]


def test_every_conditional_question_is_declared_under_a_radio_answer(app):
    declared = {}
    with app.test_request_context():
        for journey in JOURNEYS:
            for step in journey.wizard.steps:
                if step.form is None:
                    continue
                form = step.form(meta={"csrf": False})
                for name, (controller, value) in getattr(form, "revealed_by", {}).items():
                    assert form[controller].type.endswith("RadioField"), (step.name, controller)
                    assert value in [c[0] for c in form[controller].iter_choices()], (step.name, value)
                    declared[(journey.slug, step.name, name)] = (controller, value)
    assert declared == CONDITIONAL


def test_without_javascript_each_question_is_nested_under_its_answer(member):
    to_admission(member)
    page = parse(member.get("/guarantee/admission"))
    for field, answer in (("time", "emergency"), ("nights", "inpatient")):
        box = page.find(id=field).find_parent(class_="conditional")
        radio = box.find_previous_sibling(class_="radio").input
        assert radio["value"] == answer and radio["data-aria-controls"] == box["id"]
    # Nothing else on the page is revealed by an answer.
    assert {i["name"] for c in page.select(".conditional") for i in c.select("input")} == {"time", "nights"}


def test_answers_to_questions_that_do_not_apply_are_neither_checked_nor_kept(member):
    to_admission(member)
    planned = admission("planned", 20, time="99:99", care="day", nights="many")
    response = member.post("/guarantee/admission", planned)
    assert path_of(response) == "/guarantee/hospital", summary(response)
    stored = member.get("/guarantee/admission")
    assert parse(stored).find(id="time")["value"] == "" and parse(stored).find(id="nights")["value"] == ""

    response = member.post("/guarantee/admission", admission("emergency", -1, time="", nights=""))
    assert summary(response) == ["Enter the time of the emergency admission, like 14:30",
                                 "Enter the expected length of stay in nights"]
    response = member.post("/guarantee/admission", admission("emergency", -1, time="915", nights="3"))
    assert path_of(response) == "/guarantee/hospital"


def test_the_cover_keeps_other_and_paper_only_when_they_apply(member):
    member.post("/cover/sender", SENDER)
    response = member.post("/cover/sending", {"method": "post", "subject": "claim", "other": "My cat",
                                              "pages": "3", "paper": "", "message": ""})
    assert path_of(response) == "/cover/check", summary(response)
    keys = review_keys(response)
    assert "If other: what it is about" not in keys and "Paper size" not in keys
    response = member.post("/cover/sending", {"method": "fax", "subject": "other", "other": "",
                                              "pages": "3", "paper": ""})
    assert summary(response) == ["Enter what the fax or letter is about", "Select the paper size"]


def at_admission(page, live_server):
    web = Browserless(live_server.app.test_client())
    to_admission(web)
    hand_over(page, web.client, live_server.url)
    page.goto(live_server.url + "/guarantee/admission")


def test_with_javascript_a_question_is_revealed_by_its_answer(page, live_server):
    at_admission(page, live_server)
    emergency = page.get_by_role("radio", name="Emergency")
    time = page.get_by_label("Admission time", exact=True)
    expect(emergency).to_have_attribute("aria-controls", "conditional-kind-2")
    expect(page.locator("#conditional-kind-2")).to_have_class("conditional conditional-hidden")
    expect(time).to_be_hidden()
    emergency.check()
    expect(page.locator("#conditional-kind-2")).to_have_class("conditional")
    expect(time).to_be_visible()
    time.focus()  # the next stop after the answer that revealed it
    page.keyboard.press("Shift+Tab")
    expect(emergency).to_be_focused()
    page.get_by_role("radio", name="Inpatient (staying at least one night)").check()
    expect(page.get_by_label("Expected length of stay, in nights")).to_be_visible()
    found = axe_violations(page)
    assert not found, [describe(v) for v in found]
    page.get_by_role("radio", name="Planned").check()  # another answer of the group hides it
    expect(page.locator("#conditional-kind-2")).to_have_class("conditional conditional-hidden")
    expect(time).to_be_hidden()


def test_without_javascript_css_reveals_the_question_too(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    at_admission(page, live_server)
    time = page.get_by_label("Admission time", exact=True)
    expect(time).to_be_hidden()
    page.get_by_role("radio", name="Emergency").check()
    expect(time).to_be_visible()
    time.fill("14:30")
    page.get_by_role("radio", name="Planned").check()
    expect(time).to_be_hidden()
    context.close()
