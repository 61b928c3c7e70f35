"""The claim wizard through HTTP, as a browser without JavaScript sees it."""
import datetime as dt

from sqlalchemy import text

from tests.support.pages import heading, parse
from tests.support.pdf import pdf_text
from tests.support.samples import MEMBER, TREATMENT, date_parts, fill_claim
from tests.support.web import Browserless
from workflows import journeys


def caption(response):
    return parse(response).find(class_="caption").get_text(strip=True)


def test_landing_page_offers_the_three_journeys(make_app):
    client = make_app(JOURNEYS=journeys.INSTALLED).test_client()  # the test apps' default adds the toy
    page = parse(client.get("/"))
    cards = [c.h2.get_text(strip=True) for c in page.select(".card")]
    assert cards == ["Claim reimbursement", "Hospital guarantee of payment", "Fax or postal cover sheet"]
    assert page.select_one(".card a")["href"] == "/claim/"


def test_errors_are_summarised_next_to_fields_and_typed_values_kept(web):
    bad = dict(MEMBER, email="not-an-email", **{"date_of_birth-day": "31", "date_of_birth-month": "2"})
    response = web.post("/claim/member", bad)
    page = parse(response)
    assert page.title.string.startswith("Error: ")
    summary = page.select_one(".error-summary")
    links = {a["href"]: a.get_text() for a in summary.select("a")}
    assert links == {"#email": "Enter an email address in the correct format, like name@example.com",
                     "#date_of_birth": "Date of birth must be a real date"}
    email_input = page.find(id="email")
    assert email_input["value"] == "not-an-email"
    assert "email-error" in email_input["aria-describedby"]
    assert " ".join(page.find(id="email-error").get_text().split()) == \
        "Error: Enter an email address in the correct format, like name@example.com"
    assert page.find(id="date_of_birth")["value"] == "31"
    assert page.find(id="full_name")["value"] == "Zoë Ørsted"
    assert page.find(id="address").get_text() == "Rue de la Loi 1\n1000 Brussels"


def test_a_step_opened_out_of_order_redirects_to_the_first_unfinished(web):
    response = web.get("/claim/payment", follow=False)
    assert response.status_code == 302 and response.location.endswith("/claim/member")
    web.post("/claim/member", MEMBER)
    response = web.get("/claim/receipts", follow=False)
    assert response.location.endswith("/claim/patient")


def test_unknown_journeys_and_steps_get_a_friendly_404(client):
    for url in ("/nope/", "/claim/nope", "/claim/member/99", "/claim/expenses/abc"):
        response = client.get(url)
        assert response.status_code in (404, 302), url
        if response.status_code == 404:
            assert heading(response) == "Page not found"


def test_a_page_brought_in_stays_in_its_section_and_back_links_walk_back(web):
    web.post("/claim/member", MEMBER)
    response = web.get("/claim/patient")
    assert caption(response) == "Claim reimbursement · Section 2 of 7: The patient"
    assert parse(response).select_one("a.back")["href"] == "/claim/member"
    response = web.post("/claim/patient", {"who": "family"})
    assert caption(response) == "Claim reimbursement · Section 2 of 7: The patient"
    assert heading(response) == "About the patient"
    assert parse(response).select_one("a.back")["href"] == "/claim/patient"


def test_change_from_review_returns_to_review_and_irrelevant_answers_are_dropped(web, app):
    fill_claim(web, finish=False)
    review = web.get("/claim/check")
    assert heading(review) == "Check your answers before finishing"
    change = parse(review).find("a", href="/claim/treatment?change=1#kind")
    assert change is not None
    # Saying yes to an accident opens its step, then goes back to the review.
    response = web.post("/claim/treatment?change=1", dict(TREATMENT, accident="yes"))
    assert response.request.path == "/claim/accident"
    assert parse(response).select_one("a.back")["href"] == "/claim/check"
    response = web.post("/claim/accident?change=1", {
        **date_parts("date", 45), "description": "Fell off a bike", "work_related": "no"})
    assert response.request.path == "/claim/check"
    assert "Fell off a bike" in response.get_data(as_text=True)
    # Changing it back drops the accident answers everywhere.
    response = web.post("/claim/treatment?change=1", TREATMENT)
    assert response.request.path == "/claim/check"
    assert "Fell off a bike" not in response.get_data(as_text=True)
    response = web.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    pdf = web.get("/claim/done/packet.pdf").data
    assert "Fell off a bike" not in pdf_text(pdf)


