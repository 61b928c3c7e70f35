"""Rate-limit counts, shared by every process through the database."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .database import Database
from .models import Budget, SendCount


class SendLimits:
    def __init__(self, db: Database):
        self.db = db

    def clock(self) -> dt.datetime:
        return self.db.clock()

    def hashed(self, secret: str, value: str) -> str:
        return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()

    def count_hit(self, key: str, window: dt.timedelta, amount: int = 1,
                  table=SendCount) -> tuple[int, dt.datetime]:
        """Count `amount` hits (one send, or so many bytes) for `key` (already a keyed hash)
        in the current fixed window; return the window's count so far and when the window
        ends. Shared by every process using the database: the count lives in it. Sends are
        counted in send_counts, everything else in budgets."""
        now = self.db.clock()
        epoch = dt.datetime(2000, 1, 1)
        start = epoch + ((now - epoch) // window) * window
        ends = start + window

        def once() -> int:
            with self.db.engine.begin() as db:
                db.execute(delete(table).where(table.expires_at <= now))
                where = (table.key == key, table.window_start == start)
                if not db.execute(update(table).where(*where)
                                  .values(count=table.count + amount)).rowcount:
                    db.execute(insert(table).values(key=key, window_start=start, count=amount,
                                                    expires_at=ends))
                return db.execute(select(table.count).where(*where)).scalar_one()
        try:
            return once(), ends
        except IntegrityError:  # another process inserted the window's row first
            return once(), ends

    # A budget is a count that may not pass its limit: taking from it is one conditional
    # UPDATE, so requests sent in parallel (to one process or several) cannot pass it together.
    def take(self, key: str, limit: int, ttl: dt.timedelta, amount: int = 1) -> bool:
        """Take `amount` from the budget `key` of `limit`; False, taking nothing, if that
        would pass the limit. The budget is forgotten `ttl` after it was last taken from."""
        now = self.db.clock()
        expires = now + ttl
        where = (Budget.key == key, Budget.window_start == _BUDGET)
        for _attempt in range(2):
            try:
                with self.db.engine.begin() as db:
                    if amount <= limit and db.execute(
                            update(Budget).where(*where, Budget.expires_at <= now)
                            .values(count=amount, expires_at=expires)).rowcount:
                        return True  # a budget past its time starts again
                    if db.execute(update(Budget).where(*where, Budget.count + amount <= limit)
                                  .values(count=Budget.count + amount, expires_at=expires)).rowcount:
                        return True
                    if db.execute(select(Budget.count).where(*where)).first() is not None:
                        return False  # there, and full
                    if amount > limit:
                        return False
                    db.execute(insert(Budget).values(key=key, window_start=_BUDGET, count=amount,
                                                        expires_at=expires))
                    return True
            except IntegrityError:  # another request made the row first: take from it
                continue
        return False

    def give_back(self, key: str, amount: int = 1) -> None:
        with self.db.engine.begin() as db:
            db.execute(update(Budget).where(Budget.key == key, Budget.window_start == _BUDGET)
                       .values(count=func.max(Budget.count - amount, 0)
                               if db.dialect.name == "sqlite" else
                               func.greatest(Budget.count - amount, 0)))


_BUDGET = dt.datetime(2000, 1, 1)  # budgets have no window: one row per key
