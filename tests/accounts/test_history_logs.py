"""No answer of the history in the log lines of a real app process (gunicorn with the
project's gunicorn.conf.py): finishing while signed in, recording the administrator's answer
(a wrong one too), exporting and deleting everything (issue 14.7)."""
from __future__ import annotations


from tests.support.accounts import ask_link, last_link, use_link
from tests.support.drive import fill
from tests.support.http import HttpMember
from tests.support.pages import heading, parse
from tests.support.registry import JOURNEYS
from tests.support.servers import gunicorn_processes, logged_gunicorn_env

CLAIM = next(j for j in JOURNEYS if j.slug == "claim")
SENTINELS = ("qzxclaimno", "qzxnotetext", "Zoë", "Ørsted", "Anne Martin", "650.00", "history.logs")


def test_no_answer_of_the_history_in_the_log(database_url, tmp_path, smtp_server):
    env = logged_gunicorn_env(database_url, tmp_path / "outbox", smtp_server.port)
    with gunicorn_processes(env, tmp_path, names="A", threads=4) as (url,):
        member = HttpMember(url)
        ask_link(member, "zoe.history.logs@example.org")
        use_link(member, last_link(smtp_server))
        fill(member, CLAIM.wizard, CLAIM.pages())
        reference = parse(member.get("/claim/done")).select_one(".panel .ref").get_text(strip=True)
        record = f"/my-claims/{reference}"
        answer = {"claim_number": "qzxclaimno", "status": "paid", "amount_paid": "650.00",
                  "currency": "EUR", "date-day": "1", "date-month": "11", "date-year": "2026",
                  "note": "qzxnotetext"}
        member.post(record, {**answer, "amount_paid": "qzxnotetext"}, token_from=record)  # refused
        member.post(record, answer, token_from=record)
        assert "qzxclaimno" in member.get("/my-claims").get_data(as_text=True)
        member.post(f"{record}/delivered", {"how": "post"}, token_from=record)
        assert member.get("/my-claims/export").status_code == 200
        member.post("/my-claims/delete", {}, token_from="/my-claims/delete")
        assert heading(member.get("/my-claims")) == "Sign in"
    log = (tmp_path / "gunicorn-A.log").read_text()
    assert '"route":"/my-claims/<reference>"' in log.replace(" ", "")
    assert reference not in log
    assert [s for s in SENTINELS if s.lower() in log.lower()] == []
