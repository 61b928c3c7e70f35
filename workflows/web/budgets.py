"""What one member or one client may store: caps on files and list items that hold when
requests come in parallel, and upload budgets per draft and per client address. The counts
live in the database (store.limits), so every app process shares them; keys are keyed
hashes of the draft token or the address, never the values."""
from __future__ import annotations

import datetime as dt
import math

from flask import current_app, request, session

from ..engine import ListStep, UploadStep, Wizard
from ..engine.i18n import gettext as _, ngettext
from ..store.models import Budget
from ..telemetry import metrics
from .state import store

MB = 1024 * 1024


def _key(*parts) -> str:
    return store().limits.hashed(current_app.config["SECRET_KEY"], ":".join(map(str, parts)))


def _ttl() -> dt.timedelta:
    # As long as the draft can live, and a day more: a count never ends before its draft.
    return dt.timedelta(hours=current_app.config["DRAFT_LIFETIME_HOURS"] + 24)


def _slots(w: Wizard, step, state: dict) -> str:
    return _key("slots", session.token, w.slug, state.get("round", 0), step.name)


def take_item(w: Wizard, step: ListStep, state: dict) -> bool:
    """A place for one more item in the list (at most step.max_items)."""
    return store().limits.take(_slots(w, step, state), step.max_items, _ttl())


def give_back_item(w: Wizard, step: ListStep, state: dict) -> None:
    store().limits.give_back(_slots(w, step, state))


def take_upload(w: Wizard, step: UploadStep, state: dict, size: int) -> tuple[str, str] | None:
    """Room for one more file of `size` bytes: None, or why there is none (a reason code of
    telemetry.metrics.UPLOAD_REASONS, and the member's words). Checked before the file is
    read as an image or PDF, so a refused file costs nothing but its transfer."""
    config, limits = current_app.config, store().limits
    window = dt.timedelta(seconds=config["UPLOAD_LIMIT_WINDOW_SECONDS"])
    address = request.remote_addr or ""
    for what, amount, limit in (("files", 1, config["UPLOAD_LIMIT_FILES_PER_ADDRESS"]),
                                ("bytes", size, config["UPLOAD_LIMIT_MB_PER_ADDRESS"] * MB)):
        if limit > 0:
            count, ends = limits.count_hit(_key("upload", what, address), window, amount, Budget)
            if count > limit:
                metrics.RATE_LIMITED.labels(f"upload_{what}_per_address").inc()
                minutes = max(1, math.ceil((ends - limits.clock()).total_seconds() / 60))
                return "rate_limited", ngettext(
                    "This service takes only so many files from one place in an hour: "
                    "try again in %(num)d minute",
                    "This service takes only so many files from one place in an hour: "
                    "try again in %(num)d minutes", minutes)
    per_draft = config["UPLOAD_LIMIT_MB_PER_DRAFT"] * MB
    if per_draft > 0 and not limits.take(_key("draft-bytes", session.token), per_draft, _ttl(), size):
        return "draft_full", _("Your files together can be up to %(mb)d MB: remove one to add "
                               "another", mb=config["UPLOAD_LIMIT_MB_PER_DRAFT"])
    if not limits.take(_slots(w, step, state), step.max_files, _ttl()):
        if per_draft > 0:
            limits.give_back(_key("draft-bytes", session.token), size)
        return "too_many_files", _("You can upload up to %(max)d files", max=step.max_files)
    return None


def give_back_upload(w: Wizard, step: UploadStep, state: dict, size: int) -> None:
    """A file removed, or refused after its place was taken."""
    limits = store().limits
    limits.give_back(_slots(w, step, state))
    if current_app.config["UPLOAD_LIMIT_MB_PER_DRAFT"] > 0:
        limits.give_back(_key("draft-bytes", session.token), size)
