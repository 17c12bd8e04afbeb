"""The conversation's lock for a turn (bot/rasa_plugins/conversation_lock.py): a turn behind
the ticket of a Rasa server that died goes once that ticket expires, even when its own
ticket expired meanwhile; turns of one conversation still never overlap. In memory, and
in Redis when it can be reached (MAPBOT_TEST_REDIS_URL or 127.0.0.1:6379)."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.rasa_plugins.conversation_lock import conversation_lock

REDIS = urlsplit(os.environ.get("MAPBOT_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0")


def _redis() -> LockStore:
    try:
        socket.create_connection((REDIS.hostname, REDIS.port or 6379), timeout=2).close()
    except OSError as error:
        pytest.skip(f"Redis at {REDIS.netloc} cannot be reached ({error})")
    return RedisLockStore(host=REDIS.hostname, port=REDIS.port or 6379,
                          db=int(REDIS.path.strip("/") or 0), key_prefix="mapbottest")


@pytest.fixture(params=[InMemoryLockStore, _redis], ids=["memory", "redis"])
def store(request) -> Iterator[LockStore]:
    make: Callable[[], LockStore] = request.param
    yield make()


@pytest.fixture
def sender() -> str:
    return secrets.token_hex(8)


async def test_a_turn_behind_a_dead_servers_ticket_goes_once_it_expires(store, sender):
    """The dead server's ticket and this turn's, of the same lifetime, expire between two
    checks: the turn goes then (Rasa 3.6's own lock waits until the lock is deleted)."""
    store.issue_ticket(sender, 0.6)  # the dead server's, never given back

    async def turn() -> str:
        async with conversation_lock(store, sender, lifetime=0.6, wait_seconds=0.5):
            return "ran"

    assert await asyncio.wait_for(turn(), timeout=5) == "ran"
    assert store.get_lock(sender) is None  # nothing left behind


async def test_turns_of_one_conversation_never_overlap(store, sender) -> None:
    inside: list[int] = []
    order: list[int] = []

    async def turn(n: int) -> None:
        async with conversation_lock(store, sender, lifetime=10, wait_seconds=0.05):
            inside.append(n)
            assert len(inside) == 1, inside
            order.append(n)
            await asyncio.sleep(0.05)
            inside.remove(n)

    tasks = []
    for n in range(5):
        tasks.append(asyncio.create_task(turn(n)))
        await asyncio.sleep(0.01)  # tickets issued in this order
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)
    assert order == [0, 1, 2, 3, 4]
    assert store.get_lock(sender) is None
