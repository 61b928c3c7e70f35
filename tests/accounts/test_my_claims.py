"""The My claims page and each record's page (issue 14.4), over a real server: what the
member sees of each finished journey, how it went (each way it can go), the administrator's
answer (valid and invalid), totals per year and per patient, the kept packet until its time,
and every record URL opened by another member or by nobody (IDOR)."""
from __future__ import annotations

import re

import pytest

from tests.support.accounts import sign_in
from tests.support.drive import fill
from tests.support.pages import field_error, heading, parse, path_of, summary
from tests.support.registry import JOURNEYS
from tests.support.samples import CLAIM, send

ANA = "ana.history@example.org"
BEN = "ben.history@example.org"
CLAIM_JOURNEY = next(j for j in JOURNEYS if j.slug == "claim")
ANSWER = {"claim_number": "CL-2026-77", "status": "paid", "amount_paid": "390.00", "currency": "CHF",
          "date-day": "12", "date-month": "11", "date-year": "2026", "note": "Paid by transfer"}


def finish_claim(member, pages=None) -> str:
    """Finish a claim with the sample answers (or `pages`); its reference."""
    fill(member, CLAIM_JOURNEY.wizard, pages or CLAIM_JOURNEY.pages())
    return parse(member.get("/claim/done")).select_one(".panel .ref").get_text(strip=True)


def rows(response) -> dict[str, str]:
    """The first summary list on the page: term -> value, on one line."""
    found = {}
    for row in parse(response).select("dl.summary")[0].select(".summary-row"):
        found[row.dt.get_text(" ", strip=True)] = " ".join(row.select_one(".summary-value").get_text(" ").split())
    return found


def table(response, caption: str) -> list[list[str]]:
    for t in parse(response).select("table"):
        if t.caption.get_text(strip=True) == caption:
            return [[" ".join(c.get_text(" ").split()) for c in tr.select("th, td")] for tr in t.select("tbody tr")]
    raise AssertionError(f"no table {caption!r}")


def test_my_claims_lists_each_finished_claim_with_what_the_member_needs(site, smtp_server):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    reference = finish_claim(member)
    page = member.get("/my-claims")
    assert heading(page) == "My claims"
    shown = rows(page)
    assert shown["Reference"] == reference and shown["Patient"] == "Zoë Ørsted"
    assert shown["Finished"] == "27 November 2026"  # the app's clock (the test's)
    assert shown["Amount claimed"] == "EUR 650.00 CHF 80.00"
    assert shown["How it went"] == "Not sent yet" and shown["Their answer"] == "No answer recorded"
    assert shown["PDF"].startswith("Download the PDF") and "Kept until 27 May 2028" in shown["PDF"]
    link = parse(page).select_one("h2.record-title a")["href"]
    assert link == f"/my-claims/{reference}"


def test_each_way_of_sending_is_noted_in_the_history(site, smtp_server):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    reference = finish_claim(member)
    member.get("/claim/done/packet.pdf")
    member.get("/claim/done/packet.pdf")  # a second download is not a second sending
    member.get("/claim/done/message.eml")
    opened = member.post("/claim/done/mailto", {}, token_from="/claim/done", follow=False)
    assert opened.status_code == 303 and opened.headers["Location"].startswith("mailto:")
    assert reference not in opened.url and "@" not in opened.url  # nothing of the member in the app's URL
    member.post("/claim/done/delivered", {"how": "fax"}, token_from="/claim/done")
    member.post(f"/my-claims/{reference}/delivered", {"how": "post"}, token_from=f"/my-claims/{reference}")
    send(member)
    assert rows(member.get(f"/my-claims/{reference}"))["How it went"] == (
        "You downloaded the PDF You downloaded the email (.eml) You opened the email in your mail app "
        "You faxed it You posted it Sent by this service")
    # The done page's buttons: the email link goes through the app, without JavaScript.
    done = parse(member.get("/claim/done"))
    assert done.select_one('form[action="/claim/done/mailto"] button') is not None
    assert [b["value"] for b in done.select('form[action="/claim/done/delivered"] button')] == ["fax", "post"]


def test_without_a_mail_server_the_history_says_it_was_saved_for_the_administrator(serve, make_app, smtp_server):
    site = serve(make_app())  # no MAIL_SERVER: the sign-in link and the claim go to the outbox folder
    member = site.member()
    from tests.support.accounts import ask_link, link_in_folder, use_link
    ask_link(member, ANA)
    use_link(member, link_in_folder(site.app.config["OUTBOX_DIR"]))
    reference = finish_claim(member)
    send(member)
    assert rows(member.get(f"/my-claims/{reference}"))["How it went"] == (
        "Saved by this service for its administrator to send")


def test_recording_the_administrators_answer(site, smtp_server):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    reference = finish_claim(member)
    url = f"/my-claims/{reference}"
    saved = member.post(url, ANSWER)
    assert path_of(saved) == url and "Their answer is recorded." in saved.text
    shown = rows(saved)
    assert shown["Their answer"] == "Paid: CHF 390.00 Their claim number: CL-2026-77"
    form = parse(saved)
    assert form.find("input", {"name": "claim_number"})["value"] == "CL-2026-77"
    assert form.find("input", {"name": "status", "checked": True})["value"] == "paid"
    assert form.find("textarea", {"name": "note"}).get_text() == "Paid by transfer"
    assert rows(member.get("/my-claims"))["Their answer"] == "Paid: CHF 390.00 Their claim number: CL-2026-77"


