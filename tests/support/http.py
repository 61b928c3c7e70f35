"""Members' browsers over real HTTP to a server on 127.0.0.1, without JavaScript:

- HttpMember: Browserless's twin (same get/post) on http.client, one draft cookie; requests
  go to several servers in turn (two app processes behind a load balancer).
- LiveClient: Flask's test client's call shape on http.client, so Browserless (and
  fill_claim) drive a real server unchanged.
- RequestsMember: a `requests` session with its cookie jar (the hostile tests' member)."""
from __future__ import annotations

import http.client
import io
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

from tests.support.pages import csrf_of

TIMEOUT = 60  # seconds: no request should come near it; a hang fails instead of blocking


def _local(location: str) -> str:
    return urlsplit(location)._replace(scheme="", netloc="").geturl()


@dataclass
class Reply:
    status_code: int
    path: str  # of the request that gave this reply (the last one when redirects were followed)
    headers: dict
    data: bytes
    server: str  # base URL of the process that answered

    def get_data(self, as_text=False):
        return self.data.decode() if as_text else self.data


class HttpMember:
    """Browserless's twin over real HTTP (same get/post, so fill_claim drives it): one
    member's browser without JavaScript, with its draft cookie. Requests go to `servers` in
    turn, so with two app processes every other request is answered by the other one;
    `via=` picks one. Another tab of the same member: HttpMember(..., cookie=m.cookie)."""

    def __init__(self, *servers, cookie=""):
        self.servers, self.turn, self.cookie = list(servers), 0, cookie
        self.replies: list[Reply] = []

    def request(self, method, path, body=b"", headers=None, via=None) -> Reply:
        if via is None:
            via, self.turn = self.servers[self.turn % len(self.servers)], self.turn + 1
        conn = http.client.HTTPConnection(urlsplit(via).netloc, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers={
                **({"Cookie": f"draft={self.cookie}"} if self.cookie else {}), **(headers or {})})
            r = conn.getresponse()
            reply = Reply(r.status, path, dict(r.getheaders()), r.read(), via)
            for header in r.msg.get_all("Set-Cookie") or []:
                morsel = SimpleCookie(header).get("draft")
                if morsel is not None:
                    self.cookie = "" if morsel["max-age"] == "0" else morsel.value
        finally:
            conn.close()
        self.replies.append(reply)
        return reply

    def get(self, url, follow=True, via=None):
        reply = self.request("GET", url, via=via)
        while follow and reply.status_code in (301, 302, 303):
            reply = self.request("GET", _local(reply.headers["Location"]))
        return reply

    def post(self, url, data=None, follow=True, token_from=None, content_type=None, via=None):
        """Open the page (for its CSRF token), post the form, follow the redirect."""
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_of(self.get(token_from or url)))
        reply = self.post_form(url, data, via=via)
        if follow and reply.status_code in (301, 302, 303):
            return self.get(_local(reply.headers["Location"]))
        return reply

    def post_form(self, url, data, via=None) -> Reply:
        """Only the POST (data has its csrf_token); multipart when it holds a file."""
        if any(isinstance(v, tuple) for v in data.values()):
            body, content_type = multipart(data)
        else:
            body, content_type = urlencode(data).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", url, body, {"Content-Type": content_type}, via=via)


def multipart(fields: dict) -> tuple[bytes, str]:
    """multipart/form-data of plain values and files given as (file object, name)."""
    boundary = secrets.token_hex(16)
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"".encode())
        if isinstance(value, tuple):
            fileobj, filename = value
            out.write(f"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream"
                      "\r\n\r\n".encode() + fileobj.read() + b"\r\n")
        else:
            out.write(f"\r\n\r\n{value}\r\n".encode())
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class LiveResponse:
    """The parts of a Werkzeug test response the tests read."""

    def __init__(self, status: int, headers: Headers, data: bytes, path: str):
        self.status_code = status
        self.headers = headers
        self.data = data
        self.request = SimpleNamespace(path=urlsplit(path).path)

    def get_data(self, as_text: bool = False):
        return self.data.decode("utf-8") if as_text else self.data

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @property
    def mimetype(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()


class LiveClient:
    """A browser-like client for a server on 127.0.0.1: keeps cookies, follows redirects,
    encodes forms and files like a browser. Same call shape as Flask's test client, so
    Browserless and fill_claim drive it unchanged."""

    def __init__(self, base_url: str, timeout: float = 120, headers: dict | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.extra_headers = dict(headers or {})
        self.set_cookie_headers: list[str] = []  # every Set-Cookie seen, for the cookie tests

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: dict | None = None) -> LiveResponse:
        parts = urlsplit(urljoin(self.base_url + "/", url))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        all_headers = dict(self.extra_headers)
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=all_headers)
            raw = conn.getresponse()
            data = raw.read()
            headers_out = Headers(list(raw.getheaders()))
        finally:
            conn.close()
        for value in headers_out.getlist("Set-Cookie"):
            self.set_cookie_headers.append(value)
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                gone = morsel["max-age"] in ("0", "-1") or (
                    morsel["expires"] and "1970" in morsel["expires"])
                if gone or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return LiveResponse(raw.status, headers_out, data, path)

    def _follow(self, response: LiveResponse, follow: bool) -> LiveResponse:
        hops = 0
        while follow and response.status_code in (301, 302, 303, 307, 308) and hops < 10:
            response = self.request("GET", response.location)
            hops += 1
        return response

    def get(self, url: str, follow_redirects: bool = False, headers: dict | None = None):
        return self._follow(self.request("GET", url, headers=headers), follow_redirects)

    def post(self, url: str, data=None, follow_redirects: bool = False, content_type=None,
             headers: dict | None = None):
        builder = EnvironBuilder(method="POST", data=data or {}, content_type=content_type)
        try:
            environ = builder.get_environ()
            body = environ["wsgi.input"].read()
            sent = {"Content-Type": environ.get("CONTENT_TYPE", "application/x-www-form-urlencoded")}
        finally:
            builder.close()
        sent.update(headers or {})
        return self._follow(self.request("POST", url, body=body, headers=sent), follow_redirects)

    def open(self, url: str, method: str = "GET", **kw):
        return self.request(method, url, **kw)


class RequestsMember:
    """One member's browser without JavaScript, over real HTTP: a cookie jar, forms posted
    with the CSRF token of the page they were on, redirects followed.

    `post` takes the same arguments as Browserless, so fill_claim and fill_guarantee drive a
    real server too: a (file object, name) value becomes a file part."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()

    def get(self, path, follow=True, **kw):
        return self.http.get(self.url + path, allow_redirects=follow, timeout=TIMEOUT, **kw)

    def token(self, path) -> str:
        return csrf_of(self.get(path))

    def post(self, path, data=None, follow=True, token_from=None, content_type=None, token=None,
             timeout=TIMEOUT, **kw):
        fields, files = [], []
        for name, value in dict(data or {}).items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, tuple):
                    stream, filename = v
                    files.append((name, (filename, stream.read())))
                else:
                    fields.append((name, v))
        if not any(name == "csrf_token" for name, _ in fields):
            fields.append(("csrf_token", token if token is not None else self.token(token_from or path)))
        return self.http.post(self.url + path, data=fields, files=files or None,
                              allow_redirects=follow, timeout=timeout, **kw)

    @property
    def draft(self) -> str | None:
        return self.http.cookies.get("draft")
