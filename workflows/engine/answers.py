"""Answers are plain JSON-able dicts keyed by step name; conditions read them as data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Answers = dict[str, Any]
Condition = Callable[[Answers], bool]


def answer(step: str, name: str) -> Callable[[Answers], Any]:
    """Read one answer: answer("treatment", "accident")(answers)."""
    return lambda answers: (answers.get(step) or {}).get(name)


def when(step: str, name: str, *values) -> Condition:
    """A show_if condition as data: when("treatment", "accident", "yes")."""
    read = answer(step, name)
    return lambda answers: read(answers) in values


class Notice(str):
    """Advice shown at the top of pages. A plain string there is urgent, and the
    administrator's phone numbers go with it; a quiet notice (a deadline, say) goes alone."""

    quiet: bool

    def __new__(cls, text: str, quiet: bool = True):
        made = super().__new__(cls, text)
        made.quiet = quiet
        return made


@dataclass(frozen=True)
class Caution:
    """Something in the answers worth a second look (a line without its receipt, the same
    file twice) that does not stop the member: shown on the check page with a link to fix
    it, and, when `on_step`, on the page of `step` itself. `file` is an upload's id, for a
    link to that document's own page."""

    text: str
    step: str
    file: str = ""
    on_step: bool = False


@dataclass(frozen=True)
class Row:
    """One line of a check-your-answers list."""

    key: str
    value: str
    step: str
    href_suffix: str = ""  # e.g. "/2" to change the third expense
    field: str = ""  # the id of the field the "Change" link takes the member to
