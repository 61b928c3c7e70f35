"""The deployment in deploy/ (issue 16.5), checked with the tools an operator would use and
then run: systemd-analyze on the units (no running systemd needed), `nginx -t` on the site,
and the site in front of gunicorn started with the unit's own command, over real TLS."""
from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import app as app_module
from tests.support.mail import self_signed_certificate
from tests.support.pages import heading, parse
from tests.support.production import (DEPLOY, INSTALLED, NGINX, UNITS, client_max_body_size_mb,
                                      nginx_config, nginx_test, production, unit, unit_command)
from tests.support.samples import MEMBER, fill_claim
from tests.support.servers import ROOT, flask_cli
from tests.support.tls import TlsMember

SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze"
UNIT_FILES = ("mip-forms.service", "mip-forms-purge.service", "mip-forms-purge.timer")
ENV_EXAMPLE = DEPLOY / "mip-forms.env.example"


# --- systemd ---------------------------------------------------------------------------------------

@pytest.fixture
def system_root(tmp_path):
    """A throwaway root for `systemd-analyze --root`: the units installed where deploy/README.md
    installs them, the system's own units they depend on (sysinit.target, ...), and the
    programs they start at the paths they name (verify checks that each is executable)."""
    if not os.path.exists(SYSTEMD_ANALYZE):
        pytest.fail("systemd-analyze is not installed: ./dev test installs systemd")
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for name in UNIT_FILES:
        shutil.copy(UNITS / name, root / "etc/systemd/system" / name)
    bin_ = root / INSTALLED.lstrip("/") / ".venv/bin"
    bin_.mkdir(parents=True)
    for program in ("gunicorn", "flask"):
        shutil.copy(Path(sys.executable).with_name(program), bin_ / program)
    return root


def test_the_units_pass_systemd_analyze_verify(system_root):
    """verify exits 0 even on an unknown key or a value it cannot parse (it warns and goes on),
    so a clean check is one that says nothing at all."""
    units = [str(system_root / "etc/systemd/system" / name) for name in UNIT_FILES]
    checked = subprocess.run([SYSTEMD_ANALYZE, "verify", f"--root={system_root}", *units],
                             capture_output=True, text=True, timeout=120)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")


def test_the_services_are_sandboxed(system_root):
    """systemd's own review of the hardening, offline: exposure 2.0 ("OK") at most."""
    checked = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=yes", f"--root={system_root}",
                              "--threshold=20", "mip-forms.service", "mip-forms-purge.service"],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("OK") >= 2, checked.stdout


def test_the_service_runs_as_the_brief_says():
    service = unit("mip-forms.service")
    expected = {
        "Service.User": ["mip-forms"], "Service.WorkingDirectory": [INSTALLED],
        "Service.EnvironmentFile": ["/etc/mip-forms/mip-forms.env"],
        "Service.RuntimeDirectory": ["mip-forms/metrics"],
        "Service.Environment": ["PROMETHEUS_MULTIPROC_DIR=/run/mip-forms/metrics",
                                "XDG_CACHE_HOME=/var/cache/mip-forms"],
        "Service.ExecStartPre": [f"{INSTALLED}/.venv/bin/flask --app app db upgrade"],
        "Service.Restart": ["on-failure"], "Service.NoNewPrivileges": ["yes"],
        "Service.ProtectSystem": ["strict"], "Service.ReadWritePaths": [f"{INSTALLED}/instance"],
        "Service.PrivateTmp": ["yes"],
    }
    assert {key: service.get(key) for key in expected} == expected


