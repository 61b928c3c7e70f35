"""The production set-up as deploy/ writes it, run on this machine: gunicorn with the command
line and environment of deploy/systemd/mip-forms.service, behind nginx with the site in
deploy/nginx/mip-forms.conf. The files are used as they are; only what must differ on a test
machine is swapped: ports, the certificate (a self-signed one), the folders where the unit
would have installed things (/srv/mip-forms is this checkout) and where nginx writes."""
from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.mail import self_signed_certificate
from tests.support.ports import free_port
from tests.support.servers import ROOT, wait_for_port

DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "mip-forms.conf"
UNITS = DEPLOY / "systemd"
NGINX = "/usr/sbin/nginx"
INSTALLED = "/srv/mip-forms"  # where deploy/README.md puts the code, as the units name it
VENV_BIN = Path(sys.executable).parent


def unit(name: str) -> dict[str, list[str]]:
    """A unit file's settings as "Section.Key": [values, in order] (keys may repeat)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        settings.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return settings


def unit_command(name: str, key: str = "ExecStart") -> list[str]:
    """A unit's command with this checkout's virtualenv for /srv/mip-forms/.venv."""
    [line] = unit(name)[f"Service.{key}"]
    argv = shlex.split(line)
    prefix = f"{INSTALLED}/.venv/bin/"
    assert argv[0].startswith(prefix), argv[0]
    return [str(VENV_BIN / argv[0].removeprefix(prefix)), *argv[1:]]


def unit_environment(name: str, folder: Path) -> dict[str, str]:
    """A unit's Environment= settings, with the folders systemd would make for it
    (RuntimeDirectory=, CacheDirectory=) made in `folder` instead."""
    settings = unit(name)
    places = {"/run/": folder / "run", "/var/cache/": folder / "cache"}
    for key, base in (("Service.RuntimeDirectory", "/run/"), ("Service.CacheDirectory", "/var/cache/")):
        for value in settings.get(key, []):
            for directory in value.split():
                (places[base] / directory).mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {}
    for value in settings.get("Service.Environment", []):
        name_, _, setting = value.partition("=")
        for real, test in places.items():
            if setting.startswith(real):
                setting = f"{test}/{setting.removeprefix(real)}"
        env[name_] = setting
    return env


def nginx_config(tmp: Path, app_ports: int | list[int], https_port: int, http_port: int,
                 certificate: tuple[Path, Path]) -> Path:
    """deploy/nginx/mip-forms.conf as it is, with this machine's ports, a test certificate
    (cert, key) and a main configuration that keeps every file nginx writes in `tmp`."""
    cert, key = certificate
    site = SITE.read_text()
    # The upstream: every one of the app ports.
    ports = [app_ports] if isinstance(app_ports, int) else app_ports
    upstream = "; server ".join(f"127.0.0.1:{port}" for port in ports)
    for real, test in (("127.0.0.1:8000", upstream),
                       ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                       ("listen [::]:443 ssl http2;", ""), ("listen [::]:80;", ""),
                       ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                       ("/etc/ssl/certs/forms.example.org.pem", str(cert)),
                       ("/etc/ssl/private/forms.example.org.key", str(key)),
                       (f"{INSTALLED}/static/", f"{ROOT}/static/")):
        assert real in site, real
        site = site.replace(real, test)
    (tmp / "site.conf").write_text(site)
    main = tmp / "nginx.conf"
    main.write_text(f"""
{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""")
    return main


def nginx_test(config: Path) -> subprocess.CompletedProcess:
    """`nginx -t -c config`: what an operator runs before reloading nginx."""
    if not os.path.exists(NGINX):
        raise AssertionError("nginx is not installed: ./dev test installs nginx-light")
    return subprocess.run([NGINX, "-t", "-c", str(config)], capture_output=True, text=True, timeout=60)


def gunicorn_command(port: int) -> list[str]:
    """mip-forms.service's ExecStart, bound to `port`."""
    argv = unit_command("mip-forms.service")
    bind = argv.index("-b")
    assert argv[bind + 1] == "127.0.0.1:8000", argv
    argv[bind + 1] = f"127.0.0.1:{port}"
    return argv


@contextlib.contextmanager
def _process_group(argv: list[str], env: dict, log: Path):
    with open(log, "ab") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:  # the whole group: gunicorn's workers and PDF renderers too
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # what systemd's KillMode=mixed does last


class Production:
    """Where a running production set-up answers: https_port (nginx, TLS), http_port (nginx,
    redirects), app_port (gunicorn), the test certificate, and the app's log."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.app_port, self.https_port, self.http_port = free_port(), free_port(), free_port()
        self.certificate, self.key = self_signed_certificate(tmp)  # for 127.0.0.1
        self.app_log = tmp / "gunicorn.log"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def app_output(self) -> str:
        return self.app_log.read_text(errors="replace")


@contextlib.contextmanager
def production(tmp: Path, env: dict):
    """gunicorn as mip-forms.service runs it (its command and Environment=, then `env` as
    the EnvironmentFile would give it), behind nginx with the deploy site."""
    running = Production(tmp)
    env = {**env, **unit_environment("mip-forms.service", tmp)}
    config = nginx_config(tmp, running.app_port, running.https_port, running.http_port,
                          (running.certificate, running.key))
    checked = nginx_test(config)
    assert checked.returncode == 0, checked.stderr
    with _process_group(gunicorn_command(running.app_port), env, running.app_log) as gunicorn, \
            _process_group([NGINX, "-c", str(config), "-g", "daemon off;"], dict(os.environ),
                           tmp / "nginx.log") as nginx:
        wait_for_port(running.app_port, process=gunicorn)
        wait_for_port(running.https_port, process=nginx)
        yield running


@contextlib.contextmanager
def nginx_in_front(tmp: Path, app_ports: list[int]):
    """nginx with the deploy site in front of app processes already running on `app_ports`,
    for the block: its HTTPS port."""
    https_port, http_port = free_port(), free_port()
    config = nginx_config(tmp, app_ports, https_port, http_port, self_signed_certificate(tmp))
    checked = nginx_test(config)
    assert checked.returncode == 0, checked.stderr
    with _process_group([NGINX, "-c", str(config), "-g", "daemon off;"], dict(os.environ),
                        tmp / "nginx.log") as nginx:
        wait_for_port(https_port, process=nginx)
        yield https_port


def client_max_body_size_mb() -> int:
    """The site's upload limit, in MB."""
    [size] = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", SITE.read_text(), re.M)
    return int(size)