@pytest.mark.parametrize("changes, messages", [
    ({"status": ""}, {"status": "Select what they answered"}),
    ({"amount_paid": ""}, {"amount_paid": "Enter the amount paid"}),
    ({"amount_paid": "lots"}, {"amount_paid": "Amount paid must be a number, like 120.50"}),
    ({"currency": ""}, {"currency": "Select the currency of the amount paid"}),
    ({"status": "refused"}, {"amount_paid": "Leave the amount empty, or choose paid or partly paid"}),
    ({"date-day": "31", "date-month": "2"}, {"date": "Date of their answer must be a real date"}),
    ({"note": "x" * 1001}, {"note": "Note must be 1000 characters or fewer"}),
], ids=["no-status", "paid-without-amount", "not-a-number", "no-currency", "amount-when-refused",
        "not-a-date", "long-note"])
def test_a_wrong_answer_is_explained_by_the_field_and_what_was_typed_is_kept(site, smtp_server, changes, messages):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    reference = finish_claim(member)
    page = member.post(f"/my-claims/{reference}", {**ANSWER, **changes})
    assert page.status_code == 200 and page.url.endswith(f"/my-claims/{reference}")
    assert summary(page) == list(messages.values())
    for field, message in messages.items():
        assert field_error(page, field) == message
    assert parse(page).title.get_text().startswith("Error:")
    assert parse(page).find("input", {"name": "claim_number"})["value"] == "CL-2026-77"  # kept
    assert rows(page)["Their answer"] == "No answer recorded"  # nothing saved


def test_totals_per_year_and_per_patient(site, smtp_server, clock):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    first = finish_claim(member)  # Zoë: EUR 650, CHF 80, in 2026
    member.post(f"/my-claims/{first}", ANSWER)  # paid CHF 390
    clock.advance(days=40)  # 2027; the session ran out with its 30 days
    sign_in(member, smtp_server, ANA)
    member.post("/claim/new", {}, token_from="/claim/done")
    family = {**CLAIM_JOURNEY.pages(), "patient": {"who": "family"}}
    family = {**family, "expenses": [{**family["expenses"][1], "amount": "120.50"}]}
    finish_claim(member, family)  # Ana: CHF 120.50, in 2027
    page = member.get("/my-claims")
    assert table(page, "Per year") == [["2027", "CHF 120.50", "–"],
                                       ["2026", "EUR 650.00 CHF 80.00", "CHF 390.00"]]
    assert table(page, "Per patient") == [["Ana Ørsted", "CHF 120.50", "–"],
                                          ["Zoë Ørsted", "EUR 650.00 CHF 80.00", "CHF 390.00"]]


def test_the_packet_is_kept_until_its_time_and_then_the_page_says_so(site, smtp_server, clock):
    member = site.member()
    sign_in(member, smtp_server, ANA)
    reference = finish_claim(member)
    kept = member.get(f"/my-claims/{reference}/packet.pdf")
    assert kept.status_code == 200 and kept.headers["Content-Type"] == "application/pdf"
    assert kept.content == member.get("/claim/done/packet.pdf").content
    assert f'filename="claim-{reference}.pdf"' in kept.headers["Content-Disposition"]
    clock.advance(days=18 * 31)
    sign_in(member, smtp_server, ANA)
    assert member.get(f"/my-claims/{reference}/packet.pdf").status_code == 404
    shown = rows(member.get("/my-claims"))
    assert shown["PDF"] == "No longer kept" and shown["Reference"] == reference  # the record stays
    store = site.app.extensions["store"]
    assert store.purge_records() == 1
    with store.engine.connect() as db:
        assert db.exec_driver_sql("SELECT count(*), count(packet) FROM records").one() == (1, 0)


def record_urls(reference: str) -> list[tuple[str, str, dict]]:
    return [("GET", f"/my-claims/{reference}", {}), ("GET", f"/my-claims/{reference}/packet.pdf", {}),
            ("POST", f"/my-claims/{reference}", ANSWER),
            ("POST", f"/my-claims/{reference}/delivered", {"how": "fax"})]


def test_no_record_url_opens_anything_for_another_member_or_for_nobody(site, smtp_server):
    ana = site.member()
    sign_in(ana, smtp_server, ANA)
    reference = finish_claim(ana)
    ben = site.member()
    sign_in(ben, smtp_server, BEN)
    nobody = site.member()
    nobody.get("/")
    for method, url, data in record_urls(reference) + record_urls("CLM-0000-0000"):
        for who in (ben, nobody):
            if method == "GET":
                reply = who.get(url, follow=False)
            else:
                reply = who.post(url, data, token_from="/sign-in", follow=False)
            # (The header's "Delete my answers" link names the page it came from: the URL asked for.)
            main = str(parse(reply).main) if reply.text.lstrip().startswith("<") else reply.text
            assert reference not in main and "Zoë" not in reply.text and "%PDF" not in reply.text, url
            if who is ben:
                assert reply.status_code == 404, url
            else:
                assert reply.status_code == 303 and reply.headers["Location"].endswith("/sign-in"), url
    mine = rows(ana.get(f"/my-claims/{reference}"))
    assert mine["Their answer"] == "No answer recorded" and mine["How it went"] == "Not sent yet"
    assert re.search(r"Nothing here yet", ben.get("/my-claims").text)