def test_review_shows_totals_per_currency_never_converted(web):
    fill_claim(web, finish=False)
    page = parse(web.get("/claim/check"))
    totals = {th.get_text(): td.get_text() for th, td in
              ((r.th, r.td) for r in page.select(".totals tr"))}
    assert totals == {"Total in EUR": "EUR 650.00", "Total in CHF": "CHF 80.00"}


def test_expenses_can_be_changed_and_removed(web):
    fill_claim(web, finish=False)
    response = web.post("/claim/expenses/1?change=1", {
        **date_parts("date", 39), "provider": "Zahnklinik Basel",
        "description": "Panoramic X-ray", "amount": "95", "currency": "CHF"})
    assert response.request.path == "/claim/expenses"
    items = [li.select_one(".item-text").get_text() for li in parse(response).select(".item")]
    assert items[1].endswith("Panoramic X-ray · CHF 95.00")
    response = web.post("/claim/expenses/0/remove?change=1", {}, token_from="/claim/expenses")
    items = [li.select_one(".item-text").get_text() for li in parse(response).select(".item")]
    assert len(items) == 1 and "Expense 1 removed" in response.get_data(as_text=True)
    # The list must be confirmed again before the review.
    assert web.get("/claim/check", follow=False).location.endswith("/claim/expenses")


def test_finishing_twice_makes_one_claim(web, app):
    fill_claim(web, finish=False)
    first = web.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    again = web.client.post("/claim/check", data={"csrf_token": "irrelevant"})
    assert first.request.path == "/claim/done"
    assert again.status_code in (302, 303, 400)
    with app.extensions["store"].engine.connect() as db:
        assert db.execute(text("select count(*) from submissions")).scalar() == 1


def test_cookie_holds_only_an_opaque_id_and_the_database_only_ciphertext(web, app):
    fill_claim(web)
    web.get("/claim/done/packet.pdf")
    cookies = [c for c in web.client._cookies.values()]
    assert [c.key for c in cookies] == ["draft"]
    assert len(cookies[0].value) == 43 and "Ørsted" not in cookies[0].value
    raw = b""
    with app.extensions["store"].engine.connect() as db:  # SQLite or PostgreSQL
        for table in ("drafts", "uploads", "submissions", "packets"):
            for row in db.execute(text(f"select * from {table}")):
                raw += b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
    assert raw
    for secret in ("Ørsted".encode(), b"MIP-0042317", b"BE71", b"molar", b"zoe@example.org"):
        assert secret not in raw
    assert cookies[0].value.encode() not in raw  # only its hash is stored


