"""The journeys the app offers, by URL slug."""
from .claim import CLAIM
from .covers import COVER
from .guarantee import GUARANTEE

JOURNEYS = {w.slug: w for w in (CLAIM, GUARANTEE, COVER)}
