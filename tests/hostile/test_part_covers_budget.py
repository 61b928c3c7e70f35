"""A claim sent in parts: each part's cover is a render like the packet, under the same time
limit (RENDER_TIME_LIMIT_SECONDS). Past it, a part's download is the honest page, never a
hang or a 500; with time again, it works."""
from __future__ import annotations

import functools

from tests.support.files import phone_photo
from tests.support.mail import SENDER
from tests.support.pages import heading, parse
from tests.support.samples import fill_claim


@functools.cache
def photo(n: int) -> bytes:
    return phone_photo(None, seed=n)


def test_a_part_cover_past_the_time_limit_is_an_honest_page(serve, make_app, smtp_server):
    site = serve(make_app(ADMINISTRATOR="tests.support.meridian", MAIL_SERVER="127.0.0.1",
                          MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER=SENDER, MAIL_TIMEOUT=5))
    member = site.member()
    fill_claim(member, receipts=[(f"photo{n}.jpg", photo(n)) for n in range(4)])
    total = len(parse(member.get("/claim/done")).select("li.part"))
    assert total >= 2
    assert member.get("/claim/done/packet.pdf").content.startswith(b"%PDF-")  # kept: not rendered again
    site.app.config["RENDER_TIME_LIMIT_SECONDS"] = 0.001
    slow = member.get(f"/claim/done/part-1-of-{total}.eml")
    assert slow.status_code == 503 and heading(slow) == "Your PDF could not be made"
    assert "took too long" in parse(slow).get_text() and "Traceback" not in slow.text
    site.app.config["RENDER_TIME_LIMIT_SECONDS"] = 30.0
    again = member.get(f"/claim/done/part-1-of-{total}.eml")
    assert again.status_code == 200 and again.headers["Content-Type"].startswith("message/rfc822")