def test_the_timer_command_purges_expired_drafts(database_url, tmp_path):
    """The app's background loop retries queued mail (app.py: Postman.start_background) but
    never purges: the timer's service runs `flask drafts purge`, and that command works."""
    argv = unit_command("mip-forms-purge.service")
    assert argv[1:] == ["--app", "app", "drafts", "purge"]
    done = flask_cli(argv[3:], {"DATABASE_URL": database_url, "SECRET_KEY": "s",
                                "DRAFT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                                "OUTBOX_DIR": str(tmp_path / "outbox")})
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"0 expired draft\(s\) deleted, 0 outbox file\(s\) removed, "
                        r"0 kept packet\(s\) past their time deleted\n", done.stdout)
    assert "drafts purge" in unit("mip-forms-purge.service")["Service.ExecStart"][0]
    assert unit("mip-forms-purge.timer")["Timer.OnCalendar"] == ["hourly"]


# --- configuration -----------------------------------------------------------------------------------

def test_the_env_file_and_the_readme_name_every_setting():
    example = ENV_EXAMPLE.read_text()
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    missing = set(app_module.ENV_SETTINGS) - named
    assert not missing, f"not in {ENV_EXAMPLE.name}: {sorted(missing)}"
    readme = (DEPLOY / "README.md").read_text()
    assert not [name for name in app_module.ENV_SETTINGS if f"`{name}`" not in readme]
    assert re.search(r"^TRUSTED_PROXIES=1$", example, re.M)


def test_nginx_takes_a_little_more_than_the_app(app):
    """The app answers a request over MAX_UPLOAD_MB with its own page; nginx's limit is just
    above it, so nginx refuses only what the app would refuse too."""
    assert app.config["MAX_UPLOAD_MB"] < client_max_body_size_mb() <= app.config["MAX_UPLOAD_MB"] + 2


# --- nginx ---------------------------------------------------------------------------------------

def test_the_site_passes_nginx_t(tmp_path):
    config = nginx_config(tmp_path, 8000, 8443, 8080, self_signed_certificate(tmp_path))
    checked = nginx_test(config)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr
    assert "[warn]" not in checked.stderr and "[emerg]" not in checked.stderr


@pytest.fixture
def site(tmp_path, database_url):
    """The production set-up on this test's database: the unit's gunicorn behind the site."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAIL_", "OUTBOX_", "DRAFT_", "SEND_LIMIT_", "UPLOAD_LIMIT_"))}
    env.update(DATABASE_URL=database_url, SECRET_KEY="deploy-secret",
               DRAFT_ENCRYPTION_KEYS=Fernet.generate_key().decode(), MAIL_SERVER="",
               OUTBOX_DIR=str(tmp_path / "outbox"), TRUSTED_PROXIES="1")
    with production(tmp_path, env) as running:
        yield running


def test_a_page_over_https_through_nginx(site):
    member = TlsMember(site.url, site.certificate)  # the certificate is checked, for 127.0.0.1
    response = member.get("/contact")
    assert response.status_code == 200 and heading(response).startswith("Contact Cigna")
    # One HSTS header (nginx's), never two.
    assert response.raw.headers.getlist("Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains"]
    static = member.get("/static/css/app.css")
    assert static.status_code == 200 and "Strict-Transport-Security" in static.headers


def test_plain_http_is_sent_to_https(site):
    connection = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=30)
    connection.request("GET", "/claim/member?x=1", headers={"Host": "forms.example.org"})
    response = connection.getresponse()
    connection.close()
    assert (response.status, response.getheader("Location")) == (
        301, "https://forms.example.org/claim/member?x=1")


def test_the_app_knows_the_member_came_over_tls(site):
    """nginx ended TLS and talks plain HTTP to gunicorn; with TRUSTED_PROXIES=1 the app reads
    X-Forwarded-Proto: its cookie is Secure, its redirects stay on https, and a form judged by
    its Origin alone (no Sec-Fetch-Site) is taken from https://<the host the browser used>."""
    member = TlsMember(site.url, site.certificate)
    del member.http.headers["Sec-Fetch-Site"]
    first = member.get("/claim/member")
    [cookie] = [c for c in first.raw.headers.getlist("Set-Cookie") if c.startswith("draft=")]
    assert "Secure" in cookie and "HttpOnly" in cookie
    saved = member.post("/claim/member", MEMBER, follow=False, headers={"Origin": site.url})
    assert saved.status_code in (302, 303)
    assert not saved.headers["Location"].startswith("http:")
    assert parse(member.get("/claim/member")).find(id="full_name")["value"] == MEMBER["full_name"]
    refused = member.post("/claim/member", {**MEMBER, "full_name": "Someone Else"}, follow=False,
                          headers={"Origin": site.url.replace("https:", "http:")})
    assert refused.status_code == 400
    assert parse(member.get("/claim/member")).find(id="full_name")["value"] == MEMBER["full_name"]


def test_an_upload_over_the_limit_gets_the_apps_page_and_far_over_it_nginxs_413(site):
    member = TlsMember(site.url, site.certificate)
    fill_claim(member, finish=False, receipts=())
    # Over MAX_UPLOAD_MB (25) but within nginx's 26 MB: the app's own page, answers kept.
    big = b"\xff\xd8\xff" + b"0" * (25 * 1024 * 1024 + 512 * 1024)
    response = member.post("/claim/receipts", {"action": "upload", "kind": "invoice",
                                               "file": (io.BytesIO(big), "scan.jpg")})
    # The upload page again, the limit said by the field (issue 13): nothing of it was kept.
    assert response.status_code == 413 and heading(response) == "Receipts and documents"
    assert "you can upload up to 25 MB at once" in parse(response).get_text()
    assert parse(member.get("/claim/member")).find(id="full_name")["value"] == MEMBER["full_name"]
    # Over nginx's limit: refused from the request's headers, before a byte of the body is
    # read, and never passed to the app.
    connection = http.client.HTTPSConnection("127.0.0.1", site.https_port, timeout=30,
                                             context=ssl.create_default_context(cafile=site.certificate))
    connection.putrequest("POST", "/claim/receipts")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(40 * 1024 * 1024))
    connection.endheaders()
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    # nginx's own page (the app's says "The file is too large").
    assert response.status == 413 and "<title>413 Request Entity Too Large</title>" in body


def test_after_a_413_gunicorn_keeps_the_connection_to_nginx(site):
    """nginx passes a body it has read whole to gunicorn over a kept-alive connection. The app
    refuses one over MAX_UPLOAD_MB from its Content-Length, but reads it before answering, so
    the connection serves the next request; left unread, gunicorn would drain 64 KB of it and
    then reset the connection, and nginx, still sending, would answer 502 instead of the page."""
    connection = http.client.HTTPConnection("127.0.0.1", site.app_port, timeout=60)
    body = b"0" * (25 * 1024 * 1024 + 512 * 1024)
    connection.request("POST", "/claim/receipts", body=body, headers={
        "Content-Type": "multipart/form-data; boundary=x", "X-Forwarded-Proto": "https",
        "Sec-Fetch-Site": "same-origin"})
    refused = connection.getresponse()
    assert refused.status == 413 and "The file is too large" in refused.read().decode()
    connection.request("GET", "/contact")  # the same connection
    again = connection.getresponse()
    assert again.status == 200 and again.read()
    connection.close()
