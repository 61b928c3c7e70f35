"""Forms over TLS: a member's browser can save a page, a page of another site cannot.

Every page says `Referrer-Policy: no-referrer`, so browsers send no Referer with a form and
`Origin: null`; Flask-WTF's check for HTTPS wanted a Referer of this site, so over TLS (a
certificate of the app's own, or a trusted proxy that ended TLS) every form was refused. The
app now judges where a POST comes from by what browsers do send. Real servers, real TLS,
headless Chromium."""
from __future__ import annotations

import pytest

from tests.support.pages import csrf_of, heading, parse, path_of
from tests.support.samples import MEMBER
from tests.support.tls import ProxiedMember, TlsMember, tls_server

EVIL = "https://evil.example"


def saved_name(member) -> str:
    return parse(member.get("/claim/member")).find(id="full_name")["value"]


def test_a_browser_saves_pages_over_tls(make_app, certificate, browser):
    cert, key = certificate
    with tls_server(make_app(), cert, key) as url:
        context = browser.new_context(ignore_https_errors=True)
        try:
            page = context.new_page()
            page.goto(url + "/claim/member")
            for name, value in MEMBER.items():
                field = page.locator(f"[name='{name}']")
                if name == "country":
                    field.select_option(value)
                else:
                    field.fill(value)
            with page.expect_navigation():
                page.get_by_role("button", name="Continue").click()
            assert page.url == url + "/claim/patient", page.title()
            page.goto(url + "/claim/member")
            assert page.locator("#full_name").input_value() == MEMBER["full_name"]
        finally:
            context.close()


def provenance(kind: str, own: str) -> dict:
    """The headers a request carries, by where it comes from."""
    return {
        "a page of this site (Sec-Fetch-Site)": {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
        "a page of this site (Origin only)": {"Origin": own},
        "a page of this site (Referer only)": {"Referer": own + "/claim/member"},
        "another site": {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
        "a sibling subdomain": {"Sec-Fetch-Site": "same-site", "Origin": "https://forms.evil.example"},
        "another site's Origin": {"Origin": EVIL},
        "another site's Referer": {"Referer": EVIL + "/claim/member"},
        "another site, hiding its Referer (old browser)": {"Origin": "null"},
        "nothing said at all": {},
        "this site's Referer over plain http": {"Referer": own.replace("https:", "http:") + "/claim/member"},
    }[kind]


OWN_PAGES = ["a page of this site (Sec-Fetch-Site)", "a page of this site (Origin only)",
             "a page of this site (Referer only)"]
ELSEWHERE = ["another site", "a sibling subdomain", "another site's Origin", "another site's Referer",
             "another site, hiding its Referer (old browser)", "nothing said at all",
             "this site's Referer over plain http"]


def post_with(member, kind: str, own: str):
    token = csrf_of(member.get("/claim/member"))
    headers = {"Sec-Fetch-Site": None, **provenance(kind, own)}  # None: not sent at all
    return member.http.post(member.url + "/claim/member", data={**MEMBER, "csrf_token": token},
                            headers=headers, timeout=60)


@pytest.mark.parametrize("kind", OWN_PAGES + ELSEWHERE)
def test_over_tls_only_this_sites_pages_save_a_form(make_app, certificate, kind):
    cert, key = certificate
    with tls_server(make_app(), cert, key) as url:
        member = TlsMember(url, cert)
        response = post_with(member, kind, url)
        if kind in OWN_PAGES:
            assert path_of(response) == "/claim/patient", heading(response)
            assert saved_name(member) == MEMBER["full_name"]
        else:
            assert response.status_code == 400
            assert heading(response) == "Please try again"
            assert saved_name(member) == ""


@pytest.mark.parametrize("kind", OWN_PAGES + ELSEWHERE)
def test_behind_a_trusted_proxy_that_ended_tls_the_same_holds(serve, make_app, kind):
    site = serve(make_app(TRUSTED_PROXIES=1))
    member = ProxiedMember(site.url, "https")
    own = site.url.replace("http:", "https:")  # what the browser saw: the proxy's https
    response = post_with(member, kind, own)
    if kind in OWN_PAGES:
        assert path_of(response) == "/claim/patient", heading(response)
        assert saved_name(member) == MEMBER["full_name"]
    else:
        assert response.status_code == 400 and heading(response) == "Please try again"
        assert saved_name(member) == ""


def test_over_plain_http_forms_are_judged_by_their_token_as_before(serve, make_app):
    member = serve(make_app()).member()
    response = post_with(member, "nothing said at all", "http://127.0.0.1")
    assert path_of(response) == "/claim/patient"
    token = csrf_of(member.get("/claim/patient"))
    refused = member.http.post(member.url + "/claim/patient", data={"who": "member", "csrf_token": "x" + token},
                               timeout=60)
    assert refused.status_code == 400 and heading(refused) == "Please try again"
