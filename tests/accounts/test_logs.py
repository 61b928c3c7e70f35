"""No sign-in token and no address in the log lines of a real app process (gunicorn with
the project's gunicorn.conf.py), nor on the error pages a link can lead to (issue 14.1)."""
from __future__ import annotations


from tests.support.accounts import LINK, ask_link, last_link
from tests.support.http import HttpMember
from tests.support.pages import heading, parse
from tests.support.servers import gunicorn_processes, logged_gunicorn_env

ADDRESS = "qzxsentinel.member@example.org"


def test_no_token_or_address_in_the_log_or_on_error_pages(database_url, tmp_path, smtp_server):
    env = logged_gunicorn_env(database_url, tmp_path / "outbox", smtp_server.port)
    with gunicorn_processes(env, tmp_path, names="A", threads=4) as (url,):
        member = HttpMember(url)
        ask_link(member, ADDRESS)
        token = last_link(smtp_server)
        assert LINK.search(smtp_server.messages[-1]["message"].get_body(("plain",)).get_content()).group(1) == url
        landing = member.get(f"/sign-in/link/{token}")
        assert token not in str(parse(landing).header) + str(parse(landing).footer)  # language, delete links
        forged = member.post_form("/sign-in/link", {"token": token, "csrf_token": "stale"})  # CSRF refused
        member.post("/sign-in/link", {"token": token}, token_from=f"/sign-in/link/{token}")
        used = member.get(f"/sign-in/link/{token}")  # a second time: refused
        again = member.post("/sign-in/link", {"token": token}, token_from="/sign-in")
        assert heading(member.get("/my-claims")) == "My claims"
    assert forged.status_code == 400 and used.status_code == 400 and again.status_code == 400
    for page in (forged, used, again):
        assert token not in page.get_data(as_text=True)
    log = (tmp_path / "gunicorn-A.log").read_text()
    assert '"route":"/sign-in/link/<token>"' in log.replace(" ", "")
    assert token not in log and "qzxsentinel" not in log.lower()
