"""Safeguarding emails go over verified TLS (bot/services/alerts.py), to a real local SMTP
server (aiosmtpd) with a certificate from a CA this test makes.

The server offers STARTTLS (or TLS from the first byte); the sender must refuse a
certificate no configured CA vouches for, accept one from the CA in `smtp_ca_file`,
use TLS even without a user, and send nothing to a server that offers no STARTTLS.
"""

from __future__ import annotations

import datetime
import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.config import Settings
from bot.services.alert_outbox import AlertJob
from bot.services.alerts import AlertSender, check_email_settings

USER, PASSWORD = "mapbot-alerts", "smtp-password-for-tests"


# A CA and a server certificate of the test's own ---------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    cert_file: Path
    key_file: Path


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Certificates:
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("MapBot test CA"))
          .issuer_name(_name("MapBot test CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                 x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return files


# The SMTP server ----------------------------------------------------------------------------


@dataclass
class Received:
    """What the server saw: each message, and whether it came over TLS; each login."""

    mails: list[tuple[bytes, bool]] = field(default_factory=list)
    logins: list[tuple[str, str, bool]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's
        self.mails.append((envelope.content, session.ssl is not None or server.tls))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, data) -> AuthResult:
        login = (data.login.decode(), data.password.decode(),
                 session.ssl is not None or server.tls)
        self.logins.append(login)
        return AuthResult(success=login[:2] == (USER, PASSWORD))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_context(certificates: Certificates) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)
    return context


class _Server:
    """aiosmtpd on 127.0.0.1: `mode` "starttls" (offers STARTTLS), "tls" (TLS from the
    first byte) or "plain" (no TLS at all). `tls` on the SMTP object says which."""

    def __init__(self, mode: str, certificates: Certificates) -> None:
        self.received = Received()
        self.port = _free_port()
        context = _server_context(certificates)
        options: dict = {"authenticator": self.received.authenticate,
                         "auth_require_tls": False}  # the client must insist, not the server
        if mode == "starttls":
            options["tls_context"] = context
        elif mode == "tls":
            options |= {"ssl_context": context, "server_hostname": "127.0.0.1"}
        self.controller = Controller(self.received, hostname="127.0.0.1", port=self.port,
                                     **options)
        self.controller.factory = self._factory(self.controller.factory, mode == "tls")

    @staticmethod
    def _factory(make, tls: bool):
        def factory():
            smtp = make()
            smtp.tls = tls
            return smtp
        return factory

    def __enter__(self) -> Received:
        self.controller.start()
        return self.received

    def __exit__(self, *exc) -> None:
        self.controller.stop()


@pytest.fixture
def server(certificates) -> Iterator:
    def start(mode: str = "starttls") -> _Server:
        return _Server(mode, certificates)
    yield start


def _settings(port: int, **changes) -> Settings:
    return replace(Settings(smtp_host="127.0.0.1", smtp_port=port,
                            smtp_from="mapbot@example.org", alert_email_to="team@example.org"),
                   **changes)


JOB = AlertJob(alert_id="a1", channel="email", event="raised", attempts=0, flag_id="f1",
               case_id="c1", case_reference="CASE-TLS-1", respondent_role="parent",
               category="harm", created_at="2026-01-01T10:00:00Z", address="team@example.org")


async def _deliver(settings: Settings) -> None:
    sender = AlertSender(settings, store=None)  # type: ignore[arg-type] - not used to send
    try:
        await sender.deliver(JOB)
    finally:
        await sender.close()


# STARTTLS (the default) ---------------------------------------------------------------------


async def test_a_certificate_no_configured_ca_vouches_for_is_refused(server) -> None:
    """The test's CA is not among the system's: nothing is sent, and the password never
    leaves (the old code's unverified STARTTLS sent both)."""
    running = server("starttls")
    with running as received, pytest.raises(ssl.SSLCertVerificationError):
        await _deliver(_settings(running.port, smtp_user=USER, smtp_password=PASSWORD))
    assert received.mails == [] and received.logins == []


async def test_a_certificate_from_the_configured_ca_is_accepted(server, certificates) -> None:
    running = server("starttls")
    with running as received:
        await _deliver(_settings(running.port, smtp_user=USER, smtp_password=PASSWORD,
                                 smtp_ca_file=str(certificates.ca_file)))
    assert received.logins == [(USER, PASSWORD, True)]
    [(content, over_tls)] = received.mails
    assert over_tls and b"CASE-TLS-1" in content


async def test_without_a_user_the_email_still_goes_over_tls(server, certificates) -> None:
    running = server("starttls")
    with running as received:
        await _deliver(_settings(running.port, smtp_ca_file=str(certificates.ca_file)))
    [(content, over_tls)] = received.mails
    assert over_tls, "the email went in plain text"
    assert received.logins == []


async def test_a_server_offering_no_starttls_gets_nothing(server, certificates) -> None:
    running = server("plain")
    with running as received, pytest.raises(smtplib.SMTPNotSupportedError):
        await _deliver(_settings(running.port, smtp_ca_file=str(certificates.ca_file)))
    assert received.mails == []


# TLS from the first byte, and TLS explicitly off --------------------------------------------


async def test_tls_from_the_first_byte_verifies_the_certificate_too(
        server, certificates) -> None:
    running = server("tls")
    with running as received:
        with pytest.raises(ssl.SSLCertVerificationError):
            await _deliver(_settings(running.port, smtp_tls="tls"))
        assert received.mails == []
        await _deliver(_settings(running.port, smtp_tls="tls", smtp_user=USER,
                                 smtp_password=PASSWORD, smtp_ca_file=str(certificates.ca_file)))
    assert received.logins == [(USER, PASSWORD, True)]
    [(_, over_tls)] = received.mails
    assert over_tls


async def test_tls_off_sends_plain_text_to_a_local_relay(server) -> None:
    running = server("plain")
    with running as received:
        await _deliver(_settings(running.port, smtp_tls="off"))
    [(_, over_tls)] = received.mails
    assert not over_tls


def test_a_password_is_never_configured_for_plain_text() -> None:
    with pytest.raises(ValueError, match="MAPBOT_SMTP_TLS"):
        check_email_settings(_settings(25, smtp_tls="off", smtp_user=USER,
                                       smtp_password=PASSWORD))
    check_email_settings(_settings(25, smtp_tls="off"))  # a relay without a password
    check_email_settings(_settings(25, smtp_user=USER, smtp_password=PASSWORD))
