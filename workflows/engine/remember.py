"""What of a journey's answers a signed-in member may keep for the next claim, declared by
the journey as data: which fields of which steps are which item of the member's saved
profile (engine/saved.py). The web layer reads these declarations, so it names no journey
and no field."""
from __future__ import annotations

from dataclasses import dataclass

from .answers import Answers


@dataclass(frozen=True)
class Remember:
    """One saved item asked on one or more steps: `steps` maps each step, in the order the
    journey asks them, to {field name: profile key}. For a list item (`many`), the first step
    offers the saved entries to choose from; `saved_on` are the steps that offer "Remember
    for my next claim" (by default the last): the entry saved is made from every step."""

    item: str
    steps: dict[str, dict[str, str]]
    many: bool = False
    saved_on: tuple[str, ...] = ()

    @property
    def chosen_on(self) -> str:
        return next(iter(self.steps))

    def saves_on(self, step: str) -> bool:
        return step in (self.saved_on or (list(self.steps)[-1],))

    def values(self, step: str, stored: dict) -> dict:
        """The profile keys of one step's answers (empty ones left out)."""
        return {key: stored[name] for name, key in self.steps.get(step, {}).items()
                if stored.get(name) not in (None, "")}

    def entry(self, answers: Answers) -> dict:
        """The item as the answers give it, from every step of the item answered."""
        made: dict = {}
        for step in self.steps:
            made.update(self.values(step, answers.get(step) or {}))
        return made

    def prefill(self, step: str, entry: dict) -> dict:
        """A step's fields filled in from a saved entry."""
        return {name: entry[key] for name, key in self.steps.get(step, {}).items() if key in entry}

    def fill(self, entry: dict) -> Answers:
        """The answers of every step the entry has values for (a step that then does not
        apply, such as local account details for an IBAN, goes with Wizard.clean)."""
        return {step: values for step in self.steps if (values := self.prefill(step, entry))}


def remembered_on(declared: list[Remember] | tuple, step: str) -> Remember | None:
    return next((r for r in declared if step in r.steps), None)
