"""The hostile suite drives the app over real HTTP: a werkzeug server on 127.0.0.1 in a
thread, a `requests` session with cookies per member (tests/support/http.py), mail received
by aiosmtpd (tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.support.mail import self_signed_certificate


@pytest.fixture
def site(serve, mail_app):
    """The app with a real mail server (aiosmtpd, the smtp_server fixture) behind it."""
    return serve(mail_app)


@pytest.fixture
def member(site):
    return site.member()


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1: (cert, key) paths."""
    return self_signed_certificate(tmp_path)
