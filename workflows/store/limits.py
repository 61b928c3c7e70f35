"""Rate-limit counts, shared by every process through the database."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .database import Database
from .models import SendCount


class SendLimits:
    def __init__(self, db: Database):
        self.db = db

    def clock(self) -> dt.datetime:
        return self.db.clock()

    def hashed(self, secret: str, value: str) -> str:
        return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()

    def count_hit(self, key: str, window: dt.timedelta) -> tuple[int, dt.datetime]:
        """Count one hit for `key` (already a keyed hash) in the current fixed window;
        return the window's count so far and when the window ends. Shared by every process
        using the database: the count lives in it."""
        now = self.db.clock()
        epoch = dt.datetime(2000, 1, 1)
        start = epoch + ((now - epoch) // window) * window
        ends = start + window

        def once() -> int:
            with self.db.engine.begin() as db:
                db.execute(delete(SendCount).where(SendCount.expires_at <= now))
                where = (SendCount.key == key, SendCount.window_start == start)
                if not db.execute(update(SendCount).where(*where)
                                  .values(count=SendCount.count + 1)).rowcount:
                    db.execute(insert(SendCount).values(key=key, window_start=start, count=1,
                                                        expires_at=ends))
                return db.execute(select(SendCount.count).where(*where)).scalar_one()
        try:
            return once(), ends
        except IntegrityError:  # another process inserted the window's row first
            return once(), ends
