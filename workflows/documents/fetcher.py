"""The only way WeasyPrint can load anything: the app's own static files and the resources
handed to one render (receipt images, the QR code). Every other URL (file:, http:, data:
and the rest) is refused."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from weasyprint import URLFetcher
from weasyprint.urls import URLFetcherResponse

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"


class AppFetcher(URLFetcher):
    """Serves `app:static/<path>` from static/ and `app:res/<name>` from the render's own
    resources. Anything else raises, which WeasyPrint treats as a missing resource."""

    def __init__(self, resources: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols={"app"}, allow_redirects=False, timeout=1)
        self.resources = resources or {}

    def fetch(self, url, headers=None):
        if url.startswith("app:static/"):
            path = (STATIC / url.removeprefix("app:static/")).resolve()
            if path.is_relative_to(STATIC) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})
        elif url.startswith("app:res/"):
            found = self.resources.get(url.removeprefix("app:res/"))
            if found is not None:
                body, kind = found
                return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})
        raise ValueError("refused: the PDF renderer only loads the app's own assets")
