"""Fixtures for the safeguarding tests: flags, alerts, escalation and acknowledgement.

Alerts go to REAL local receivers, never to a mocked transport: a webhook HTTP server in
a thread and an SMTP server (aiosmtpd), both on free ports on 127.0.0.1, which can be
made to fail or be stopped. The portal tests run without the Rasa server and the action
server (their URLs point at ports nothing listens on).

Database: tests/database_fixtures.py (the same for every folder that uses one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.config import Settings
from bot.portal.app import create_app
from bot.services.alerts import AlertSender
from tests import database_fixtures
from tests.database_fixtures import fast_test_app
from tests.services.safeguarding.safeguarding_support import (
    ALERT_TO,
    DUTY_TO,
    PUBLIC_URL,
    WEBHOOK_SECRET,
    SmtpReceiver,
    WebhookReceiver,
    new_family,
    unused_port,
    worker,
)

# The database fixtures of every folder that uses one (tests/database_fixtures.py).
database_url = database_fixtures.database_url
fast_passwords = database_fixtures.fast_passwords
one_ssl_context = database_fixtures.one_ssl_context
postgres_url = database_fixtures.postgres_url
sqlite_template = database_fixtures.sqlite_template
store = database_fixtures.store

# The receivers ----------------------------------------------------------------------------


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def settings(database_url, webhook, smtp) -> Settings:
    """Both channels on, pointing at the local receivers."""
    return Settings(
        database_url=database_url,
        public_url=PUBLIC_URL,
        rasa_url=f"http://127.0.0.1:{unused_port()}",
        action_port=unused_port(),
        alert_webhook_url=webhook.url,
        alert_webhook_secret=WEBHOOK_SECRET,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="off",  # a plain local relay (TLS: tests/services/test_smtp_tls.py)
        smtp_from="mapbot@example.org",
        alert_email_to=ALERT_TO,
        duty_email_to=DUTY_TO,
        escalate_after_minutes=30,
    )


@pytest.fixture
async def sender(settings, store) -> AsyncIterator[AlertSender]:
    sender = AlertSender(settings, store)
    yield sender
    await sender.close()


# The portal, without Rasa ------------------------------------------------------------------


@pytest.fixture
def portal_settings(database_url) -> Settings:
    """No alert channel (test_alert_delivery covers delivery); nothing listens for Rasa or
    the action server."""
    return Settings(database_url=database_url, public_url=PUBLIC_URL,
                    rasa_url=f"http://127.0.0.1:{unused_port()}", action_port=unused_port(),
                    rasa_timeout_seconds=2)


@pytest.fixture
def client(portal_settings, store, monkeypatch):
    """sanic-testing's ASGI client for an app built as the portal tests build it.

    sanic-testing runs the app's start-up listener around every request. Three test-only
    economies keep the ~1,200 requests of the corpus tests fast: the schema (already in
    the template / session database) is not checked again each time, and the alert loop
    each start-up would leave behind (sanic-testing never stops them; hundreds of waiting
    tasks slow every later request) is not started: test_alert_delivery drives
    `AlertSender.tick()` itself; and the routes are compiled once."""
    async def nothing(*args) -> None:
        return None

    monkeypatch.setattr(store, "create_schema", nothing)
    monkeypatch.setattr(AlertSender, "run_forever", nothing)
    return fast_test_app(create_app(portal_settings, store=store)).asgi_client


# A worker and a family of theirs (modules that need the login token define their own).


@pytest.fixture
async def alice(store):
    return (await worker(store, "alice"))[0]


@pytest.fixture
async def family(store, alice):
    return await new_family(store, alice)
