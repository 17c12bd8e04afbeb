"""Local accounts (issue 21, item 8), through the API and the `mapbot worker` commands:
switching an account off (checked on every request) and on, an administrator setting a
password, and expired API tokens cleaned up."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from bot.database.models import LoginToken, Worker
from bot.operations import cli
from tests.portal.portal_support import PASSWORD

NEW_PASSWORD = "a brand new password for alice"


@pytest.fixture
def mapbot(monkeypatch, database_url):
    """`mapbot worker ...` on the test's database, as an administrator runs it."""
    monkeypatch.setenv("MAPBOT_DATABASE_URL", database_url)

    async def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return await asyncio.to_thread(cli.main, ["worker", *args])

    return run


async def _login(client, password: str = PASSWORD, username: str = "alice"):
    _, response = await client.post("/api/v1/login",
                                     json={"username": username, "password": password})
    return response


async def _cases(client, headers: dict[str, str]) -> int:
    _, response = await client.get("/api/v1/cases", headers=headers)
    return response.status


async def test_a_switched_off_worker_is_out_at_once_and_can_come_back(portal, alice, mapbot):
    wrong = await _login(portal.client, "not the password")
    assert await _cases(portal.client, alice.headers) == 200
    assert await mapbot("disable", "alice") == 0
    assert await _cases(portal.client, alice.headers) == 401
    refused = await _login(portal.client)  # the right password: told no more than a wrong one
    assert (refused.status, refused.body) == (401, wrong.body)
    assert await mapbot("enable", "alice") == 0
    assert await _cases(portal.client, alice.headers) == 401  # old tokens stay ended
    response = await _login(portal.client)
    assert response.status == 200
    headers = {"Authorization": f"Bearer {response.json['token']}"}
    assert await _cases(portal.client, headers) == 200


async def test_switched_off_is_checked_on_every_request(portal, alice):
    """Even a token that was not ended (say, the account was switched off in the
    database by hand) stops working on its next request."""
    assert await _cases(portal.client, alice.headers) == 200
    async with portal.store.sessions.begin() as session:
        await session.execute(update(Worker).where(Worker.username == "alice")
                              .values(disabled_at=datetime.now(timezone.utc)))
    assert await _cases(portal.client, alice.headers) == 401


async def test_unknown_workers_are_named_kindly(mapbot, capsys):
    assert await mapbot("disable", "nobody") == 1
    assert await mapbot("password", "nobody", "--password-stdin", stdin=NEW_PASSWORD) == 1
    assert "There is no worker called 'nobody'." in capsys.readouterr().err


async def test_an_administrator_sets_a_password_and_every_token_ends(portal, alice, mapbot):
    assert await mapbot("password", "alice", "--password-stdin", stdin="too short\n") == 2
    assert await _cases(portal.client, alice.headers) == 200
    assert await mapbot("password", "alice", "--password-stdin", stdin=NEW_PASSWORD) == 0
    assert await _cases(portal.client, alice.headers) == 401
    assert (await _login(portal.client)).status == 401
    assert (await _login(portal.client, NEW_PASSWORD)).status == 200


async def test_expired_tokens_are_cleaned_up_at_sign_in(portal, alice, bob):
    async with portal.store.sessions.begin() as session:
        await session.execute(update(LoginToken).where(LoginToken.worker_id == bob.id)
                              .values(expires_at=datetime.now(timezone.utc)
                                      - timedelta(seconds=1)))
    assert (await _login(portal.client)).status == 200
    async with portal.store.sessions() as session:
        owners = list(await session.scalars(select(LoginToken.worker_id)))
        expired = await session.scalar(select(func.count()).select_from(LoginToken).where(
            LoginToken.expires_at <= datetime.now(timezone.utc)))
    assert expired == 0
    assert sorted(owners) == [alice.id, alice.id]  # bob's expired token is gone
    assert await _cases(portal.client, alice.headers) == 200
