"""The journeys the app offers, by URL slug."""
from .claim import CLAIM

JOURNEYS = {w.slug: w for w in (CLAIM,)}
