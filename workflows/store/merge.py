"""Two requests of one member saving one draft at once: a three-way merge of their answers."""
from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError


class DraftBusy(SQLAlchemyError):
    """Too many requests of one member saved the draft at once and this one kept losing: it
    was not saved. The member is told so, as for a locked database, and can send it again."""


_MISSING = object()


def merge(base, mine, theirs):
    """Three-way merge of JSON values: this request's changes (base -> mine) applied to
    what another request saved meanwhile (theirs). Dicts merge key by key, so answers to
    different steps, or different answers of one step, never overwrite each other. Lists
    of dicts with an "id" (uploaded files) merge by id: files added or removed in one tab
    and files added in another are all kept. Anything else changed on both sides takes
    this request's value: it is the later write, as the member would expect."""
    if mine == base:
        return theirs
    if theirs == base or theirs == mine:
        return mine
    if isinstance(mine, dict) and isinstance(theirs, dict):
        base = base if isinstance(base, dict) else {}
        merged = {}
        for key in [*theirs, *(k for k in mine if k not in theirs)]:
            value = merge(base.get(key, _MISSING), mine.get(key, _MISSING), theirs.get(key, _MISSING))
            if value is not _MISSING:
                merged[key] = value
        return merged
    if all(_is_id_list(v) for v in (mine, theirs)) and (base is _MISSING or _is_id_list(base)):
        before = {i["id"]: i for i in base} if base is not _MISSING else {}
        ours, their_ids = {i["id"]: i for i in mine}, {i["id"] for i in theirs}
        kept = [merge(before.get(i["id"], _MISSING), ours.get(i["id"], _MISSING), i)
                for i in theirs if i["id"] in ours or i["id"] not in before]
        return kept + [i for i in mine if i["id"] not in before and i["id"] not in their_ids]
    return mine


def _is_id_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "id" in i for i in value)
