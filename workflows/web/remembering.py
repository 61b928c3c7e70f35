"""A signed-in member's saved profile on the journey pages (issue 14.2): prefilled fields,
saved entries to choose from, "Remember for my next claim", and "Update your saved details
too?" when an answer changes a saved item. Which fields are which item is the journey's
declaration (engine.Remember); nothing is saved unless the member asks. An account number
saved once is never sent to a page again: its field shows empty, with the last 4
characters, and an empty answer keeps the saved number (filled in here, server-side)."""
from __future__ import annotations

import dataclasses

from flask import request
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField
from wtforms.fields.choices import SelectChoice

from ..engine import Step, Wizard
from ..engine import fields as F, saved
from ..engine.fields import Form
from ..engine.i18n import gettext as _, lazy_gettext as _l
from ..engine.remember import remembered_on
from .accounts import signed_in_member
from .state import store

REMEMBERED = "remembered"  # the journey state's {item: id of the saved entry in use}


class RememberForm(Form):
    choice = F.RadioChoices("", "", [])
    remember = BooleanField(_l("Remember for my next claim"),
                            description=_l("Saved with your account, encrypted, until you remove "
                                           "it on the Your saved details page."))
    update = F.RadioChoices(_l("Update your saved details too?"),
                            _l("You changed your saved details: select yes to update them too, or no to keep them as they are"),
                            [SelectChoice("yes", _l("Yes, update my saved details")),
                             SelectChoice("no", _l("No, use this only for this claim"))])


class Keeper:
    """The saved profile on one step's page, for one request."""

    def __init__(self, w: Wizard, s: Step, state: dict, member):
        self.w, self.s, self.state, self.member = w, s, state, member
        self.decl = remembered_on(w.remembers, s.name)
        self.item = self.decl.item
        self.profile = member.data.get("profile") or {}
        self.form = RememberForm(formdata=request.form if request.method == "POST" else None,
                                 prefix="profile", meta={"csrf": False})
        self.entries = list(self.profile.get(self.item) or ()) if self.decl.many else []
        self.choosing = bool(self.entries) and s.name == self.decl.chosen_on
        self.asking = False
        self.action = None
        if self.choosing:
            question, other = saved.CHOOSING[self.item]
            self.form.choice.label.text = question
            self.form.choice.choices = [SelectChoice(e["id"], saved.describe(self.item, e)) for e in self.entries] \
                + [SelectChoice("new", other)]
            if request.method != "POST":
                self.form.choice.data = self.entry_id

    # What the page shows ------------------------------------------------------------------
    @property
    def entry_id(self) -> str | None:
        return (self.state.get(REMEMBERED) or {}).get(self.item)

    def current(self) -> dict | None:
        """The saved entry these answers are about (the item, or the list entry in use)."""
        if self.decl.many:
            return saved.find(self.profile, self.item, self.entry_id)
        return self.profile.get(self.item)

    @property
    def offers_remember(self) -> bool:
        return self.decl.saves_on(self.s.name) and self.current() is None

    def prefill(self) -> dict:
        return self.decl.prefill(self.s.name, self.current() or {})

    def formdata(self, data: MultiDict | None) -> MultiDict | None:
        """A secret field left empty keeps the saved number it hides."""
        stored = self.state["answers"].get(self.s.name) or {}
        if data is None:
            return None
        data = MultiDict(data)
        for name in self._secret_fields():
            if not (data.get(name) or "").strip() and saved.compact(stored.get(name)) in saved.secrets_of(self.profile):
                data[name] = stored[name]
        return data

    def hide_secrets(self, form) -> None:
        kept = saved.secrets_of(self.profile)
        for name in self._secret_fields():
            value = saved.compact(form[name].data)
            if value and value in kept:
                form[name].data = ""
                form[name].description = _("We use your saved %(account)s. Leave this empty to keep it, "
                                           "or type another.", account=saved.masked_number(value))

    def _secret_fields(self) -> list[str]:
        return [n for n, key in self.decl.steps[self.s.name].items() if key in saved.SECRET]

    # What a POST does ---------------------------------------------------------------------
    def chosen(self, form) -> dict | None:
        """The answers of a saved entry chosen, every step of the item filled in from the
        profile; None when the fields under it were changed into a whole answer of their own
        (a change of that entry: asked about like any other, see settled)."""
        entry = saved.find(self.profile, self.item, self.form.choice.data) if self.choosing else None
        if entry is None or (form.validate() and saved.differs(entry, self._values(form))):
            return None
        self._use(entry["id"])
        return self.decl.fill(entry)

    def last_step(self, answers: dict) -> str:
        """The item's last step that applies: the page after it comes next."""
        relevant = [st.name for st in self.w.relevant_steps(answers)]
        return [name for name in self.decl.steps if name in relevant][-1]

    def settled(self, form) -> bool:
        """Whether the page may be saved: False while "Update your saved details too?" waits
        for an answer. Notes what to save in the profile."""
        if self.choosing:
            self._use(self.form.choice.data if self.form.choice.data in {e["id"] for e in self.entries} else None)
        values, current = self._values(form), self.current()
        if current is not None:
            if not saved.differs(current, values):
                return True
            if self.form.update.data == "yes":
                self.action = (values, self.entry_id)
            elif self.form.update.data != "no":
                # Asked as an error, so that the summary takes the member to it.
                self.asking = True
                self.form.update.errors = [str(self.form.update.message)]
                return False
        elif self.decl.saves_on(self.s.name) and self.form.remember.data:
            answers = {**self.state["answers"], self.s.name: self.s.store(form)}
            self.action = (self.decl.entry(answers), None)
        return True

    def rest_of_entry(self) -> dict:
        """A saved entry chosen and changed on its first page: its other pages still come from
        it (the account's IBAN with its holder's name changed, not an earlier answer's)."""
        entry = saved.find(self.profile, self.item, self.entry_id) if self.choosing else None
        filled = self.decl.fill(entry) if entry else {}
        filled.pop(self.s.name, None)
        return filled

    def save(self) -> None:
        """Write what the member asked for into their profile (sealed, like the rest)."""
        if self.action is None:
            return
        fresh = store().members.get(self.member.id)  # another page may have saved meanwhile
        data = fresh.data if fresh else self.member.data
        profile = data.setdefault("profile", {})
        values, entry_id = self.action
        made = saved.put(profile, self.item, values, entry_id)
        store().members.save_data(self.member.id, data)
        if made:
            self._use(made)

    def _values(self, form) -> dict:
        return self.decl.values(self.s.name, self.s.store(form))

    def _use(self, entry_id: str | None) -> None:
        kept = dict(self.state.get(REMEMBERED) or {})
        if entry_id:
            kept[self.item] = entry_id
        else:
            kept.pop(self.item, None)
        self.state[REMEMBERED] = kept


def keeper(w: Wizard, s: Step, state: dict) -> Keeper | None:
    """The step's saved profile, when a member is signed in and the journey declares one."""
    if not remembered_on(w.remembers, s.name):
        return None
    member = signed_in_member()
    return Keeper(w, s, state, member) if member is not None else None


def mask_rows(sections: list) -> list:
    """Check-your-answers rows with a saved account number show its last 4 characters only."""
    member = signed_in_member()
    kept = saved.secrets_of((member.data.get("profile") or {}) if member else {})
    if not kept:
        return sections
    return [(step, [dataclasses.replace(row, value=saved.masked_number(row.value))
                    if saved.compact(row.value) in kept else row for row in rows])
            for step, rows in sections]
