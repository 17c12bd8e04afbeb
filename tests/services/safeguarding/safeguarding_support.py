"""Helpers for the safeguarding tests: real local receivers for the alerts (a webhook
HTTP server in a thread and an aiosmtpd SMTP server), and short cuts into the store.

Kept out of conftest.py so that test modules can import them by a name that no other
test directory uses.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from bot.core.safeguarding.detector import detect
from bot.database.models import Alert, Flag, Worker, utcnow
from bot.services.store import Store

DATA = Path(__file__).resolve().parents[2] / "data" / "safeguarding"
PASSWORD = "correct horse battery staple"
WEBHOOK_SECRET = "webhook-s3cret-for-tests"
ALERT_TO = "safeguarding-team@example.org"
DUTY_TO = "duty-manager@example.org"
PUBLIC_URL = "https://mapbot.example.org"
CHILD_NAME = "Alexandra Testchild"
PERSON_NAME = "Jolene Testparent"
REFERENCE = "CASE-SG-0042"
# A disclosure the detector flags (checked in `new_family`'s callers through `flagged`).
DISCLOSURE = "my dad hits me with his belt when he is drunk"


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lines(name: str) -> list[str]:
    """The messages of a data file: one a line, without comments and blank lines."""
    text = (DATA / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def flagged(text: str) -> str:
    assert detect(text) is not None, f"the detector does not flag {text!r}"
    return text


# The webhook receiver --------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that records every request. `status` says what it
    answers; `stop()` closes the port (connection refused) and `start()` opens it again."""

    port: int = field(default_factory=unused_port)
    status: int = 200
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/mapbot"

    @property
    def delivered(self) -> list[Received]:
        """The requests it accepted (answered 2xx)."""
        return [r for r in self.requests if 200 <= r.status < 300]

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.status
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    receiver.requests.append(Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None


def verify_signature(header: str, body: bytes, secret: str, max_age: float = 300) -> int:
    """Check `t=<ts>,v1=<hex>` as a receiver would; return the timestamp."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    assert set(parts) == {"t", "v1"}, header
    timestamp = int(parts["t"])
    assert abs(time.time() - timestamp) <= max_age, "the signature's timestamp is not now"
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected), "the webhook signature does not verify"
    return timestamp


# The SMTP receiver -----------------------------------------------------------------------


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def raw(self) -> str:
        return self.message.as_string()


class Mailbox:
    """aiosmtpd handler: keeps every message; with `fail` set it answers 451 (try later)."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.fail = False

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        if self.fail:
            return "451 4.3.0 Mailbox busy, try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; stop() makes the port refuse."""

    def __init__(self) -> None:
        self.port = unused_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    @property
    def mails(self) -> list[Mail]:
        return self.mailbox.mails

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails if address in mail.rcpt_tos]

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


# The store -------------------------------------------------------------------------------


@dataclass
class Family:
    """One case with one invited person, made through the store API."""

    worker: Worker
    case: dict
    respondent: dict
    token: str
    respondent_id: str = ""

    def __post_init__(self) -> None:
        self.respondent_id = self.respondent["id"]


async def worker(store: Store, username: str) -> tuple[Worker, str]:
    """A worker account, and a login token for it."""
    await store.add_worker(username, PASSWORD)
    token, _ = await store.login(username, PASSWORD, hours=1)
    return await store.worker_for_token(token), token


async def new_family(store: Store, owner: Worker, reference: str = REFERENCE,
                     child_name: str = CHILD_NAME, role: str = "parent",
                     name: str = PERSON_NAME) -> Family:
    case = await store.create_case(owner, reference, child_name)
    respondent, token = await store.create_invitation(owner, case["id"], role, name, days=28)
    found = await store.respondent_for_token(token)
    assert found.id == respondent["id"]
    return Family(owner, case, respondent, token)


async def all_alerts(store: Store) -> list[Alert]:
    async with store.sessions() as session:
        return list(await session.scalars(select(Alert).order_by(Alert.event, Alert.channel)))


async def all_flags(store: Store) -> list[Flag]:
    async with store.sessions() as session:
        return list(await session.scalars(select(Flag).order_by(Flag.created_at)))


async def make_due(store: Store) -> None:
    """Every alert's next attempt is now due (as if its back-off had passed)."""
    async with store.sessions.begin() as session:
        await session.execute(update(Alert).values(
            next_attempt_at=utcnow() - timedelta(seconds=1)))


async def age_flags(store: Store, minutes: float) -> None:
    """Every flag was raised (and its alerts last written) `minutes` ago."""
    async with store.sessions.begin() as session:
        await session.execute(update(Flag).values(
            created_at=utcnow() - timedelta(minutes=minutes)))
        await session.execute(update(Flag).where(Flag.alerted_at.is_not(None)).values(
            alerted_at=utcnow() - timedelta(minutes=minutes)))
