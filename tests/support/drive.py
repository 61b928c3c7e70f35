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


def fill(web, wizard: Wizard, pages: dict, finish: bool = True):
    """Answer every page of `wizard` with `pages` (step name -> answers), in the order the
    engine asks for them; then sign and finish on the review page. Returns the last reply."""
    base = f"/{wizard.slug}"
    for step, data in walk(wizard, pages):
        if isinstance(step, ListStep):
            for item in data:
                web.post(f"{base}/{step.name}/new", item)
            web.post(f"{base}/{step.name}", {})
        elif isinstance(step, UploadStep):
            for name, kind in data:
                web.post(f"{base}/{step.name}", {"action": "upload", "kind": kind,
                                                 "file": (io.BytesIO(upload_bytes(name)), name)},
                         content_type="multipart/form-data")
            web.post(f"{base}/{step.name}", {"action": "continue"})
        else:
            web.post(f"{base}/{step.name}", data)
    response = web.get(f"{base}/check")
    if finish:
        response = web.post(f"{base}/check", pages.get("check", {}))
    return response
