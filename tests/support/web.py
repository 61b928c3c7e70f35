"""The member's browser without JavaScript, over Flask's test client (or anything with its
call shape, like LiveClient): forms posted with the CSRF token of the page they are on."""
from __future__ import annotations

from tests.support.pages import csrf_of


class Browserless:
    """Drives the app through its HTML like a browser without JavaScript: reads the
    CSRF token from the page it was given and follows redirects. A form is sent from the
    page it is on: the page the last answer led to when that is the one, as a member would
    answer it; else the page is opened first."""

    def __init__(self, client):
        self.client = client
        self._on = None  # (path, response) of the HTML page shown last

    def _shown(self, response):
        request = getattr(response, "request", None)
        query = getattr(request, "query_string", None)  # None: a reply that does not say
        if query is None or response.mimetype != "text/html":
            self._on = None
        else:
            self._on = (request.path + (f"?{query.decode()}" if query else ""), response)
        return response

    def get(self, url, **kw):
        return self._shown(self.client.get(url, follow_redirects=kw.pop("follow", True), **kw))

    def post(self, url, data=None, follow=True, token_from=None, **kw):
        data = dict(data or {})
        if "csrf_token" not in data:
            page = token_from or url
            on = self._on[1] if self._on and self._on[0] == page else None
            data["csrf_token"] = csrf_of(on or self._shown(self.client.get(page, follow_redirects=True)))
        return self._shown(self.client.post(url, data=data, follow_redirects=follow, **kw))


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
