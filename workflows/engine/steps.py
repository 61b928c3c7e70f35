"""The kinds of page a journey is made of: a form, a list (add another), uploads."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .answers import Answers, Condition, Row
from .display import display, form_answers, format_money, visible_fields
from .i18n import gettext as _, lazy_gettext as _l, ngettext


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
    # The section the progress indicator puts this page in: the name of the step that heads
    # it. By default a step that always applies heads a section of its own and a conditional
    # one joins the section before it, so the count of sections never changes (Wizard.sections).
    section: str | None = None

    def applies(self, answers: Answers) -> bool:
        return self.show_if is None or bool(self.show_if(answers))

    def is_complete(self, answers: Answers) -> bool:
        return self.name in answers

    def make_form(self, answers: Answers, formdata=None, prefill: dict | None = None, **kw):
        """`prefill`: values the member saved earlier, over the defaults, under the answers."""
        data = dict(self.defaults(answers)) if self.defaults else {}
        data.update(prefill or {})
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
        """The answers given, each as its question (without "(optional)": that is for the
        page that asks) and how it reads; an amount with its currency ("USD 12,000.00"),
        whose own row then goes."""
        stored = answers.get(self.name) or {}
        form = self.make_form(answers, meta={"csrf": False})
        # A form's `service_choices` (e.g. "keep my bank details for the next claim") are
        # about this service, not answers for the administrator: not in rows or documents.
        private = getattr(form, "service_choices", ())
        fields = [f for f in visible_fields(form) if f.name not in private]
        priced = {f.currency_field: f for f in fields if getattr(f, "currency_field", None)}
        rows = []
        for f in fields:
            value = stored.get(f.name)
            if value in (None, "") or f.name in priced:
                continue
            currency = stored.get(getattr(f, "currency_field", None) or "")
            shown = format_money(value, currency) if currency else display(f, value)
            rows.append(Row(str(getattr(f, "called", None) or f.label.text), shown, self.name, field=f.id))
        return rows


@dataclass(frozen=True)
class ListTexts:
    """What a list page says about its items, as whole sentences so that each language can
    phrase them (genders, plurals); %(n)d is the item's number, %(max)d the limit."""

    item: Any = _l("Item %(n)d")
    add_first: Any = _l("Add an item")
    add_another: Any = _l("Add another item")
    change: Any = _l("Change item %(n)d")
    save: Any = _l("Save item")
    saved: Any = _l("Item %(n)d saved")
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
    # What a document can cover (the claim's expense lines): answers -> [(id, label)]. Each
    # file then keeps the ids it covers ("covers"), asked at upload and on its own page.
    covers: Callable[[Answers], list[tuple[str, str]]] | None = None

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
