"""Signing in keeps what was done before: the browser's anonymous draft (answers, uploaded
files, finished journeys) joins the member's draft, and the anonymous draft is gone."""
from __future__ import annotations

import json
import secrets

from sqlalchemy import delete, insert, select, update

from .database import token_key
from .drafts import Drafts
from .merge import DraftBusy, merge
from .models import Draft, Submission, Upload


# The draft's reference seed (web/finish.py): new each time a member's draft is created.
SEED = "reference_seed"


def _in_progress(state: dict) -> bool:
    return bool(state.get("answers")) and not state.get("reference")


def combine(anonymous: dict, member: dict) -> dict:
    """The member's draft with this browser's anonymous work in it. A journey begun on one
    side only is taken as it is; begun on both, the answers merge field by field (this
    browser's answer wins where both answered); a journey in progress beats a finished one."""
    combined = merge({}, {k: v for k, v in anonymous.items() if k != "journeys"},
                     {k: v for k, v in member.items() if k != "journeys"})
    journeys = dict(member.get("journeys") or {})
    for slug, mine in (anonymous.get("journeys") or {}).items():
        theirs = journeys.get(slug)
        if theirs is None or (_in_progress(mine) and not _in_progress(theirs)):
            journeys[slug] = mine
        elif _in_progress(mine) and _in_progress(theirs):
            journeys[slug] = merge({}, mine, theirs)
        elif not _in_progress(theirs) and mine.get("reference"):
            journeys[slug] = mine
    if journeys:
        combined["journeys"] = journeys
    return combined


def adopt(drafts: Drafts, anonymous: str | None, member: str) -> None:
    """Move the draft under token `anonymous` (if any) into the member's draft `member`,
    files and submissions with it, in one transaction; make the member's draft if it has none.
    Another device of the member saving at the same moment is merged with, not overwritten."""
    db_ = drafts.db
    old, new = (token_key(anonymous) if anonymous else None), token_key(member)
    for _attempt in range(20):
        with db_.engine.begin() as db:
            theirs = db.execute(select(Draft.data, Draft.version).where(Draft.key == new)).first()
            mine = db.execute(select(Draft.data).where(Draft.key == old)).scalar() if old else None
            anon_data = json.loads(db_.open(mine, raw=True)) if mine is not None else {}
            member_data = json.loads(db_.open(theirs.data, raw=True)) if theirs is not None else {}
            combined = combine(anon_data, member_data)
            if theirs is None:
                # A new member draft (first sign-in, or after "Delete my answers" or the purge)
                # keeps its token: a fresh seed keeps its references from repeating old ones.
                combined[SEED] = secrets.token_urlsafe(16)
            values = drafts._values(combined, member)
            if theirs is None:
                db.execute(insert(Draft).values(key=new, version=1, **values))
            elif not db.execute(update(Draft).where(Draft.key == new, Draft.version == theirs.version)
                                .values(version=theirs.version + 1, **values)).rowcount:
                continue  # saved meanwhile by another device: read again
            if mine is not None:
                db.execute(update(Upload).where(Upload.draft_key == old).values(draft_key=new))
                db.execute(update(Submission).where(Submission.draft_key == old).values(draft_key=new))
                db.execute(delete(Draft).where(Draft.key == old))
            return
    raise DraftBusy("the member's draft kept changing")
