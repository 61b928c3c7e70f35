"""Mail servers a test starts on 127.0.0.1 (aiosmtpd): one that keeps what it receives, ones
that misbehave on purpose, a port nobody answers on, and a self-signed certificate."""
from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import ipaddress
import socket
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.ports import free_port

SENDER = "MIP member forms <forms@example.org>"  # the test apps' MAIL_DEFAULT_SENDER


@dataclass
class Inbox:
    """An aiosmtpd handler keeping every message it accepts, as parsed email messages."""
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "size": len(envelope.content),  # as the server counts it: what a mailbox limits
            "message": email.message_from_bytes(envelope.content, policy=email.policy.default),
        })
        return "250 Message accepted for delivery"


class CountingInbox(Inbox):
    """The test inbox, also counting every DATA it was offered (accepted or not)."""

    def __init__(self, reply: str | None = None):
        super().__init__()
        self.reply = reply  # e.g. "451 4.3.0 Try again later": refuse every message so
        self.offered = 0

    async def handle_DATA(self, server, session, envelope):
        self.offered += 1
        if self.reply:
            return self.reply
        return await super().handle_DATA(server, session, envelope)


@contextlib.contextmanager
def smtp(handler=None, port: int | None = None, **kwargs):
    """An aiosmtpd server on 127.0.0.1 for the duration of the block; `handler.port` is its port."""
    handler = handler or CountingInbox()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    handler.port = port
    try:
        yield handler
    finally:
        controller.stop()


def closed_port() -> int:
    """A port nothing listens on: connections to it are refused."""
    return free_port()


@contextlib.contextmanager
def silent_server():
    """Accepts TCP connections (the kernel completes the handshake) and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost signed by its own key: (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
