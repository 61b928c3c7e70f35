"""The member's browser without JavaScript, over Flask's test client (or anything with its
call shape, like LiveClient): forms posted with the CSRF token of the page they are on."""
from __future__ import annotations

from tests.support.pages import csrf_of


class Browserless:
    """Drives the app through its HTML like a browser without JavaScript: reads the
    CSRF token from the page it was given and follows redirects."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, follow_redirects=kw.pop("follow", True), **kw)

    def post(self, url, data=None, follow=True, token_from=None, **kw):
        page = self.client.get(token_from or url, follow_redirects=True)
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_of(page))
        return self.client.post(url, data=data, follow_redirects=follow, **kw)


class Recorder(Browserless):
    """Keeps every HTML page the member was shown, in order: (path, HTML)."""

    def __init__(self, client):
        super().__init__(client)
        self.pages: list[tuple[str, str]] = []

    def _keep(self, response):
        if response.mimetype == "text/html":
            self.pages.append((response.request.path, response.get_data(as_text=True)))
        return response

    def get(self, url, **kw):
        return self._keep(super().get(url, **kw))

    def post(self, url, data=None, follow=True, token_from=None, **kw):
        return self._keep(super().post(url, data, follow=follow, token_from=token_from, **kw))
