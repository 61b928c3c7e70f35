"""Invisible characters (issue 11.6): tag characters, the word joiner, the soft hyphen,
private-use characters and noncharacters never reach a page, a subject, a body or a PDF;
a name made only of fillers is no name."""
from __future__ import annotations

import pytest

from tests.support.drive import fill
from tests.support.pages import field_error, parse, path_of, summary
from tests.support.pdf import pdf_text
from tests.support.samples import MEMBER
from workflows import journeys

HIDDEN = {
    "tag characters": "\U000E0001\U000E0041\U000E007F",
    "word joiner": "\u2060",
    "soft hyphen": "\u00ad",
    "private use": "\ue000\U000F0000",
    "noncharacters": "\ufdd0\uffff\U0001FFFE",
    "invisible operators": "\u2061\u2062\u2063\u2064",
    "bidi override": "\u202e",
}


@pytest.mark.parametrize("kind", HIDDEN)
def test_hidden_characters_never_reach_the_outputs(site, smtp_server, kind):
    hidden = HIDDEN[kind]
    member = site.member()
    name = f"Zo{hidden}ë Ør{hidden}sted"
    pages = journeys.examples("workflows.journeys.claim").pages()
    pages["member"].update(full_name=name, address=f"Rue de la{hidden} Loi 1\n1000 Brussels")
    done = fill(member, journeys.load()["claim"], pages)
    assert path_of(done) == "/claim/done", summary(done)
    review_name = "Zoë Ørsted"
    packet = pdf_text(member.get("/claim/done/packet.pdf").content)
    member.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
    message = smtp_server.messages[0]["message"]
    body = message.get_body(("plain",)).get_content()
    for where, text in (("packet", packet), ("body", body), ("subject", message["Subject"]),
                        ("page", parse(done).get_text())):
        assert not any(c in text for c in hidden), where
    assert review_name in body and "Rue de la Loi 1" in packet


@pytest.mark.parametrize("typed", ["\u3164\u3164\u3164", "\u115f\u1160", "\uffa0", "\u200d\u200c",
                                   "\u0301\u0301", "\u2800"])
def test_a_name_that_prints_blank_is_refused(member, typed):
    response = member.post("/claim/member", dict(MEMBER, full_name=typed))
    assert path_of(response) == "/claim/member"
    message = field_error(response, "full_name")
    assert message in ("Enter your full name", "Full name must include at least one letter")
    assert summary(response) == [message]


def test_a_name_keeps_the_joiners_its_script_needs(member):
    """Persian writes some names with a zero-width non-joiner: it stays."""
    response = member.post("/claim/member", dict(MEMBER, full_name="مهرداد\u200cنیک"))
    assert path_of(response) == "/claim/patient"
    review = member.get("/claim/member")
    assert parse(review).find(id="full_name")["value"] == "مهرداد\u200cنیک"
