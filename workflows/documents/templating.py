"""One Jinja set-up for pages and documents: the same template folders (the app's, and
each journey's own), options and filters. Pages get Flask's environment configured here;
documents get their own environment (strict, no request) made by the same function.
"""
from __future__ import annotations

from pathlib import Path

import jinja2

from ..engine import format_date, format_money
from .bidi import isolate
from .fetcher import ROOT

# The app's templates first, then the folders journeys add as they are registered.
FOLDERS: list[Path] = [ROOT / "templates"]


def loader() -> jinja2.BaseLoader:
    """Finds a template in FOLDERS, read at every lookup: a journey registered later counts."""
    return _Folders()


class _Folders(jinja2.BaseLoader):
    def get_source(self, environment, template):
        for folder in FOLDERS:
            try:
                return jinja2.FileSystemLoader(folder).get_source(environment, template)
            except jinja2.TemplateNotFound:
                continue
        raise jinja2.TemplateNotFound(template)

    def list_templates(self):
        return sorted({t for f in FOLDERS for t in jinja2.FileSystemLoader(f).list_templates()})


class CompiledOnce(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the life of the process. Flask gives each app an
    environment of its own, which compiles every template again on first use: with this,
    every app in the process (a test run makes hundreds) reuses the code.
    Jinja checks each template's source against the checksum kept with its code, and one
    instance serves environments configured alike only (the code depends on the options)."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


# For every app's page environment (create_app configures them all the same way).
PAGES_COMPILED = CompiledOnce()


def configure(env: jinja2.Environment) -> jinja2.Environment:
    """What every environment of the app shares."""
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(date=format_date, money=format_money, bdi=isolate)
    return env


def environment() -> jinja2.Environment:
    """For documents and emails: autoescaped HTML, plain text as it is, and an error for any
    name the template was not given (a document is a function of its context only)."""
    return configure(jinja2.Environment(
        loader=loader(),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
    ))


documents = environment()
