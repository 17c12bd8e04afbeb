"""The three real services, started once per test session on free ports.

The model is trained once (or reused when the training data is unchanged), the
database is a fresh SQLite file, or a fresh PostgreSQL database when
MAPBOT_TEST_POSTGRES_URL is set (as in CI).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml

from bot.config import ROOT, Settings
from bot.operations.stack import Stack, free_port, local_settings, running, train
from bot.operations.stack import add_worker as add_account
from tests import notify_stand_in
from tests.database_fixtures import postgres_database, postgres_server

WORKER_PASSWORD = "correct horse battery staple"
# Where the stack's safeguarding alert emails go: a real SMTP server the tests run.
ALERT_INBOX = "safeguarding-inbox@example.org"


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The portal's database and Rasa's tracker database (tests/database_fixtures.py)."""
    server = postgres_server()
    if server is None:
        folder = tmp_path_factory.mktemp("db")
        yield f"sqlite:///{folder / 'mapbot.db'}", f"sqlite:///{folder / 'trackers.db'}"
        return
    with postgres_database(server, "mapbot_e2e") as portal, \
            postgres_database(server, "mapbot_e2e_trackers") as trackers:
        yield portal, trackers


class Mailbox:
    """aiosmtpd handler: keeps every message the portal sends, as parsed email."""

    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.mails.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                   policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 for the stack's alert emails."""
    from aiosmtpd.controller import Controller

    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture(scope="session")
def notify() -> Iterator[notify_stand_in.NotifyStandIn]:
    """A local server answering GOV.UK Notify's API (tests/notify_stand_in.py)."""
    found, server = notify_stand_in.start()
    yield found
    server.shutdown()


@pytest.fixture(scope="session")
def stack(databases, mailbox, notify) -> Iterator[Stack]:
    """The three services as production runs them, started as the benchmark starts them
    (bot/operations/stack.py `running`)."""
    settings = local_settings(
        databases[0], databases[1],
        smtp_host="127.0.0.1", smtp_port=mailbox[1], smtp_tls="off",
        smtp_from="mapbot@example.org",
        alert_email_to=ALERT_INBOX, alert_poll_seconds=0.5,
        notify_api_key=notify_stand_in.API_KEY, notify_base_url=notify.url,
        notify_sms_invitation_template=notify_stand_in.SMS_INVITATION,
        notify_email_invitation_template=notify_stand_in.EMAIL_INVITATION,
        notify_sms_reminder_template=notify_stand_in.SMS_REMINDER,
        notify_email_reminder_template=notify_stand_in.EMAIL_REMINDER,
        reminder_days=2, reminder_poll_seconds=0.5)
    # One folder per run: generated config and logs of parallel runs must not mix.
    logs = ROOT / "tests" / "artifacts" / "logs" / f"run-{os.getpid()}"
    train(settings, log=logs / "train.log")
    with running(settings, logs) as services:
        add_worker(services.settings, "worker1")
        add_worker(services.settings, "worker2")
        yield services


def add_worker(settings: Settings, username: str, *kind: str) -> None:
    """Through the real command line, as an administrator would (`kind`: "--duty"...)."""
    add_account(settings, username, WORKER_PASSWORD, *kind)


@dataclass
class Family:
    """One invited person talking through the public chat endpoint."""

    client: httpx.Client
    token: str
    invitation_id: str
    transcript: list[tuple[str, list[dict]]] = field(default_factory=list)

    def post(self, text: str) -> httpx.Response:
        return self.client.post(f"/api/v1/chat/{self.token}/messages", json={"text": text})

    def say(self, text: str) -> list[dict]:
        response = self.post(text)
        assert response.status_code == 200, (text, response.status_code, response.text)
        messages = response.json()["messages"]
        self.transcript.append((text, messages))
        return messages


