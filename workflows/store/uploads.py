"""Uploaded files, each encrypted, owned by one draft."""
from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .database import Database, token_key
from .models import Upload


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
        with Session(self.db.engine) as db:
            row = db.get(Upload, upload_id)
            if row is None or row.draft_key != token_key(token):
                return None
            return self.db.open(row.data, raw=True)

    def content_size(self, token: str, upload_ids: list[str]) -> int:
        """About how many bytes these uploads hold, from their sealed size alone (nothing is
        decrypted): a Fernet token is the content in base64, plus 73 bytes."""
        with Session(self.db.engine) as db:
            sealed = db.scalar(select(func.coalesce(func.sum(func.length(Upload.data)), 0)).where(
                Upload.id.in_(upload_ids), Upload.draft_key == token_key(token)))
        return int(sealed) * 3 // 4

    def remove(self, token: str, upload_id: str) -> None:
        with Session(self.db.engine) as db, db.begin():
            db.execute(delete(Upload).where(Upload.id == upload_id, Upload.draft_key == token_key(token)))
