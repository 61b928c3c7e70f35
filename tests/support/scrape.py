"""/metrics as Prometheus reads it: parsed with prometheus_client's own parser."""
from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-for-tests"


def scrape(base_url: str, token: str = TOKEN, **kw) -> list:
    """Every sample of one scrape: (name, labels, value)."""
    response = requests.get(base_url + "/metrics", headers={"Authorization": f"Bearer {token}"},
                            timeout=60, **kw)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain")
    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(response.text)
            for s in family.samples]


def total(samples: list, name: str, **labels) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    return sum(value for n, found, value in samples
               if n == name and all(found.get(k) == v for k, v in labels.items()))


def moved(before: list, after: list, name: str, **labels) -> float:
    return total(after, name, **labels) - total(before, name, **labels)
