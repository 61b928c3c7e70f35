"""The app's clock (config CLOCK), moved by the test."""
from __future__ import annotations

import datetime as dt


class Clock:
    def __init__(self, start=dt.datetime(2026, 11, 27, 9, 0)):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **kw):
        self.now += dt.timedelta(**kw)
