"""Fixtures for the portal tests, which run without the Rasa server and the action server.

Database: a fresh SQLite file per test, or, when MAPBOT_TEST_POSTGRES_URL is set, a fresh
PostgreSQL database for the session (random name, dropped at the end) whose tables are
emptied before every test.

Rasa and the action server point at ports that nothing listens on, so every call to them
fails at once; `fake_rasa` swaps in a stand-in Rasa (an httpx mock transport) for the few
tests about what the portal does with Rasa's answers.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

import httpx
import httpx._transports.default as httpx_transports
import psycopg
import pytest
from argon2 import PasswordHasher
from psycopg import sql
from sqlalchemy import create_engine, func, select

import bot.portal.app as portal_app
import bot.portal.chat as portal_chat
import bot.security
from bot.config import Settings
from bot.models import Base, Respondent
from bot.portal.app import create_app
from bot.rasa_client import RasaClient
from bot.store import Store, async_url

POSTGRES_ENV = "MAPBOT_TEST_POSTGRES_URL"
SECRET = "s3cret"
PASSWORD = "correct horse battery staple"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def parse_iso(value: str) -> datetime:
    assert isinstance(value, str) and ISO_UTC.match(value), f"not ISO 8601 UTC with Z: {value!r}"
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=timezone.utc)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    try:
        yield url
    finally:
        with psycopg.connect(base, autocommit=True, **user) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


@pytest.fixture
def database_url(tmp_path, postgres_url) -> str:
    if postgres_url is None:
        return f"sqlite:///{tmp_path / 'mapbot.db'}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        existing = {row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        tables = [t.name for t in Base.metadata.sorted_tables if t.name in existing]
        if tables:
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(map(sql.Identifier, tables))))
    return postgres_url


@pytest.fixture
def drop_tables(database_url) -> None:
    """Leave the database without any table, as on a fresh machine."""
    engine = create_engine(async_url(database_url).replace("+aiosqlite", ""))
    Base.metadata.drop_all(engine)
    engine.dispose()


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
    monkeypatch.setattr(bot.security, "_hasher", cheap)
    monkeypatch.setattr(bot.security, "_DUMMY_HASH", cheap.hash("not a real password"))


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(
        database_url=database_url,
        internal_secret=SECRET,
        rasa_url=f"http://127.0.0.1:{unused_port()}",
        action_port=unused_port(),
        public_url="https://mapbot.example.org",
        rasa_timeout_seconds=2,
    )


@pytest.fixture
async def store(database_url) -> AsyncIterator[Store]:
    store = Store(database_url)
    yield store
    await store.close()


@pytest.fixture
def app(settings, store):
    app = create_app(settings, store=store)
    # sanic-testing starts the app up again for every request; TouchUp (a start-up
    # optimisation that recompiles Sanic's own code) would then cost ~40 ms a request.
    app.config.TOUCHUP = False
    return app


@pytest.fixture
async def client(app):
    """The ASGI client, after one request so that the app's listener made the schema."""
    client = app.asgi_client
    _, response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    return client


# Workers, cases, invitations, answers ------------------------------------------------


@dataclass
class Worker:
    id: str
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Portal:
    """The client plus the calls that most tests need, all through the public API
    (and the internal endpoint, as the action server would call it)."""

    client: object
    store: Store
    secret_headers: dict = field(default_factory=lambda: {"Authorization": f"Bearer {SECRET}"})

    async def add_worker(self, username: str) -> Worker:
        worker_id = await self.store.add_worker(username, PASSWORD)
        token, _ = await self.store.login(username, PASSWORD, hours=1)
        return Worker(worker_id, username, token)

    async def create_case(self, worker: Worker, reference: str = "CASE-0001",
                          child_name: str = "Alex Example") -> dict:
        _, response = await self.client.post(
            "/api/v1/cases", json={"reference": reference, "child_name": child_name},
            headers=worker.headers)
        assert response.status == 201, response.text
        return response.json

    async def invite(self, worker: Worker, case_id: str, role: str = "parent",
                     name: str = "Jo Parent") -> dict:
        _, response = await self.client.post(
            f"/api/v1/cases/{case_id}/invitations", json={"role": role, "name": name},
            headers=worker.headers)
        assert response.status == 201, response.text
        invitation = response.json
        invitation["conversation_id"] = await self.conversation_id(invitation["id"])
        return invitation

    async def conversation_id(self, respondent_id: str) -> str:
        """The Rasa sender id; only the database knows it (never the browser)."""
        async with self.store.sessions() as session:
            return await session.scalar(
                select(Respondent.conversation_id).where(Respondent.id == respondent_id))

    async def respondent(self, respondent_id: str) -> Respondent:
        async with self.store.sessions() as session:
            return await session.get(Respondent, respondent_id)

    async def count(self, model) -> int:
        async with self.store.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model))

    async def put_answer(self, conversation_id: str, key: str, *, headers: dict | None = None,
                         **body):
        _, response = await self.client.put(
            f"/internal/v1/conversations/{conversation_id}/answers/{key}", json=body,
            headers=self.secret_headers if headers is None else headers)
        return response

    async def answer(self, conversation_id: str, key: str, **body) -> dict:
        body.setdefault("question", f"Question {key}?")
        response = await self.put_answer(conversation_id, key, **body)
        assert response.status == 200, response.text
        return response.json

    async def submit(self, conversation_id: str) -> dict:
        _, response = await self.client.post(
            f"/internal/v1/conversations/{conversation_id}/submit", headers=self.secret_headers)
        assert response.status == 200, response.text
        return response.json

    async def draft_map(self, worker: Worker, case_id: str) -> dict:
        _, response = await self.client.get(f"/api/v1/cases/{case_id}/map",
                                            headers=worker.headers)
        assert response.status == 200, response.text
        return response.json


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


@dataclass
class FakeRasa:
    """Answers the REST webhook like Rasa does; records what the portal sent."""

    reply: list[dict] = field(default_factory=lambda: [{"text": "Hello, I am MapBot."}])
    status: int = 200
    sent: list[dict] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200, text="Hello from Rasa: 3.6.21")
        assert request.url.path == "/webhooks/rest/webhook"
        self.sent.append(json.loads(request.content))
        return httpx.Response(self.status, json=self.reply)


@pytest.fixture
def fake_rasa(monkeypatch) -> FakeRasa:
    """Rasa answers through a mock transport and the action server counts as up."""
    fake = FakeRasa()

    class FakeRasaClient(RasaClient):
        def __init__(self, base_url: str, timeout: float) -> None:  # noqa: B903
            self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout,
                                           transport=httpx.MockTransport(fake.handle))

    async def action_server_up(http, action_url) -> bool:
        return True

    monkeypatch.setattr(portal_app, "RasaClient", FakeRasaClient)
    monkeypatch.setattr(portal_app, "action_server_up", action_server_up)
    monkeypatch.setattr(portal_chat, "action_server_up", action_server_up)
    return fake
