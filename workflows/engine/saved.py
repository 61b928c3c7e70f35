"""The member's saved profile (issue 14.2), as plain data in the member's sealed record:

    {"details": {"name", "reference", "date_of_birth", "email", "country", "phone", "address"},
     "dependants": [{"id", "name", "date_of_birth", "relationship"}],
     "accounts": [{"id", "holder", "country", "iban", "bic"} or {..., "account_number",
                   "bank_code", "bank_name", "bank_address"}],
     "currency": {"code"}}

Each item is saved only when the member asks; journeys say which of their fields are which
key (engine/remember.py). How entries read on pages lives here, so that no page names a
field; secret keys (account numbers) are only ever shown by their last 4 characters."""
from __future__ import annotations

import re
import secrets

from .choices import country_name, currency_label
from .display import format_date
from .i18n import gettext as _, lazy_gettext as _l

ITEMS = ("details", "dependants", "accounts", "currency")
LISTS = {"dependants", "accounts"}
SECRET = ("iban", "account_number")

TITLES = {
    "details": _l("Your details"),
    "dependants": _l("Family members"),
    "accounts": _l("Bank accounts"),
    "currency": _l("Preferred currency"),
}
KEYS = {
    "name": _l("Full name"), "reference": _l("Personal reference number"),
    "date_of_birth": _l("Date of birth"), "email": _l("Email address"),
    "country": _l("Country"), "phone": _l("Phone number"), "address": _l("Postal address"),
}
RELATIONSHIPS = {"spouse": _l("Spouse or partner"), "child": _l("Child"),
                 "other": _l("Other covered dependant")}


def compact(value) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", str(value or "")).upper()


def masked(entry: dict) -> str:
    """"IBAN ending 3000", "Account ending 6789": never more of the number."""
    return masked_number(entry.get("iban") or entry.get("account_number"))


def masked_number(value) -> str:
    number = compact(value)
    if re.fullmatch(r"[A-Z]{2}[0-9]{2}[0-9A-Z]{11,30}", number):
        return _("IBAN ending %(last)s", last=number[-4:])
    return _("Account ending %(last)s", last=number[-4:])


def describe(item: str, entry: dict) -> str:
    """One entry as one line, in the page's language."""
    if item == "dependants":
        relationship = RELATIONSHIPS.get(entry.get("relationship"))
        text = _("%(name)s, born %(date)s", name=entry.get("name", ""),
                 date=format_date(entry["date_of_birth"])) if entry.get("date_of_birth") else entry.get("name", "")
        return f"{text} ({relationship})" if relationship else text
    if item == "accounts":
        return ", ".join(filter(None, (masked(entry), entry.get("holder"), entry.get("bank_name"))))
    if item == "currency":
        return currency_label(entry.get("code", ""))
    return ", ".join(filter(None, (entry.get("name"), entry.get("reference"))))


def detail_rows(entry: dict) -> list[tuple[str, str]]:
    """The saved member details as (label, value), for the saved details page."""
    rows = []
    for key, label in KEYS.items():
        value = entry.get(key)
        if value:
            if key == "date_of_birth":
                value = format_date(value)
            elif key == "country":
                value = country_name(value)
            rows.append((str(label), value))
    return rows


def secrets_of(profile: dict) -> set[str]:
    """Every saved account number, compacted: a page never shows one of these in full."""
    return {compact(a[k]) for a in profile.get("accounts") or () for k in SECRET if a.get(k)}


def find(profile: dict, item: str, entry_id: str | None) -> dict | None:
    return next((e for e in profile.get(item) or () if e.get("id") == entry_id), None)


def differs(saved: dict, values: dict) -> bool:
    """Whether answers change a saved entry (a value it does not have counts as a change)."""
    return any(compact(v) != compact(saved.get(k)) if k in SECRET else v != saved.get(k)
               for k, v in values.items())


def put(profile: dict, item: str, values: dict, entry_id: str | None = None) -> str | None:
    """Save or update an item (a list entry by id, a new one without); the entry's id."""
    if item not in LISTS:
        profile[item] = {**(profile.get(item) or {}), **values}
        return None
    entries = profile.setdefault(item, [])
    # An account whose number is saved already is that entry, asked to be remembered again
    # (a claim started again with its bank answers): updated, never a second copy.
    found = find(profile, item, entry_id) or next(
        (e for e in entries for k in SECRET if values.get(k) and compact(e.get(k)) == compact(values[k])), None)
    if found is not None:
        found.update(values)
        return found["id"]
    entries.append({**values, "id": secrets.token_hex(8)})
    return entries[-1]["id"]


def remove(profile: dict, item: str, entry_id: str | None = None) -> bool:
    if item in LISTS:
        kept = [e for e in profile.get(item) or () if e.get("id") != entry_id]
        changed = len(kept) != len(profile.get(item) or ())
        profile[item] = kept
        return changed
    return profile.pop(item, None) is not None

# How a list item's entries are offered on the page that asks for one: (question, the
# answer for "none of these").
CHOOSING = {
    "dependants": (_l("Is the patient one of your saved family members?"), _l("Someone else")),
    "accounts": (_l("Which account should be paid?"), _l("Another account")),
}
