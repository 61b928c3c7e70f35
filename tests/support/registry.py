"""The journeys the test apps register: the installed ones and the toy (tests/support/toy),
each with its package, its wizard and its sample answers. The generic tests in
tests/every_journey are parametrised over JOURNEYS, so a journey added to INSTALLED is
tested without an edit."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

import pytest

from workflows import journeys
from workflows.engine import Wizard

TOY = "tests.support.toy"
PACKAGES = (*journeys.INSTALLED, TOY)  # the test apps' JOURNEYS setting
REGISTRY = journeys.load(PACKAGES)  # slug -> wizard, in the index page's order


@dataclass(frozen=True)
class Journey:
    package: str
    wizard: Wizard

    @property
    def slug(self) -> str:
        return self.wizard.slug

    @property
    def examples(self) -> ModuleType:
        return journeys.examples(self.package)

    def pages(self) -> dict:
        """Its sample answers, made now (dates are relative to today)."""
        return self.examples.pages()

    def openers(self) -> dict:
        """Page name -> the earlier answers that bring in a page only some members see."""
        return getattr(self.examples, "openers", dict)()

    @property
    def shown(self) -> tuple[str, ...]:
        """What its outputs must show."""
        return self.examples.SHOWN

    @property
    def pdfs(self) -> list[str]:
        """The PDFs a finished journey offers: its document, and on paper when it has a cover."""
        return ["packet.pdf", *(["fax.pdf", "post.pdf"] if self.wizard.outputs.paper else [])]


def _journey(package: str) -> Journey:
    wizard = importlib.import_module(package).JOURNEY
    assert REGISTRY[wizard.slug] is wizard
    return Journey(package, wizard)


JOURNEYS = [_journey(package) for package in PACKAGES]


def every_journey(*marks):
    """Parametrise a test's `journey` argument over JOURNEYS, with the slugs as ids."""
    return pytest.mark.parametrize("journey", [pytest.param(j, id=j.slug, marks=marks) for j in JOURNEYS])
