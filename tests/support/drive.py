"""Drive any registered journey through HTTP with its sample answers (its `examples`
module), the way a member without JavaScript would: the engine's own step order decides
which page comes next, so a new journey needs no script of its own."""
from __future__ import annotations

import importlib
import io
from typing import Iterator

from workflows.engine import ListStep, Step, UploadStep, Wizard


def sample_pages(wizard: Wizard, package: str) -> dict:
    return importlib.import_module(f"{package}.examples").pages()


def upload_bytes(name: str) -> bytes:
    """A small receipt image or PDF, by the file name's extension."""
    from tests.support.files import jpeg_bytes, one_page_pdf
    return one_page_pdf() if name.endswith(".pdf") else jpeg_bytes()


def media_type(name: str) -> str:
    return "application/pdf" if name.endswith(".pdf") else "image/jpeg"


def opened(pages: dict, opener: dict) -> dict:
    """The sample answers with an opener's earlier answers (examples.openers()) laid over
    them, so that the page it opens is asked for."""
    return {**pages, **{name: {**pages.get(name, {}), **answers} for name, answers in opener.items()}}


def every_opened(pages: dict, openers: dict) -> dict:
    """The sample answers with the changes of every opener (examples.openers()) laid over them
    at once, so that one walk is asked for as many of the pages only some members see as can
    go together (where two openers change the same answer, the later one wins)."""
    out = {name: dict(value) if isinstance(value, dict) else value for name, value in pages.items()}
    for opener in openers.values():
        for name, answers in opener.items():
            changed = {k: v for k, v in answers.items() if (pages.get(name) or {}).get(k) != v}
            out[name] = {**(out.get(name) or {}), **changed}
    return out


def walk(wizard: Wizard, pages: dict) -> Iterator[tuple[Step, object]]:
    """(step, what is typed there) for each page the engine asks for, in its order, as if each
    had been answered with `pages` (step name -> answers) once the caller gets the next."""
    answered: dict = {}
    for _ in range(len(wizard.steps) + 1):
        pending = wizard.first_unfinished(answered)
        if pending is None:
            return
        data = pages[pending.name]
        yield pending, data
        if isinstance(pending, ListStep):
            answered[pending.name] = {"items": data, "done": True}
        elif isinstance(pending, UploadStep):
            answered[pending.name] = {"files": [{"name": n} for n, _ in data], "done": True}
        else:
            answered[pending.name] = data


def answer(web, wizard: Wizard, step: Step, data, empty_first: bool = False):
    """Answer one page with `data` (a form's fields, a list's items, an upload step's
    (file name, kind) pairs); with empty_first, post it empty before (its error state)."""
    base = f"/{wizard.slug}/{step.name}"
    if isinstance(step, ListStep):
        if empty_first:
            web.post(f"{base}/new", {})
        for item in data:
            web.post(f"{base}/new", item)
        return web.post(base, {})
    if isinstance(step, UploadStep):
        if empty_first:
            web.post(base, {"action": "upload"}, content_type="multipart/form-data")
        for name, kind in data:
            web.post(base, {"action": "upload", "kind": kind, "file": (io.BytesIO(upload_bytes(name)), name)},
                     content_type="multipart/form-data")
        return web.post(base, {"action": "continue"})
    if empty_first:
        web.post(base, {})
    return web.post(base, data)


def fill(web, wizard: Wizard, pages: dict, finish: bool = True, empty_first: bool = False):
    """Answer every page of `wizard` with `pages` (step name -> answers), in the order the
    engine asks for them; then sign and finish on the review page. Returns the last reply.
    With empty_first, each page (and a review with a declaration) is first posted empty."""
    for step, data in walk(wizard, pages):
        answer(web, wizard, step, data, empty_first)
    response = web.get(f"/{wizard.slug}/check")
    if finish:
        if empty_first and pages.get("check"):
            web.post(f"/{wizard.slug}/check", {})
        response = web.post(f"/{wizard.slug}/check", pages.get("check", {}))
    return response
