"""The one database fixture module of the tests that use MapBot's database (portal,
services, services/safeguarding, database, e2e).

Database: a fresh SQLite file per test (a copy of a template with the empty schema), or,
when MAPBOT_TEST_POSTGRES_URL is set (as in CI), a fresh PostgreSQL database for the
session (random name, dropped at the end) whose tables are emptied before every test.

A conftest takes these fixtures by importing them (`from tests.database_fixtures import
...`): fixtures imported into a conftest are that folder's fixtures. The helpers
(`postgres_database`, `fast_test_app`, `stop_background_tasks`) are plain functions.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from sqlalchemy import create_engine, event

import bot.core.security
from bot.database.models import Base
from bot.services.store import Store, async_url

POSTGRES_ENV = "MAPBOT_TEST_POSTGRES_URL"


def postgres_server() -> str | None:
    """The PostgreSQL server the tests make their databases on, or None (SQLite)."""
    return os.environ.get(POSTGRES_ENV, "").strip() or None


@contextlib.contextmanager
def postgres_database(server_url: str, prefix: str = "mapbot_test") -> Iterator[str]:
    """A new, randomly named database on `server_url`, dropped afterwards. A throw-away
    database: commits need not wait for the disk."""
    parts = urlsplit(server_url)
    user = {} if parts.username else {"user": "postgres"}
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True, **user) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(
            sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True, **user) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


def unavailable(reason: str) -> None:
    """A test that needs PostgreSQL, Redis or pg_ctl and cannot have it: skipped on a
    developer's machine, saying why; failed where CI is set, which must run everything."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: this test must run, not skip)", pytrace=False)
    pytest.skip(reason)


def create_schema(url: str) -> None:
    engine = create_engine(async_url(url).replace("+aiosqlite", "").replace("+asyncpg", ""))
    Base.metadata.create_all(engine)
    engine.dispose()


# Database ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database with the schema for the whole session, or None."""
    server = postgres_server()
    if server is None:
        yield None
        return
    with postgres_database(server) as url:
        create_schema(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file with the empty schema: creating one costs ~0.2 s of fsyncs, copying
    it costs nothing."""
    path = tmp_path_factory.mktemp("template") / "mapbot.db"
    create_schema(f"sqlite:///{path}")
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
    with postgres_database(postgres_url, "mapbot_empty") as url:
        yield url


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


# Cheaper test runs ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch) -> None:
    """Argon2 with its production cost takes ~0.2 s a hash; the tests need hundreds."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(bot.core.security, "_hasher", cheap)
    monkeypatch.setattr(bot.core.security, "_DUMMY_HASH", cheap.hash("not a real password"))


@pytest.fixture(autouse=True, scope="session")
def one_ssl_context() -> Iterator[None]:
    """sanic-testing runs the app's start-up listener on every request, and it builds
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


def fast_test_app(app):
    """sanic-testing starts the app up again for every request (listeners included) and
    resets and recompiles its routers each time (~20 ms of code generation). The routes
    and signals never change here, and an app lives within one test's event loop, so each
    router is compiled once; and TouchUp (a start-up optimisation that recompiles Sanic's
    own code) is off. Together they took most of each request's time."""
    app.config.TOUCHUP = False
    for router in (app.router, app.signal_router):
        def reset(router=router, original=router.reset) -> None:
            if not router.finalized:
                original()

        router.reset = reset
    return app