@dataclass
class Worker:
    client: httpx.Client
    headers: dict[str, str]

    def new_case(self, child_name: str = "Jamie", reference: str = "C-100") -> str:
        response = self.client.post("/api/v1/cases", headers=self.headers,
                                    json={"reference": reference, "child_name": child_name})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def invite(self, case_id: str, role: str, name: str, **extra: str) -> Family:
        """`extra`: the invitation's optional fields ("relationship", "questions")."""
        response = self.client.post(f"/api/v1/cases/{case_id}/invitations",
                                    headers=self.headers,
                                    json={"role": role, "name": name, **extra})
        assert response.status_code == 201, response.text
        body = response.json()
        return Family(self.client, body["token"], body["id"])

    def map(self, case_id: str) -> dict:
        response = self.client.get(f"/api/v1/cases/{case_id}/map", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def portal(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.settings.port}", timeout=60) as client:
        yield client


def login(client: httpx.Client, username: str) -> Worker:
    response = client.post("/api/v1/login",
                           json={"username": username, "password": WORKER_PASSWORD})
    assert response.status_code == 200, response.text
    return Worker(client, {"Authorization": f"Bearer {response.json()['token']}"})


@pytest.fixture
def worker(portal: httpx.Client) -> Worker:
    return login(portal, "worker1")


@pytest.fixture
def other_worker(portal: httpx.Client) -> Worker:
    return login(portal, "worker2")


def texts(messages: list[dict]) -> str:
    return "\n".join(message["text"] for message in messages)


def payloads(messages: list[dict]) -> list[str]:
    return [button["payload"] for message in messages for button in message.get("buttons", [])]


def asked(messages: list[dict]) -> str | None:
    """The question key the assistant asked last, from its `custom` data."""
    keys = [m["custom"]["question"] for m in messages if "question" in m.get("custom", {})]
    return keys[-1] if keys else None


def skip_to_question(family: Family, question: str) -> list[dict]:
    """Start, and skip every question before `question`."""
    family.say("hello")
    messages = family.say("yes")
    while asked(messages) != question:
        assert asked(messages), "the conversation ended before the question"
        messages = family.say("/skip")
    return messages


def skip_rest_and_send(family: Family, messages: list[dict]) -> None:
    """Skip what is left, and send."""
    while asked(messages):
        messages = family.say("/skip")
    family.say("/send")



def conversation_id(stack: Stack, family: Family) -> str:
    """The Rasa sender id behind an invitation (only the portal knows it)."""
    from bot.services.store import Store

    async def find() -> str:
        store = Store(stack.settings.database_url)
        try:
            return (await store.respondent_for_token(family.token)).conversation_id
        finally:
            await store.close()

    # In a thread of its own: a browser test's Playwright keeps an event loop running in
    # this one for the whole session, and asyncio.run() refuses to run beside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, find()).result()


def action_call(stack: Stack, family: Family, slot: str, text: str) -> dict:
    """The call Rasa makes to validate an answer to `slot` in the adult form."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    user = {"event": "user", "text": text, "parse_data": {
        "intent": {"name": "inform_strength", "confidence": 0.9}, "entities": [],
        "text": text, "metadata": {"text": text}}}
    slots = {"requested_slot": slot, slot: text, "role": "parent", "audience": "adult",
             "name": "Kit", "child_name": "Jamie"}
    return {"next_action": "validate_adult_form", "sender_id": conversation_id(stack, family),
            "version": "3.6.21", "domain": domain, "tracker": {
                "sender_id": conversation_id(stack, family), "slots": slots,
                "latest_message": user["parse_data"], "events": [
                    user, {"event": "slot", "name": slot, "value": text}],
                "paused": False, "followup_action": None,
                "active_loop": {"name": "adult_form"}, "latest_action_name": "action_listen"}}


def call_action_server(stack: Stack, call: dict, secret: str | None = "") -> httpx.Response:
    secret = stack.settings.action_secret if secret == "" else secret
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.post(f"{stack.settings.action_url}/webhook", json=call, headers=headers,
                      timeout=30)


# Browser ----------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
# Debian's chromium, offline: no background networking, no first-run or sync traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser():
    """Real Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, stack: Stack):
    context = browser.new_context(base_url=f"http://127.0.0.1:{stack.settings.port}")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """WCAG 2.2 A/AA violations that axe-core finds on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return results.response["violations"]


def start_portal_alone(stack: Stack, page: str, logs: Path) -> str:
    """Start the stack's portal on its own (no Rasa) and wait until `page` answers 200;
    its base URL. For screens that do not need the assistant."""
    base = f"http://127.0.0.1:{stack.settings.port}"
    stack.start("portal")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}{page}", timeout=5).status_code == 200:
                return base
        time.sleep(0.5)
    raise TimeoutError(f"the portal did not start; see {logs}")
