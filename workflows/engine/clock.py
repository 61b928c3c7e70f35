"""Which day it is, for members who may be anywhere on Earth.

The server keeps UTC, but when it is 23:00 in London it is already tomorrow in Auckland
and still this afternoon in Tahiti. A date check that used the server's date would tell a
member in Manila, at breakfast, that a visit to the doctor that morning was "in the
future", and a member in Lima, in the evening, that an admission planned for that day was
"in the past". So a date is refused only when it is wrong in every time zone in use
(UTC-12 to UTC+14); the dates printed on documents stay the server's.
"""
import datetime as dt

_EARLIEST = dt.timedelta(hours=-12)  # Baker Island: the last place where a day is still "today"
_LATEST = dt.timedelta(hours=14)     # Kiribati (Line Islands): the first place to reach a new day


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def today(at: dt.datetime | None = None) -> dt.date:
    """The server's date (UTC): the one printed on cover sheets and declarations."""
    return (at or now()).date()


def latest_today(at: dt.datetime | None = None) -> dt.date:
    """The date somewhere on Earth is already on: judge 'in the past' against this."""
    return ((at or now()) + _LATEST).date()


def earliest_today(at: dt.datetime | None = None) -> dt.date:
    """The date somewhere on Earth is still on: judge 'not yet in the past' against this."""
    return ((at or now()) + _EARLIEST).date()
