"""Mail headers under attack (issue 11.1): RFC 2047 encoded words that some Python releases
decode into raw line breaks (CVE-2024-6923) are refused in every one-line field of every
journey and cleaned out of file names; every message the app makes (sent, .eml, mailto) has
exactly the headers and parts the app means it to have."""
from __future__ import annotations

import email
import email.policy
import io
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from wtforms import StringField

from tests.support.files import jpeg_bytes
from tests.support.pages import field_error, parse, summary
from tests.support.samples import fill_claim, fill_guarantee
from workflows import journeys
from workflows.engine import ListStep, UploadStep
from workflows.engine.text import single_line

PAYLOADS = [
    "=?utf-8?q?x=0D=0AX-Injected:_yes=0D=0A=0D=0A<h1>hi</h1>?=",
    "=?UTF-8?B?eA0KWC1JbmplY3RlZDogeWVzDQoNCjxoMT5oaTwvaDE+?=",
    "Zoë =?utf-8?q?=0A=0AX-Injected:_yes?= Ørsted",
]
EMAIL_PAYLOAD = "=?utf-8?q?x=0D=0AX-Injected:_yes?=@example.org"


def one_line_fields():
    """(journey, step, field) for every one-line text field of every installed journey."""
    for slug, wizard in journeys.load().items():
        for step in wizard.steps:
            if step.form is None or isinstance(step, UploadStep):
                continue
            for name, unbound in vars(step.form).items():
                if (getattr(unbound, "field_class", None) is StringField
                        and single_line in unbound.args[1]):
                    yield slug, step, name


FIELDS = list(one_line_fields())


def test_every_one_line_field_is_found():
    names = {(slug, step.name, field) for slug, step, field in FIELDS}
    assert {("claim", "member", "full_name"), ("claim", "member", "email"),
            ("guarantee", "patient", "patient_name"), ("guarantee", "hospital", "contact_email"),
            ("cover", "sender", "reference")} <= names
    assert len(FIELDS) >= 25


def _examples(slug: str) -> dict:
    return journeys.examples(f"workflows.journeys.{slug}").pages()


def _reach(member, slug: str, step) -> str:
    """Answer the pages before `step` with the journey's sample answers (and what brings
    `step` in, if only some members see it); the step's URL."""
    wizard = journeys.load()[slug]
    examples = journeys.examples(f"workflows.journeys.{slug}")
    pages = {**examples.pages(), **examples.openers().get(step.name, {})}
    for earlier in wizard.steps:
        if earlier is step:
            break
        if not earlier.applies(pages):
            continue
        if isinstance(earlier, ListStep):
            for item in pages[earlier.name]:
                member.post(f"/{slug}/{earlier.name}/new", item)
            member.post(f"/{slug}/{earlier.name}", {})
        elif isinstance(earlier, UploadStep):
            for name, kind in pages[earlier.name]:
                member.post(f"/{slug}/{earlier.name}", {"action": "upload", "kind": kind,
                                                        "file": (io.BytesIO(jpeg_bytes()), name)})
            member.post(f"/{slug}/{earlier.name}", {"action": "continue"})
        else:
            member.post(f"/{slug}/{earlier.name}", pages[earlier.name])
    return f"/{slug}/{step.name}/new" if isinstance(step, ListStep) else f"/{slug}/{step.name}"


@pytest.mark.parametrize("slug,step,field", FIELDS, ids=[f"{s}-{st.name}-{f}" for s, st, f in FIELDS])
def test_an_encoded_word_is_refused_next_to_the_field_and_kept_on_the_page(site, slug, step, field):
    member = site.member()
    url = _reach(member, slug, step)
    answers = _examples(slug)[step.name]
    answers = dict(answers[0] if isinstance(answers, list) else answers)
    payload = EMAIL_PAYLOAD if "email" in field else PAYLOADS[len(field) % len(PAYLOADS)]
    answers[field] = payload
    shown_by = getattr(step.form, "revealed_by", {}).get(field)
    if shown_by:  # a question asked only after another answer: give that answer
        answers[shown_by[0]] = shown_by[1]
    page = member.post(url, answers)
    assert page.status_code == 200
    message = field_error(page, field)
    assert message, f"{slug}/{step.name}: {field} took {payload!r}"
    assert message in summary(page)
    # Its own message, or the field's format message where a format check speaks first
    # (a time, a number of nights, an ICD-10 code).
    assert "=?" in message or "email address" in message or field in ("time", "nights", "icd10")
    shown = parse(page).find(id=field)
    assert (shown.get("value") or shown.get_text()) == payload  # what was typed is kept


def _received(smtp_server, count=1):
    assert len(smtp_server.messages) == count
    return smtp_server.messages[-1]["message"]


CLAIM_HEADERS = {"From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID",
                 "MIME-Version", "Content-Type"}


def test_file_names_are_cleaned_and_named_by_their_real_type(site, smtp_server):
    member = site.member()
    pdf = _pdf()
    fill_guarantee(member, attachments=[
        ("=?utf-8?q?x=0D=0AX-Injected:_yes?=.pdf", pdf, "doctor-letter"),
        ("letter.html", pdf, "other"),
        ("run.exe", jpeg_bytes(), "estimate"),
    ])
    member.post("/guarantee/done/send", {"copy": "yes"}, token_from="/guarantee/done")
    message = _received(smtp_server)
    assert set(message.keys()) == CLAIM_HEADERS
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names[0].startswith("guarantee-request-") and names[0].endswith(".pdf")
    assert names[1:] == ["=_utf-8_q_x=0D=0AX-Injected__yes_=.pdf", "letter.pdf", "run.jpg"]
    types = [part.get_content_type() for part in message.iter_attachments()]
    assert types == ["application/pdf", "application/pdf", "application/pdf", "image/jpeg"]
    assert "X-Injected" not in message


def test_every_message_has_exactly_its_headers_and_parts(site, smtp_server):
    member = site.member()
    done = fill_claim(member)
    mailto = parse(done).find("a", href=re.compile("^mailto:"))["href"]
    parts = urlsplit(mailto)
    assert parts.scheme == "mailto" and unquote(parts.path) == "wbg.mip@cigna.com"
    assert set(parse_qs(parts.query)) == {"subject", "body"}
    eml = email.message_from_bytes(member.get("/claim/done/message.eml").content,
                                   policy=email.policy.default)
    assert set(eml.keys()) == {"To", "Reply-To", "Subject", "Date", "X-Unsent", "From",
                               "MIME-Version", "Content-Type"}
    assert [p.get_content_type() for p in eml.iter_parts()] == ["text/plain", "application/pdf"]
    member.post("/claim/done/send", {"copy": "yes"}, token_from="/claim/done")
    sent = _received(smtp_server)
    assert set(sent.keys()) == CLAIM_HEADERS
    assert [p.get_content_type() for p in sent.iter_parts()] == ["text/plain", "application/pdf"]
    assert sent["Subject"] == eml["Subject"] == parse_qs(parts.query)["subject"][0]


def _pdf() -> bytes:
    from weasyprint import HTML
    return HTML(string="<p>Doctor's letter</p>").write_pdf()
