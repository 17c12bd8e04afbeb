"""Fixtures for the portal tests, which run without the Rasa server and the action server.

Database: tests/database_fixtures.py (the same for every folder that uses one).

Rasa and the action server point at ports that nothing listens on, so every call to them
fails at once; `fake_rasa` serves a stand-in Rasa channel on Rasa's port (real HTTP on
loopback, tests/rasa_stand_in.py) for the tests about what the portal does with Rasa's
answers.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from bot.config import Settings
from bot.portal import peers
from bot.portal.app import create_app
from bot.portal.shared_state import REDIS_DOWN, Shared, connect
from bot.services.alerts import AlertSender
from tests import database_fixtures
from tests.database_fixtures import fast_test_app
from tests.portal.portal_support import SECRET, Portal, Worker, unused_port
from tests.rasa_stand_in import RasaStandIn

# The database fixtures of every folder that uses one (tests/database_fixtures.py).
database_url = database_fixtures.database_url
drop_tables = database_fixtures.drop_tables
empty_database_url = database_fixtures.empty_database_url
fast_passwords = database_fixtures.fast_passwords
one_ssl_context = database_fixtures.one_ssl_context
postgres_url = database_fixtures.postgres_url
sqlite_template = database_fixtures.sqlite_template
store = database_fixtures.store


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(
        database_url=database_url,
        internal_secret=SECRET,
        rasa_channel_secret="channel-" + SECRET,
        rasa_url=f"http://127.0.0.1:{unused_port()}",
        action_port=unused_port(),
        public_url="https://mapbot.example.org",
        rasa_timeout_seconds=2,
    )


@pytest.fixture(autouse=True)
def no_alert_loop(monkeypatch) -> None:
    """The start-up listener starts the safeguarding alert loop, and sanic-testing starts
    the app again for every request: a loop (and its database polling) per request would
    compete with the test. Alerts are stored with the flag all the same; delivering them
    is the alert sender's business, not tested here."""

    async def run_forever(self) -> None:
        return None

    monkeypatch.setattr(AlertSender, "run_forever", run_forever)


@pytest.fixture(autouse=True)
def asgi_peer_is_loopback(monkeypatch) -> None:
    """sanic-testing's ASGI client has no socket: its peer is the name "mockserver".
    Here it stands for loopback, as the action server is; tests/portal/test_peers.py
    checks the real addresses over real sockets."""
    def peer_ip(request) -> str:
        return "127.0.0.1" if request.ip == "mockserver" else request.ip

    monkeypatch.setattr(peers, "peer_ip", peer_ip)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def make_app(settings, store):
    """Another app on the same database, with some settings changed."""

    def make_app(**changes):
        return fast_test_app(create_app(dataclasses.replace(settings, **changes), store=store))

    return make_app


@pytest.fixture
def client(app):
    """sanic-testing's ASGI client: every request runs the app's start-up and shut-down
    listeners around it (so the schema is created, or found, on each request)."""
    return app.asgi_client


# Workers, cases, invitations, answers ------------------------------------------------


@pytest.fixture
def portal(client, store) -> Portal:
    return Portal(client, store)


@pytest.fixture
async def alice(portal) -> Worker:
    return await portal.add_worker("alice")


@pytest.fixture
async def bob(portal) -> Worker:
    return await portal.add_worker("bob")


@pytest.fixture
async def case(portal, alice) -> dict:
    return await portal.create_case(alice, "CASE-0001", "Alex Example")


@pytest.fixture
async def invitation(portal, alice, case) -> dict:
    return await portal.invite(alice, case["id"], "parent", "Jo Parent")


# A stand-in Rasa -----------------------------------------------------------------------


@pytest.fixture
async def fake_rasa(settings) -> AsyncIterator[RasaStandIn]:
    """Rasa's mapbot channel, with its action server up, where the portal looks for it."""
    stand_in = await RasaStandIn(urlsplit(settings.rasa_url).port).start()
    yield stand_in
    await stand_in.stop()


# Redis, for what several portals share ------------------------------------------------


@pytest.fixture
async def redis_shared() -> AsyncIterator[Shared]:
    """The test Redis (MAPBOT_TEST_REDIS_URL, or redis://127.0.0.1:6379/0) under a key
    prefix of this test's own, emptied afterwards; skipped, saying why, without Redis."""
    redis = connect(os.environ.get("MAPBOT_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0")
    assert redis is not None
    try:
        await redis.ping()
    except REDIS_DOWN as error:
        await redis.aclose()
        database_fixtures.unavailable(f"Redis is not reachable ({error})")
    shared = Shared(redis, f"mapbot-test-{secrets.token_hex(6)}")
    yield shared
    keys = [key async for key in redis.scan_iter(match=f"{shared.prefix}:*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()
