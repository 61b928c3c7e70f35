"""Signing in is tested over a real HTTP server (werkzeug, in a thread) with mail received by
aiosmtpd (tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.support.mail import SENDER


@pytest.fixture
def site(serve, make_app, smtp_server, clock):
    """The app on a moved clock, with a real mail server behind it."""
    return serve(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER=SENDER,
                          MAIL_TIMEOUT=5, CLOCK=clock))
