"""Asking for a sign-in link takes the same time for a member's address as for an unknown one
(issue 14.1): the app does the same work for both (it never asks whether the address is a
member). In-process, on temp files (SQLite, the outbox folder: no mail server); the rate
limits are off. Medians of rounds, the two kinds of address taken in turn in each round.

    .venv/bin/python benchmarks/bench_sign_in.py [--rounds 5] [--requests 100]
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LINK = re.compile(r"/sign-in/link/([A-Za-z0-9_-]+)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    from app import create_app
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{folder}/b.sqlite3",
                          "OUTBOX_DIR": str(folder / "outbox"), "MAIL_SERVER": "",
                          "SIGN_IN_LIMIT_PER_ADDRESS": 0, "SIGN_IN_LIMIT_PER_CLIENT": 0})
        client = app.test_client()
        token = TOKEN.search(client.get("/sign-in").get_data(as_text=True)).group(1)
        # A member: the known address has signed in once.
        client.post("/sign-in", data={"email": "known@example.org", "csrf_token": token})
        link = LINK.search(max((folder / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
                           .read_text()).group(1)
        landing = client.get(f"/sign-in/link/{link}").get_data(as_text=True)
        client.post("/sign-in/link", data={"token": link, "csrf_token": TOKEN.search(landing).group(1)})
        asker = app.test_client()
        token = TOKEN.search(asker.get("/sign-in").get_data(as_text=True)).group(1)
        timings = {"known": [], "unknown": []}
        for _round in range(args.rounds):
            per = {"known": [], "unknown": []}
            for i in range(args.requests):
                for kind in ("known", "unknown") if i % 2 else ("unknown", "known"):
                    address = f"{kind}@example.org"  # each asked as often: only membership differs
                    start = time.perf_counter()
                    reply = asker.post("/sign-in", data={"email": address, "csrf_token": token})
                    per[kind].append(time.perf_counter() - start)
                    assert reply.status_code == 303, reply.status_code
            for kind in per:
                timings[kind].append(statistics.median(per[kind]))
        known, unknown = statistics.median(timings["known"]), statistics.median(timings["unknown"])
        print(f"POST /sign-in, member's address: {known * 1000:.2f} ms (median of {args.rounds} round medians)")
        print(f"POST /sign-in, unknown address:  {unknown * 1000:.2f} ms")
        print(f"ratio known / unknown: {known / unknown:.3f}")
        app.extensions["store"].engine.dispose()


if __name__ == "__main__":
    main()
