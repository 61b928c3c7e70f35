"""The generic wizard: journeys are declared as data and run by this one engine.

Nothing here knows about a particular journey, HTTP or storage: the web layer feeds
answers in and acts on what comes back, so every rule here can be tested with plain data.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .answers import Answers, Row
from .steps import Step

RESERVED = {"start", "check", "done", "new"}


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
    # What the member has not given yet but may send later (documents the answers call for):
    # answers -> sentences, listed on the check page with a link to the uploads. Finishing
    # is still allowed; the document lists them as to follow.
    missing: Callable[[Answers], list[str]] | None = None

    def __post_init__(self):
        self.by_name = {s.name: s for s in self.steps}
        if len(self.by_name) != len(self.steps):
            raise ValueError(f"{self.slug}: step names must be unique")
        if RESERVED & set(self.by_name):
            raise ValueError(f"{self.slug}: {RESERVED} are page names, not step names")

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

    def progress(self, name: str, answers: Answers) -> tuple[int, int]:
        """("Step N of M"): the count shifts as conditional steps come and go; the last step
        is "Check your answers"."""
        names = [s.name for s in self.relevant_steps(answers)] + ["check"]
        return (names.index(name) + 1 if name in names else 0), len(names)

    def review(self, answers: Answers) -> list[tuple[Step, list[Row]]]:
        answers = self.clean(answers)
        return [(s, s.rows(answers)) for s in self.relevant_steps(answers)]
