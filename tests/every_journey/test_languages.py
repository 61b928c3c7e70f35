"""Every registered journey, the toy included, walked in English and again in French and in
Spanish, with the same answers and the same mistakes (each page posted empty first): a text
that reads the same in both walks is English left behind, unless it is the member's own
answer, one of the administrator's facts or a proper noun (tests/support/languages.py)."""
from __future__ import annotations

import pytest

from tests.support.drive import fill, opened
from tests.support.languages import allowed_with, english_left, sample_values, texts
from tests.support.registry import every_journey
from tests.support.web import Recorder


def shown_in(make_app, journey, language) -> list[tuple[str, str]]:
    """Every page of the journey a member is shown in `language`: the start page, each page
    posted empty then answered, the review, the confirmation and, when the journey sends
    mail, the page after sending (no mail server: the outbox folder); then each page that
    only some members see (examples.openers())."""
    app, slug, pages = make_app(), journey.slug, journey.pages()
    shown = []
    for answers, finish in [(pages, True)] + [(opened(pages, o), False) for o in journey.openers().values()]:
        client = app.test_client()
        client.set_cookie("lang", language)
        web = Recorder(client)
        web.get(f"/{slug}/")
        fill(web, journey.wizard, answers, finish=finish, empty_first=True)
        if finish and journey.wizard.outputs.email:
            web.post(f"/{slug}/done/send", {}, token_from=f"/{slug}/done")
        shown += web.pages
    return shown


@pytest.mark.parametrize("language", ["fr", "es"])
@every_journey()
def test_no_english_interface_text_is_left_in_a_journey(make_app, journey, language):
    pages = journey.pages()
    allowed = allowed_with([*sample_values(pages), *(v for o in journey.openers().values()
                                                     for v in sample_values(opened(pages, o)))])
    english = shown_in(make_app, journey, "en")
    translated = shown_in(make_app, journey, language)
    assert [path for path, _ in translated] == [path for path, _ in english]
    assert len(translated) >= 2 * len(journey.wizard.steps)
    left = {}
    for (path, en_html), (_, html) in zip(english, translated):
        assert f'<html lang="{language}">' in html
        same = {t for t in texts(html) & texts(en_html) if english_left(t, language, allowed)}
        if same:
            left.setdefault(path, set()).update(same)
    assert left == {}