def test_a_member_can_leave_and_come_back_until_the_draft_expires(make_app):
    now = [dt.datetime(2026, 11, 27, 9, 0)]
    app = make_app(CLOCK=lambda: now[0])
    web = Browserless(app.test_client())
    web.post("/claim/member", MEMBER)
    cookie = web.client.get_cookie("draft").value
    later = Browserless(app.test_client())
    later.client.set_cookie("draft", cookie)
    now[0] += dt.timedelta(hours=23)
    response = later.get("/claim/")
    assert "Continue where you left off" in response.get_data(as_text=True)
    assert parse(later.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"
    now[0] += dt.timedelta(hours=24, minutes=1)
    response = later.get("/claim/member")
    assert parse(response).find(id="full_name")["value"] == ""


def test_delete_my_answers_removes_the_draft_and_its_uploads(web, app):
    fill_claim(web)
    page = parse(web.get("/delete"))
    assert page.h1.get_text() == "Delete my answers"
    response = web.post("/delete", {})
    assert heading(response) == "Your answers have been deleted"
    with app.extensions["store"].engine.connect() as db:
        for table in ("drafts", "uploads", "submissions", "outbox", "packets"):
            assert db.execute(text(f"select count(*) from {table}")).scalar() == 0, table
    assert web.client.get_cookie("draft") is None
    assert parse(web.get("/claim/member")).find(id="full_name")["value"] == ""


def test_pages_carry_security_headers_and_are_not_cached(web):
    web.post("/claim/member", MEMBER)
    response = web.get("/claim/patient")
    h = response.headers
    assert h["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert "default-src 'self'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    cookie = h.get("Set-Cookie", "") or web.client.get_cookie("draft")
    assert cookie


def test_draft_cookie_flags(client):
    response = client.get("/claim/member")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("draft=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    secure = client.get("/claim/member", base_url="https://localhost").headers.get("Set-Cookie", "")
    assert secure == "" or "Secure" in secure


def test_a_stale_form_token_gets_a_friendly_page_and_answers_are_kept(web):
    web.post("/claim/member", MEMBER)
    response = web.client.post("/claim/patient", data={"who": "member", "csrf_token": "stale"})
    assert response.status_code == 400
    assert heading(response) == "Please try again"
    assert parse(web.get("/claim/member")).find(id="full_name")["value"] == "Zoë Ørsted"


def test_the_declaration_is_signed_on_the_review_page_after_every_answer(web, app):
    fill_claim(web, finish=False)
    page = parse(web.post("/claim/check", {"signature": ""}))
    assert page.title.string.startswith("Error: ")
    assert [a.get_text() for a in page.select(".error-summary a")] == [
        "Confirm that the information is true and complete", "Enter your full name to sign"]
    with app.extensions["store"].engine.connect() as db:
        assert db.execute(text("select count(*) from submissions")).scalar() == 0
    response = web.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    assert response.request.path == "/claim/done"


def test_a_line_separator_pasted_into_a_name_is_refused_not_a_crash(web):
    page = parse(web.post("/claim/member", dict(MEMBER, full_name="Zoë\u2028Ørsted")))
    assert [a.get_text() for a in page.select(".error-summary a")] == ["Full name must be on one line"]


def test_an_address_mail_servers_cannot_carry_is_refused(web):
    page = parse(web.post("/claim/member", dict(MEMBER, email="josé@example.com")))
    assert [a.get_text() for a in page.select(".error-summary a")] == [
        "Enter an email address in the correct format, like name@example.com"]


def test_digits_from_other_scripts_get_a_message_not_a_crash(web):
    page = parse(web.post("/claim/member", dict(MEMBER, **{"date_of_birth-day": "²"})))
    assert [a.get_text() for a in page.select(".error-summary a")] == [
        "Date of birth must be a real date, in numbers, like 27 3 1980"]
    assert web.get("/claim/expenses/%C2%B2").status_code == 404


def test_answers_are_checked_again_before_finishing(web):
    """An IBAN checked against the bank's country; the country then changed from the review."""
    fill_claim(web, finish=False)
    web.post("/claim/bank?change=1", {"holder": "Zoë Ørsted", "country": "NL"})
    response = web.post("/claim/check", {"confirm": "y", "signature": "Zoë Ørsted"})
    assert response.request.path == "/claim/bank-iban"
    page = parse(response)
    assert page.find(id="iban-error").get_text(" ", strip=True).startswith(
        "Error: This IBAN is for another country (Belgium) than the bank's (Netherlands)")
    with web.client.application.extensions["store"].engine.connect() as db:
        assert db.execute(text("select count(*) from submissions")).scalar() == 0


def test_a_request_under_way_does_not_bring_back_a_deleted_draft(app):
    store = app.extensions["store"]
    token = store.drafts.new_token()
    store.drafts.save(token, {"journeys": {"claim": {"answers": {"member": {"full_name": "Zoë"}}}}})
    store.delete(token)
    assert store.drafts.save(token, {"late": "write"}, create=False) is None
    assert store.drafts.load(token) is None
