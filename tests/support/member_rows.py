"""What is left of a member in the database after "Delete everything" (issue 14.7): every row
of every table, read back, searched for the member's marks (ids, keys, references, address)."""
from __future__ import annotations

from sqlalchemy import select

from workflows.store.models import Base

# The tables whose rows belong to one member or one draft: after the member's deletion they
# must be as they were before the member came (other members' rows kept as they were).
MEMBER_TABLES = ("members", "member_sessions", "sign_in_links", "records", "reminders", "drafts",
                 "draft_rotations", "uploads", "submissions", "packets", "outbox")
# Counts kept per client address, not per member: these may stay (all tests are 127.0.0.1).
PER_CLIENT = ("sign-in-client:127.0.0.1", "address:127.0.0.1", "upload:files:127.0.0.1",
              "upload:bytes:127.0.0.1")


def every_row(app) -> dict[str, list[tuple]]:
    with app.extensions["store"].engine.connect() as db:
        return {t.name: [tuple(r) for r in db.execute(select(t))] for t in Base.metadata.sorted_tables}


def rows_left(app, before: dict[str, list[tuple]], marks: set[str]) -> list[str]:
    """What the database holds of the member now that it did not hold `before` (empty when
    nothing is left): rows naming one of `marks`, rows of MEMBER_TABLES, and counts kept under
    a key other than a client address's."""
    after, secret = every_row(app), app.config["SECRET_KEY"]
    left = [f"{table}: {row}" for table, rows in after.items() for row in rows
            if any(str(value) in marks for value in row)]
    left += [f"{table}: {row}" for table in MEMBER_TABLES for row in after[table] if row not in before[table]]
    per_client = {app.extensions["store"].limits.hashed(secret, v) for v in PER_CLIENT}
    for table in ("send_counts", "budgets"):
        new = {row[0] for row in after[table]} - {row[0] for row in before[table]}
        left += [f"{table}: count under {key}" for key in sorted(new - per_client)]
    return left
