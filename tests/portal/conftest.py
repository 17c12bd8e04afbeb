"""Fixtures for the portal tests, which run without the Rasa server and the action server.

Database: a fresh SQLite file per test, or, when MAPBOT_TEST_POSTGRES_URL is set, a fresh
PostgreSQL database for the session (random name, dropped at the end) whose tables are
emptied before every test.

Rasa and the action server point at ports that nothing listens on, so every call to them
fails at once; `fake_rasa` serves a stand-in Rasa channel on Rasa's port (real HTTP on
loopback, tests/rasa_stand_in.py) for the tests about what the portal does with Rasa's
answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
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
from sqlalchemy import create_engine

import bot.core.security
from bot.config import Settings
from bot.database.models import Base
from bot.portal.app import create_app
from bot.services.alerts import AlertSender
from bot.services.store import Store, async_url
from tests.portal.portal_support import SECRET, Portal, Worker, unused_port
from tests.rasa_stand_in import RasaStandIn

POSTGRES_ENV = "MAPBOT_TEST_POSTGRES_URL"


# Database ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database for the whole session, or None for SQLite."""
    base = os.environ.get(POSTGRES_ENV, "").strip()
    if not base:
        yield None
        return
    parts = urlsplit(base)
    user = {} if parts.username else {"user": "postgres"}
    name = f"mapbot_test_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True, **user) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
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
    """An SQLite file with the empty schema: creating one costs ~0.2 s of fsyncs, copying
    it costs nothing. (The test of the start-up listener drops the tables first.)"""
    path = tmp_path_factory.mktemp("template") / "mapbot.db"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(request, tmp_path, postgres_url) -> str:
    """A database of this test's own: a copy of the SQLite template, or the session's
    PostgreSQL database with every table emptied."""
    if postgres_url is None:
        path = tmp_path / "mapbot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    # DELETE, children first: on a few rows it is many times faster than TRUNCATE.
    with psycopg.connect(postgres_url) as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table.name)))
    return postgres_url


@pytest.fixture
def drop_tables(database_url) -> Iterator[None]:
    """Leave the database without any table, as on a fresh machine (and put the tables
    back afterwards, for the tests that share the PostgreSQL database)."""
    engine = create_engine(async_url(database_url).replace("+aiosqlite", ""))
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:  # the migrations' record too (bot/database/migrations)
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    try:
        yield
    finally:
        Base.metadata.create_all(engine)
        engine.dispose()


@pytest.fixture
def empty_database_url(tmp_path, postgres_url) -> Iterator[str]:
    """A database of this test's own without any table: a new SQLite file, or, beside
    the session's PostgreSQL database, a new PostgreSQL database dropped afterwards."""
    if postgres_url is None:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    parts = urlsplit(postgres_url)
    name = f"mapbot_empty_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


# The app -----------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def one_ssl_context() -> Iterator[None]:
    """sanic-testing runs the app's start-up listener on every request, and it builds two
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


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch) -> None:
    """Argon2 with its production cost takes ~0.2 s a hash; the tests need hundreds."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(bot.core.security, "_hasher", cheap)
    monkeypatch.setattr(bot.core.security, "_DUMMY_HASH", cheap.hash("not a real password"))


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


@pytest.fixture
async def store(database_url) -> AsyncIterator[Store]:
    store = Store(database_url)
    yield store
    await stop_background_tasks()
    await store.close()


async def stop_background_tasks() -> None:
    """Let whatever the requests left running finish before the database and the event
    loop go away (cancelling a task mid-query leaves an aiosqlite thread behind)."""
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=10)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


@pytest.fixture(autouse=True)
def no_alert_loop(monkeypatch) -> None:
    """The start-up listener starts the safeguarding alert loop, and sanic-testing starts
    the app again for every request: a loop (and its database polling) per request would
    compete with the test. Alerts are stored with the flag all the same; delivering them
    is the alert sender's business, not tested here."""

    async def run_forever(self) -> None:
        return None

    monkeypatch.setattr(AlertSender, "run_forever", run_forever)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def make_app(settings, store):
    """Another app on the same database, with some settings changed."""

    def make_app(**changes):
        return fast_test_app(create_app(dataclasses.replace(settings, **changes), store=store))

    return make_app


def fast_test_app(app):
    """sanic-testing starts the app up again for every request (listeners included) and
    rebuilds its routers each time. The routes and signals never change here, and an app
    lives within one test's event loop, so each router is compiled once; and TouchUp (a
    start-up optimisation that recompiles Sanic's own code) is off. Together they took
    most of each request's time."""
    app.config.TOUCHUP = False
    for router in (app.router, app.signal_router):
        router.reset = _reset_unless_built(router)
    return app


def _reset_unless_built(router):
    reset = router.reset

    def reset_unless_built() -> None:
        if not router.finalized:
            reset()

    return reset_unless_built


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
