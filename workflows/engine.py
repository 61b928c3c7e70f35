"""The generic wizard: journeys are declared as data and run by this one engine.

Answers are plain JSON-able dicts keyed by step name. Nothing here knows about a
particular journey, HTTP or storage: the views feed answers in and act on what
comes back, so every rule here can be tested with plain data.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from babel.dates import format_date as babel_date
from babel.numbers import format_decimal
from flask_babel import gettext as _, get_locale, lazy_gettext as _l, ngettext
from wtforms import BooleanField, Field, RadioField, SelectField

from .fields import AmountField, DateInputField

Answers = dict[str, Any]
Condition = Callable[[Answers], bool]


def answer(step: str, name: str) -> Callable[[Answers], Any]:
    """Read one answer: answer("treatment", "accident")(answers)."""
    return lambda answers: (answers.get(step) or {}).get(name)


def when(step: str, name: str, *values) -> Condition:
    """A show_if condition as data: when("treatment", "accident", "yes")."""
    read = answer(step, name)
    return lambda answers: read(answers) in values


@dataclass(frozen=True)
class Row:
    """One line of a check-your-answers list."""

    key: str
    value: str
    step: str
    href_suffix: str = ""  # e.g. "/2" to change the third expense


@dataclass
class Step:
    """A page with one form. `show_if` decides, from the answers so far, if it applies."""

    name: str
    title: str
    form: type | None = None
    show_if: Condition | None = None
    hint: str = ""
    # Initial values computed from other answers (e.g. a currency from the country of treatment).
    defaults: Callable[[Answers], dict] | None = None
    kind: str = "form"

    def applies(self, answers: Answers) -> bool:
        return self.show_if is None or bool(self.show_if(answers))

    def is_complete(self, answers: Answers) -> bool:
        return self.name in answers

    def make_form(self, answers: Answers, formdata=None, **kw):
        data = dict(self.defaults(answers)) if self.defaults else {}
        data.update(answers.get(self.name) or {})
        form = self.form(formdata=formdata, data=data, **kw)
        form.answers = answers  # cross-step checks (e.g. phone region) read from here
        return form

    def store(self, form) -> dict:
        return form_answers(form)

    def is_valid(self, answers: Answers) -> bool:
        """Do the stored answers still pass the form's checks? Checks that read other steps
        (an IBAN against the bank's country, an admission date against today) can fail
        after a change elsewhere, or on another day."""
        return self.make_form(answers, meta={"csrf": False}).validate()

    def rows(self, answers: Answers) -> list[Row]:
        stored = answers.get(self.name) or {}
        form = self.make_form(answers, meta={"csrf": False})
        return [Row(str(f.label.text), display(f, stored.get(f.name)), self.name)
                for f in visible_fields(form) if stored.get(f.name) not in (None, "")]


@dataclass(frozen=True)
class ListTexts:
    """What a list page says about its items, as whole sentences so that each language can
    phrase them (genders, plurals); %(n)d is the item's number, %(max)d the limit."""

    item: Any = _l("Item %(n)d")
    add_first: Any = _l("Add an item")
    add_another: Any = _l("Add another item")
    change: Any = _l("Change item %(n)d")
    save: Any = _l("Save item")
    added: Callable[[int], str] = lambda n: ngettext("you have added %(num)d item",
                                                     "you have added %(num)d items", n)
    at_least: Any = _l("Add at least one item")
    too_many: Any = _l("You can add up to %(max)d items")
    removed: Any = _l("Item %(n)d removed")
    add_or_remove: Any = _l("Add or remove items")


@dataclass
class ListStep(Step):
    """GOV.UK "add another": a list of items, each entered with `form`."""

    kind: str = "list"
    texts: ListTexts = ListTexts()
    min_items: int = 1
    max_items: int = 50
    describe: Callable[[dict], str] = lambda item: ""
    # Summary lines under the list, e.g. totals per currency: answers -> [(label, value)].
    totals: Callable[[Answers], list[tuple[str, str]]] | None = None

    def items(self, answers: Answers) -> list[dict]:
        return list((answers.get(self.name) or {}).get("items") or [])

    def is_complete(self, answers: Answers) -> bool:
        stored = answers.get(self.name) or {}
        return bool(stored.get("done")) and len(stored.get("items") or []) >= self.min_items

    def is_valid(self, answers: Answers) -> bool:
        return all(self.make_item_form(answers, i, meta={"csrf": False}).validate()
                   for i in range(len(self.items(answers))))

    def make_item_form(self, answers: Answers, index: int | None, formdata=None, **kw):
        items = self.items(answers)
        data = dict(self.defaults(answers)) if self.defaults else {}
        if index is not None:
            data.update(items[index])
        form = self.form(formdata=formdata, data=data, **kw)
        form.answers = answers
        return form

    def rows(self, answers: Answers) -> list[Row]:
        return [Row(str(self.texts.item) % {"n": i + 1}, self.describe(item), self.name, f"/{i}")
                for i, item in enumerate(self.items(answers))]


@dataclass
class UploadStep(Step):
    """Files with a kind each; the files themselves live in the draft store, not the answers."""

    kind: str = "upload"
    min_files: int = 1
    max_files: int = 20
    noun: str = "document"
    kinds: tuple[tuple[str, str], ...] = ()  # (value, label) of the document kinds offered

    def files(self, answers: Answers) -> list[dict]:
        return list((answers.get(self.name) or {}).get("files") or [])

    def is_complete(self, answers: Answers) -> bool:
        stored = answers.get(self.name) or {}
        return bool(stored.get("done")) and len(stored.get("files") or []) >= self.min_files

    def rows(self, answers: Answers) -> list[Row]:
        # Kind labels are stored in English (documents print them as stored) and
        # translated for pages here.
        return [Row(_(f["kind_label"]), f["name"], self.name) for f in self.files(answers)]

    def is_valid(self, answers: Answers) -> bool:
        return True  # files were checked on the way in


RESERVED = {"start", "check", "done", "new"}


@dataclass
class Wizard:
    slug: str
    title: str
    steps: list[Step]
    start_hint: str = ""
    reference_prefix: str = "REF"
    # Advice that follows from the answers (e.g. urgency), shown from the step that gives
    # rise to it onwards: answers -> messages.
    notices: Callable[[Answers], list[str]] | None = None
    # Signed on the check-your-answers page, after every answer is final (GOV.UK pattern):
    # a form class whose answers are stored under "declaration".
    declaration: type | None = None
    outputs: Any = None  # what the finished journey produces (documents, email): outputs.py

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


# --- form <-> answers -----------------------------------------------------------------------

def visible_fields(form):
    return [f for f in form if f.type not in ("CSRFTokenField", "HiddenField", "SubmitField")]


def form_answers(form) -> dict:
    """A form's data as JSON-able answers (dates as ISO strings, amounts as plain decimals)."""
    out = {}
    for f in visible_fields(form):
        if isinstance(f, AmountField):
            out[f.name] = str(getattr(f, "amount", f.data))
        elif isinstance(f, DateInputField):
            out[f.name] = f.data.isoformat() if f.data else None
        else:
            out[f.name] = f.data
    if hasattr(form, "extra_answers"):
        out.update(form.extra_answers())
    return out


def format_date(value) -> str:
    """"3 April 1970" in English (pages and every document for Cigna); the page language's
    long form otherwise ("3 avril 1970", "3 de abril de 1970")."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    locale = get_locale()
    if locale is None or locale.language == "en":
        return f"{value.day} {value:%B %Y}"
    return babel_date(value, "long", locale=locale)


def format_amount(amount) -> str:
    locale = get_locale()
    if locale is None or locale.language == "en":
        return f"{Decimal(amount):,.2f}"
    return format_decimal(Decimal(amount), "#,##0.00", locale=locale)


def format_money(amount, currency: str) -> str:
    """"EUR 1,234.50" in English; the code after the amount elsewhere ("1 234,50 EUR")."""
    if not currency:
        return format_amount(amount)
    locale = get_locale()
    if locale is None or locale.language == "en":
        return f"{currency} {format_amount(amount)}"
    return f"{format_amount(amount)}\u00a0{currency}"


def display(f: Field, value) -> str:
    """How an answer reads back to the member on the review page and in documents."""
    if value in (None, ""):
        return ""
    if isinstance(f, DateInputField):
        return format_date(value)
    if isinstance(f, AmountField):
        return format_amount(value)
    if isinstance(f, BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(f, (RadioField, SelectField)):
        return choice_label(f, value)
    return str(value)


def choice_label(f, value) -> str:
    """The label of a choice, from a bound field or from a form class's unbound one."""
    choices = f.choices if hasattr(f, "choices") else f.kwargs["choices"]
    for choice in choices:
        code, label = (choice.value, choice.label) if hasattr(choice, "value") else choice[:2]
        if code == value:
            return str(label)
    return str(value)
