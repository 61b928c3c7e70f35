"""Uploaded files, each encrypted, owned by one draft; with each, once they are made, its
receipt pages laid out in the background (documents.prelayout), sealed in the same value.

One sealed value per upload, so that deleting, purging, moving a draft and `keys rotate`
cover the laid pages with no table or column of their own. Inside the seal, a file alone
(as every upload was before pages were kept) or a frame: LAID, the file's length, the file,
the pages. A kept file is a PDF or a JPEG (documents.intake), so it never starts with LAID.
"""
from __future__ import annotations

import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .database import Database, token_key
from .models import Upload

LAID = b"MIP-LAID-PAGES-1\n"


def _frame(content: bytes, laid: bytes) -> bytes:
    return LAID + len(content).to_bytes(8, "big") + content + laid


def _unframe(raw: bytes) -> tuple[bytes, bytes | None]:
    """(the file, its laid pages or None)."""
    if not raw.startswith(LAID):
        return raw, None
    start = len(LAID) + 8
    end = start + int.from_bytes(raw[len(LAID):start], "big")
    return raw[start:end], raw[end:]


class Uploads:
    def __init__(self, db: Database):
        self.db = db

    def add(self, token: str, content: bytes) -> str:
        upload_id = secrets.token_hex(16)
        with Session(self.db.engine) as db, db.begin():
            db.add(Upload(id=upload_id, draft_key=token_key(token), data=self.db.seal(content),
                          created_at=self.db.clock()))
        return upload_id

    def get(self, token: str, upload_id: str) -> bytes | None:
        found = self.get_laid(token, upload_id)
        return found[0] if found else None

    def get_laid(self, token: str, upload_id: str) -> tuple[bytes, bytes | None] | None:
        """(the file, its laid-out receipt pages or None while they are not made), or None."""
        with Session(self.db.engine) as db:
            row = db.get(Upload, upload_id)
            if row is None or row.draft_key != token_key(token):
                return None
            return _unframe(self.db.open(row.data, raw=True))

    def keep_laid(self, upload_id: str, laid: bytes) -> bool:
        """Seal `laid` with upload `upload_id`, wherever its draft is now (a finish may have
        moved it to a new token meanwhile: the id is random and never reused). Written only
        over the value that was read: an upload removed meanwhile stays removed (nothing is
        left behind), and one rewritten by `keys rotate` is read again. False if not kept."""
        for _attempt in range(3):
            with self.db.engine.connect() as db:
                blob = db.execute(select(Upload.data).where(Upload.id == upload_id)).scalar()
            if blob is None:
                return False  # removed: the member deleted it, or their answers
            content, kept = _unframe(self.db.open(blob, raw=True))
            if kept is not None:
                return True
            with self.db.engine.begin() as db:
                if db.execute(update(Upload).where(Upload.id == upload_id, Upload.data == blob)
                              .values(data=self.db.seal(_frame(content, laid)))).rowcount:
                    return True
        return False

    def remove(self, token: str, upload_id: str) -> None:
        with Session(self.db.engine) as db, db.begin():
            db.execute(delete(Upload).where(Upload.id == upload_id, Upload.draft_key == token_key(token)))
