"""Claims administrators as profiles: the app serves one, chosen by ADMINISTRATOR.

Members of the plan choose their claims administrator and can switch, so the
administrator is data, not the app's identity. A profile is a module of this package
(or one registered by a deployment or a test) that defines an `Administrator`.
"""
from __future__ import annotations

import importlib

from flask import current_app, has_app_context

from .profile import Administrator, Phone, PlanRules

DEFAULT = "cigna"
_registered: dict[str, Administrator] = {}


def register(profile: Administrator) -> Administrator:
    """Make a profile available by its slug (profiles outside this package, e.g. in tests)."""
    _registered[profile.slug] = profile
    return profile


def load(name: str) -> Administrator:
    """The profile called `name`: registered, the module of that name in this package
    ("cigna"), or a module anywhere, by its dotted path ("plans.acme")."""
    if name not in _registered:
        path = name if "." in name else f"{__name__}.{name}"
        if not all(part.isidentifier() for part in path.split(".")):
            raise LookupError(f"no administrator profile {name!r}")
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError:
            raise LookupError(f"no administrator profile {name!r}") from None
        found = [v for v in vars(module).values() if isinstance(v, Administrator)]
        if len(found) != 1:
            raise LookupError(f"{path} must define exactly one Administrator")
        _registered[name] = found[0]
    return _registered[name]


def current() -> Administrator:
    """The profile of the app handling this request (the default outside one: plain-data
    tests of forms and rules)."""
    if has_app_context():
        return current_app.extensions["administrator"]
    return load(DEFAULT)


__all__ = ["Administrator", "Phone", "PlanRules", "current", "load", "register", "DEFAULT"]
