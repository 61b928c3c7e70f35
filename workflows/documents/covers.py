"""Fax cover sheets and window-envelope letters: standalone, or put in front of a packet.

A cover states the total pages including itself, and carries no medical detail: it is
read by whoever stands at the fax machine. Pure functions of plain values.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from .. import administrators
from ..administrators import Administrator
from ..engine import clock, format_date
from ..engine.i18n import N_, in_english
from . import tagged
from .pdf import page_count, render_pdf
from .placement import fit_to_paper

PAPERS = {"A4": "A4", "letter": N_("US Letter")}


@dataclass(frozen=True)
class Sender:
    name: str
    reference: str
    phone: str = ""
    reply_fax: str = ""
    reply_email: str = ""
    address: str = ""


def _render(template: str, administrator: Administrator | None, **context) -> bytes:
    return render_pdf(template, {**context, "administrator": administrator or administrators.current()},
                      style="cover.css")


@in_english
def fax_cover(sender: Sender, subject: str, pages_following: int, paper: str = "A4",
              message: str = "", today: dt.date | None = None, reference: str = "",
              administrator: Administrator | None = None, urgent: bool = False) -> bytes:
    """The cover page(s); the total printed counts the cover's own pages too. An urgent
    fax says URGENT at the top, for whoever takes it off the machine."""
    cover_pages = 1
    while True:
        pdf = _render("pdf/fax_cover.html", administrator, sender=sender, subject=subject, paper=paper,
                      total=cover_pages + pages_following, message=message, reference=reference,
                      date=format_date(today or clock.today()), urgent=urgent)
        actual = page_count(pdf)
        if actual == cover_pages:
            return pdf
        cover_pages = actual  # a long message spilled over: count again


@in_english
def postal_letter(sender: Sender, subject: str, enclosures: list[str], message: str = "",
                  today: dt.date | None = None, reference: str = "",
                  administrator: Administrator | None = None) -> bytes:
    return _render("pdf/postal_letter.html", administrator, sender=sender, subject=subject, enclosures=enclosures,
                   message=message, reference=reference, date=format_date(today or clock.today()))


def prepend(cover: bytes, packet: bytes) -> bytes:
    """One tagged PDF: the cover's catalog and title, both documents' structure trees."""
    return tagged.join(cover, packet)


@in_english
def fax_ready(packet: Callable[[int], bytes] | bytes, sender: Sender, subject: str,
              paper: str = "A4", reference: str = "", administrator: Administrator | None = None,
              urgent: bool = False) -> bytes:
    """One PDF to feed the fax machine, every page on `paper`: the cover with the right
    total, then the packet. `packet(n)` lays the packet out numbered as pages of the whole
    fax behind an n-page cover ("Page 2 of 6"); bytes are sent as they are."""
    make = packet if callable(packet) else (lambda _cover_pages: packet)
    cover_pages = 1
    for _attempt in range(3):  # a cover spills over only with a long message: count again
        body = make(cover_pages)
        cover = fax_cover(sender, subject, page_count(body), paper, reference=reference,
                          administrator=administrator, urgent=urgent)
        if page_count(cover) == cover_pages or not callable(packet):
            break
        cover_pages = page_count(cover)
    return prepend(cover, fit_to_paper(body, paper))


@in_english
def post_ready(packet: bytes, sender: Sender, subject: str, enclosures: list[str],
               reference: str = "", administrator: Administrator | None = None) -> bytes:
    return prepend(postal_letter(sender, subject, enclosures, reference=reference,
                                 administrator=administrator), packet)
