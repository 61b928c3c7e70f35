"""Follow-ups are tested over a real HTTP server (werkzeug, in a thread), on a clock the test
moves, with mail received by aiosmtpd (tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.support.followups import PUBLIC_URL
from tests.support.mail import SENDER


@pytest.fixture
def mail_settings(smtp_server, clock):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_DEFAULT_SENDER": SENDER,
            "MAIL_TIMEOUT": 5, "CLOCK": clock, "PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def site(serve, make_app, mail_settings):
    """The app on a moved clock, with a real mail server behind it."""
    return serve(make_app(**mail_settings))
