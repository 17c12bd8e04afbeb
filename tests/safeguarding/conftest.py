"""Fixtures for the safeguarding tests: flags, alerts, escalation and acknowledgement.

Alerts go to REAL local receivers, never to a mocked transport: a webhook HTTP server in
a thread and an SMTP server (aiosmtpd), both on free ports on 127.0.0.1, which can be
made to fail or be stopped. The portal tests run without the Rasa server and the action
server (their URLs point at ports nothing listens on).

Database: a fresh SQLite file per test, or, when MAPBOT_TEST_POSTGRES_URL is set, a fresh
PostgreSQL database for the session (random name, dropped at the end) whose tables are
emptied before every test.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx._transports.default as httpx_transports
import psycopg
import pytest
from argon2 import PasswordHasher
from psycopg import sql
from safeguarding_support import (
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
from sqlalchemy import create_engine, event

import bot.core.security
from bot.config import Settings
from bot.database.models import Base
from bot.portal.app import create_app
from bot.services.alerts import AlertSender
from bot.services.store import Store, async_url

POSTGRES_ENV = "MAPBOT_TEST_POSTGRES_URL"


# Database ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh, randomly named PostgreSQL database for the session, or None for SQLite."""
    base = os.environ.get(POSTGRES_ENV, "").strip()
    if not base:
        yield None
        return
    parts = urlsplit(base)
    user = {} if parts.username else {"user": "postgres"}
    name = f"mapbot_sg_test_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True, **user) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        # A throw-away database: commits need not wait for the disk.
        admin.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(
            sql.Identifier(name)))
    url = urlunsplit(parts._replace(path=f"/{name}"))
    engine = create_engine(async_url(url))
    Base.metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with psycopg.connect(base, autocommit=True, **user) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file with the empty schema, copied for each test."""
    path = tmp_path_factory.mktemp("sg-template") / "mapbot.db"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(request, tmp_path, postgres_url) -> str:
    if postgres_url is None:
        path = tmp_path / "mapbot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    with psycopg.connect(postgres_url) as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table.name)))
    return postgres_url


@pytest.fixture
async def store(database_url) -> AsyncIterator[Store]:
    store = Store(database_url)
    if database_url.startswith("sqlite"):
        # A throw-away file: no fsync on every commit (the corpus tests make thousands).
        @event.listens_for(store.engine.sync_engine, "connect")
        def no_fsync(dbapi_connection, connection_record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.close()

    yield store
    await store.close()


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch) -> None:
    """Argon2 at its production cost takes ~0.2 s a hash."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(bot.core.security, "_hasher", cheap)
    monkeypatch.setattr(bot.core.security, "_DUMMY_HASH", cheap.hash("not a real password"))


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


@pytest.fixture(scope="session")
def one_ssl_context() -> Iterator[None]:
    """sanic-testing runs the app's start-up listener on every request, which builds three
    httpx clients; loading the CA bundle for each costs ~25 ms and is never used (every
    call goes to plain HTTP on loopback), so the default context is built once."""
    original = httpx_transports.create_ssl_context
    default = original()

    def create_ssl_context(verify=True, cert=None, trust_env=True):
        if verify is True and cert is None:
            return default
        return original(verify=verify, cert=cert, trust_env=trust_env)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx_transports, "create_ssl_context", create_ssl_context)
        yield


@pytest.fixture
def portal_settings(database_url) -> Settings:
    """No alert channel (test_alert_delivery covers delivery); nothing listens for Rasa or
    the action server."""
    return Settings(database_url=database_url, public_url=PUBLIC_URL,
                    rasa_url=f"http://127.0.0.1:{unused_port()}", action_port=unused_port(),
                    rasa_timeout_seconds=2)


@pytest.fixture
def client(portal_settings, store, one_ssl_context, monkeypatch):
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
    app = create_app(portal_settings, store=store)
    app.config.TOUCHUP = False
    compile_routes_once(app)
    return app.asgi_client


def compile_routes_once(app) -> None:
    """sanic-testing resets and recompiles both routers before every request (~20 ms of
    code generation). The routes never change in these tests, so a reset of a compiled
    router is skipped; Sanic, in test mode, then ignores the repeated finalize."""
    for router in (app.router, app.signal_router):
        def reset(router=router, original=router.reset) -> None:
            if not router.finalized:
                original()

        router.reset = reset


# A worker and a family of theirs (modules that need the login token define their own).


@pytest.fixture
async def alice(store):
    return (await worker(store, "alice"))[0]


@pytest.fixture
async def family(store, alice):
    return await new_family(store, alice)
