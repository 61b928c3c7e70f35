"""The generic wizard: journeys are declared as data and run by this one engine.

Nothing here knows about a particular journey, HTTP or storage: the web layer feeds
answers in and acts on what comes back, so every rule here can be tested with plain data.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from .answers import Answers, Row
from .i18n import lazy_gettext as _l
from .steps import Step

RESERVED = {"start", "check", "done", "new"}
CHECK_TITLE = _l("Check your answers")


class Progress(NamedTuple):
    """Where a page is in its journey: section n of total, by its title."""

    n: int
    total: int
    title: Any


@dataclass
class Wizard:
    slug: str
    title: str
    steps: list[Step]
    summary: str = ""  # one sentence on the index page
    start_hint: str = ""
    reference_prefix: str = "REF"
    # Advice that follows from the answers (e.g. urgency), shown from the step that gives
    # rise to it onwards: answers -> messages.
    notices: Callable[[Answers], list[str]] | None = None
    # Signed on the check-your-answers page, after every answer is final (GOV.UK pattern):
    # a form class whose answers are stored under "declaration".
    declaration: type | None = None
    outputs: Any = None  # what the finished journey produces (documents, email): outputs.py
    # What "start again" keeps from a finished round's answers; by default the first step
    # (the member's or writer's own details).
    carry_over: Callable[[Answers], Answers] | None = None
    # Whom a journey in progress is about (the patient's name), so that the home page can
    # say "Continue your claim for Arjun" to the member filling it in: answers -> name.
    about: Callable[[Answers], str | None] | None = None
    # What the member has not given yet but may send later (documents the answers call for):
    # answers -> sentences, listed on the check page with a link to the uploads. Finishing
    # is still allowed; the document lists them as to follow.
    missing: Callable[[Answers], list[str]] | None = None
    # Things worth a second look that do not stop the member (engine.Caution): answers ->
    # cautions, on the check page with a link to fix each, some on their own step's page.
    cautions: Callable[[Answers], list[Any]] | None = None
    # Which answers a signed-in member may keep for the next time (engine.Remember).
    remembers: tuple = ()
    # Cautions from a signed-in member's history (issue 14.6): (answers, earlier) -> cautions,
    # where earlier() gives the member's earlier finished journeys as plain dicts (a record's
    # data with its "reference"); called only when the answers need it (it reads the records).
    history_cautions: Callable[[Answers, Callable[[], list[dict]]], list[Any]] | None = None
    # What a journey not sent yet holds whose deadline is near: answers -> [(what, date)],
    # listed on the signed-in member's My claims page.
    due_soon: Callable[[Answers], list[tuple[str, Any]]] | None = None
    # What follows a finished journey up for a signed-in member (delivery.reminders.FollowUp).
    follow_up: Any = None

    def __post_init__(self):
        self.by_name = {s.name: s for s in self.steps}
        if len(self.by_name) != len(self.steps):
            raise ValueError(f"{self.slug}: step names must be unique")
        if RESERVED & set(self.by_name):
            raise ValueError(f"{self.slug}: {RESERVED} are page names, not step names")
        self.sections, self.section_of = self._sections()

    def _sections(self) -> tuple[list[Step], dict[str, int]]:
        """The sections of the progress indicator, fixed whatever the answers: a count of
        steps would grow as answers bring steps in ("Step 1 of 7", then "Step 3 of 8").
        Each section is headed by a step that always applies, so none is ever skipped, and
        holds the steps after it that join it (Step.section)."""
        heads: list[Step] = []
        index: dict[str, int] = {}
        for step in self.steps:
            head = step.section or (step.name if step.show_if is None else heads and heads[-1].name)
            if head == step.name:
                if step.show_if is not None:
                    raise ValueError(f"{self.slug}: {step.name} may not apply, so it cannot head a section")
                heads.append(step)
            elif not heads or heads[-1].name != head:
                raise ValueError(f"{self.slug}: {step.name} must come right after the steps of section {head!r}")
            index[step.name] = len(heads) - 1
        return heads, index

    def step(self, name: str) -> Step | None:
        return self.by_name.get(name)

    def relevant_steps(self, answers: Answers) -> list[Step]:
        """Steps that apply given the answers. Conditions only look at earlier steps, so
        a single pass in order, over the already relevant answers, is enough."""
        relevant, seen = [], {}
        for step in self.steps:
            if step.applies(seen):
                relevant.append(step)
                if step.name in answers:
                    seen[step.name] = answers[step.name]
        return relevant

    def clean(self, answers: Answers) -> Answers:
        """Only the answers of relevant steps: what gets rendered, stored or sent."""
        return {s.name: answers[s.name] for s in self.relevant_steps(answers) if s.name in answers}

    def first_unfinished(self, answers: Answers) -> Step | None:
        for step in self.relevant_steps(answers):
            if not step.is_complete(answers):
                return step
        return None

    def is_complete(self, answers: Answers) -> bool:
        return self.first_unfinished(answers) is None

    def resume_at(self, answers: Answers) -> str:
        """Where a journey in progress goes on: its first unfinished step, or the review."""
        pending = self.first_unfinished(answers)
        return pending.name if pending else "check"

    def first_invalid(self, answers: Answers) -> Step | None:
        return next((s for s in self.relevant_steps(answers) if not s.is_valid(answers)), None)

    def can_open(self, name: str, answers: Answers) -> bool:
        """A step may be opened when it applies and every relevant step before it is done."""
        for step in self.relevant_steps(answers):
            if step.name == name:
                return True
            if not step.is_complete(answers):
                return False
        return False

    def next_step(self, name: str, answers: Answers) -> Step | None:
        steps = self.relevant_steps(answers)
        names = [s.name for s in steps]
        if name not in names:
            return self.first_unfinished(answers)
        index = names.index(name)
        return steps[index + 1] if index + 1 < len(steps) else None

    def previous_step(self, name: str, answers: Answers) -> Step | None:
        steps = self.relevant_steps(answers)
        names = [s.name for s in steps]
        if name not in names:
            return None
        index = names.index(name)
        return steps[index - 1] if index else None

    def progress(self, name: str, answers: Answers | None = None) -> Progress:
        """The section of step `name` (or "check"), counted among all the journey's sections
        and "Check your answers" last: the same total on every page, whatever the answers
        (taken, and not read, so that callers need not know that)."""
        total = len(self.sections) + 1
        if name not in self.section_of:
            return Progress(total, total, CHECK_TITLE)
        n = self.section_of[name]
        return Progress(n + 1, total, self.sections[n].title)

    def kept_for_next(self, answers: Answers) -> Answers:
        if self.carry_over is not None:
            return self.carry_over(answers)
        first = self.steps[0].name
        return {first: answers[first]} if first in answers else {}

    def review(self, answers: Answers) -> list[tuple[Step, list[Row]]]:
        answers = self.clean(answers)
        return [(s, s.rows(answers)) for s in self.relevant_steps(answers)]
