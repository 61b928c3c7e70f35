"""The journeys the app offers: a registry, filled from the JOURNEYS setting.

A journey is a package (here, or anywhere importable) whose `JOURNEY` is an engine
`Wizard` with its `Outputs`; its `templates/` folder, if any, joins the app's template
folders, its `translations/` the app's catalogues, and its `examples` module holds sample
answers that drive the generic tests.
Pages, the index, the contact page and the cover journey's subjects all read the registry
of the app in force: adding a journey is adding its package to JOURNEYS.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from flask import current_app, has_app_context

from ..documents.templating import FOLDERS
from ..engine import Wizard

INSTALLED = ("workflows.journeys.claim", "workflows.journeys.guarantee", "workflows.journeys.cover")
PAGE_NAMES = {"language", "delete", "deleted", "contact", "static"}  # site pages, not journeys
# Catalogues journeys ship of their own (<package>/translations), merged with the app's.
TRANSLATIONS: list[Path] = []


def load(module_names=INSTALLED) -> dict[str, Wizard]:
    """The journeys of these packages, by URL slug, in order."""
    found: dict[str, Wizard] = {}
    for name in module_names:
        module = importlib.import_module(name)
        wizard = module.JOURNEY
        if wizard.slug in PAGE_NAMES or wizard.slug in found:
            raise ValueError(f"{name}: the slug {wizard.slug!r} is taken")
        templates = Path(module.__file__).parent / "templates"
        if templates.is_dir() and templates not in FOLDERS:
            FOLDERS.append(templates)
        catalogue = Path(module.__file__).parent / "translations"
        if catalogue.is_dir() and catalogue not in TRANSLATIONS:
            TRANSLATIONS.append(catalogue)
        found[wizard.slug] = wizard
    return found


def registry() -> dict[str, Wizard]:
    """The journeys of the app handling this request (the installed ones outside a request)."""
    if has_app_context():
        return current_app.extensions["journeys"]
    return load()


def examples(module_name: str):
    """A journey package's sample answers module (tests drive every journey with them)."""
    return importlib.import_module(f"{module_name}.examples")
