"""The wizard engine on plain data: no HTTP, no storage."""
import pytest

from workflows.journeys.claim import JOURNEY as CLAIM
from workflows.engine import ListStep, Step, UploadStep, Wizard, when

TOY = Wizard("toy", "Toy", steps=[
    Step("a", "A"),
    Step("b", "B", show_if=when("a", "more", "yes")),
    ListStep("c", "C"),
    UploadStep("d", "D"),
    Step("e", "E", show_if=when("b", "deeper", "yes")),
])

DONE_C = {"items": [{"x": 1}], "done": True}
DONE_D = {"files": [{"id": "1", "name": "r.jpg", "kind_label": "Itemised invoice"}], "done": True}


def names(steps):
    return [s.name for s in steps]


def test_conditional_steps_follow_the_answers():
    assert names(TOY.relevant_steps({})) == ["a", "c", "d"]
    assert names(TOY.relevant_steps({"a": {"more": "yes"}})) == ["a", "b", "c", "d"]
    assert names(TOY.relevant_steps({"a": {"more": "yes"}, "b": {"deeper": "yes"}})) == ["a", "b", "c", "d", "e"]


def test_a_condition_on_an_irrelevant_step_does_not_count():
    # "b" answered "deeper", but "a" no longer leads to "b": so "e" must not apply either.
    answers = {"a": {"more": "no"}, "b": {"deeper": "yes"}}
    assert names(TOY.relevant_steps(answers)) == ["a", "c", "d"]
    assert TOY.clean(answers) == {"a": {"more": "no"}}


def test_progress_counts_sections_that_do_not_change_with_the_answers():
    # "b" and "e" may not apply: they join the section before them, so every page of the
    # journey counts the same sections (a, c, d, then the review) whatever the answers.
    assert [s.name for s in TOY.sections] == ["a", "c", "d"]
    assert TOY.progress("a") == (1, 4, "A")
    assert TOY.progress("b") == (1, 4, "A")
    assert TOY.progress("c") == (2, 4, "C")
    assert TOY.progress("e") == (3, 4, "D")
    assert TOY.progress("check") == (4, 4, "Check your answers")


def test_a_section_is_headed_by_a_step_that_always_applies_and_holds_steps_in_a_row():
    with pytest.raises(ValueError):  # nothing before it to join
        Wizard("x", "X", steps=[Step("a", "A", show_if=when("z", "z", "z"))])
    with pytest.raises(ValueError):  # a conditional step cannot head a section
        Wizard("x", "X", steps=[Step("a", "A"), Step("b", "B", show_if=when("a", "x", "y"), section="b")])
    with pytest.raises(ValueError):  # "c" would split section "a" in two
        Wizard("x", "X", steps=[Step("a", "A"), Step("b", "B"), Step("c", "C", section="a")])
    grouped = Wizard("x", "X", steps=[Step("a", "A"), Step("b", "B", section="a"), Step("c", "C")])
    assert grouped.progress("b") == (1, 3, "A") and grouped.progress("c") == (2, 3, "C")


def test_next_and_previous_walk_the_relevant_steps():
    answers = {"a": {"more": "yes"}}
    assert TOY.next_step("a", answers).name == "b"
    assert TOY.next_step("a", {"a": {"more": "no"}}).name == "c"
    assert TOY.previous_step("c", {"a": {"more": "no"}}).name == "a"
    assert TOY.previous_step("a", answers) is None
    assert TOY.next_step("d", {"a": {"more": "no"}}) is None


def test_steps_cannot_be_opened_out_of_order():
    assert TOY.can_open("a", {})
    assert not TOY.can_open("c", {})
    assert TOY.first_unfinished({}).name == "a"
    assert TOY.can_open("c", {"a": {"more": "no"}})
    assert not TOY.can_open("b", {"a": {"more": "no"}})  # not relevant at all


def test_list_and_upload_steps_need_items_and_a_continue():
    answers = {"a": {"more": "no"}, "c": {"items": [{"x": 1}], "done": False}}
    assert TOY.first_unfinished(answers).name == "c"
    answers["c"] = DONE_C
    assert TOY.first_unfinished(answers).name == "d"
    answers["d"] = {"files": [], "done": True}
    assert TOY.first_unfinished(answers).name == "d"
    answers["d"] = DONE_D
    assert TOY.is_complete(answers)


def test_reserved_and_duplicate_step_names_are_refused():
    with pytest.raises(ValueError):
        Wizard("x", "X", steps=[Step("check", "Check")])
    with pytest.raises(ValueError):
        Wizard("x", "X", steps=[Step("a", "A"), Step("a", "A again")])


def test_claim_asks_about_the_accident_only_after_one():
    base = {"patient": {"who": "member"}, "treatment": {"accident": "no", "other_insurance": "no"}}
    assert "accident" not in names(CLAIM.relevant_steps(base))
    base["treatment"]["accident"] = "yes"
    assert "accident" in names(CLAIM.relevant_steps(base))


@pytest.mark.parametrize("method, country, expected", [
    ("cheque", "BE", []),
    ("bank", "BE", ["bank", "bank-iban"]),
    ("bank", "US", ["bank", "bank-local"]),
    ("bank", "JP", ["bank", "bank-local"]),
])
def test_claim_bank_steps_follow_the_country(method, country, expected):
    answers = {"payment": {"method": method}, "bank": {"country": country}}
    bank_steps = [n for n in names(CLAIM.relevant_steps(answers)) if n.startswith("bank")]
    assert bank_steps == expected
