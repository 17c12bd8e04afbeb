"""Several portals behind one address, with Redis (a key prefix of each test's own): the
chat rate limit, the sign-in limits and the per-conversation lock are shared, as if one
portal; while Redis is down each portal falls back to its own memory and keeps going."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot.portal import chat
from bot.portal.conversation_locks import ConversationLocks, LockBusy
from bot.portal.login_limits import FREE_FAILURES, RedisLoginLimiter
from bot.portal.rate_limits import RedisRateLimiter
from bot.portal.shared_state import Shared, connect
from tests.portal.portal_support import PASSWORD, unused_port

REDIS_URL = os.environ.get("MAPBOT_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture
async def nowhere():
    """Settings for a Redis that is not there (nothing listens on its port)."""
    redis = connect(f"redis://127.0.0.1:{unused_port()}/0")
    assert redis is not None
    yield Shared(redis, "mapbot-test-nowhere")
    await redis.aclose()


# The chat rate limit --------------------------------------------------------------------


async def test_two_portals_share_one_chat_window(redis_shared):
    now = [1000.0]
    portals = [RedisRateLimiter(redis_shared, 3, 60, clock=lambda: now[0]) for _ in range(2)]
    allowed = [await portals[n % 2].allow("link") for n in range(5)]
    assert allowed == [True, True, True, False, False]
    assert await portals[0].allow("another link")  # the limit is per link
    now[0] += 30
    assert not await portals[1].allow("link")
    now[0] += 31  # the first three are out of the window now
    assert [await portals[n % 2].allow("link") for n in range(4)] == [True, True, True, False]


async def test_without_redis_the_chat_limit_is_this_portals_own(nowhere):
    limiter = RedisRateLimiter(nowhere, 3, 60)
    assert [await limiter.allow("link") for _ in range(4)] == [True, True, True, False]


# The per-conversation lock --------------------------------------------------------------


async def take_turns(locks: list[ConversationLocks], key: str, seconds: float) -> list[str]:
    """Each lock holder (a portal) takes one turn at once; what happened, in order."""
    happened: list[str] = []

    async def turn(number: int) -> None:
        async with locks[number].hold(key):
            happened.append(f"{number} starts")
            await asyncio.sleep(seconds)
            happened.append(f"{number} ends")

    await asyncio.gather(*(turn(n) for n in range(len(locks))))
    return happened


async def test_two_portals_take_a_conversations_turns_one_after_the_other(redis_shared):
    portals = [ConversationLocks(Shared(redis_shared.redis, redis_shared.prefix), 30)
               for _ in range(2)]
    happened = await take_turns(portals, "conversation", 0.3)
    assert happened in (["0 starts", "0 ends", "1 starts", "1 ends"],
                        ["1 starts", "1 ends", "0 starts", "0 ends"])
    assert await redis_shared.redis.get(redis_shared.key("lock", "conversation")) is None


async def test_a_turn_that_cannot_get_the_lock_in_time_is_refused(redis_shared):
    holder, waiter = ConversationLocks(redis_shared, 30), ConversationLocks(redis_shared, 0.5)
    async with holder.hold("conversation"):
        with pytest.raises(LockBusy):
            async with waiter.hold("conversation"):
                pytest.fail("two turns of one conversation at once")
    async with waiter.hold("conversation"):  # free again once the holder is done
        pass


async def test_the_lock_is_kept_while_a_long_turn_runs(redis_shared):
    """Its expiry is short (a dead portal frees it soon), so the holder extends it."""
    holder = ConversationLocks(redis_shared, 30, expiry_seconds=1.0)
    waiter = ConversationLocks(redis_shared, 2.5)
    async with holder.hold("conversation"):
        with pytest.raises(LockBusy):
            async with waiter.hold("conversation"):
                pytest.fail("the lock expired under a turn that was still running")


async def test_a_dead_portals_lock_frees_itself(redis_shared):
    name = redis_shared.key("lock", "conversation")
    # What a portal killed mid-turn leaves behind: its token, with the lock's expiry.
    await redis_shared.redis.set(name, "a dead portal's token", px=1000)
    async with ConversationLocks(redis_shared, 30).hold("conversation"):
        assert await redis_shared.redis.get(name) != b"a dead portal's token"


async def test_a_portal_never_releases_another_portals_lock(redis_shared):
    name = redis_shared.key("lock", "conversation")
    first = ConversationLocks(redis_shared, 30, expiry_seconds=0.5)
    async with first.hold("conversation"):
        # Suppose its lock expired (a long pause) and another portal took it meanwhile.
        await redis_shared.redis.set(name, "the other portal's token")
    assert await redis_shared.redis.get(name) == b"the other portal's token"


async def test_without_redis_a_portal_still_takes_turns_one_at_a_time(nowhere):
    happened = await take_turns([ConversationLocks(nowhere, 30)] * 2, "conversation", 0.1)
    assert happened in (["0 starts", "0 ends", "1 starts", "1 ends"],
                        ["1 starts", "1 ends", "0 starts", "0 ends"])


# Sign-in limits -------------------------------------------------------------------------


async def test_without_redis_sign_in_limits_are_this_portals_own(nowhere):
    limiter = RedisLoginLimiter(nowhere)
    for _ in range(FREE_FAILURES + 1):
        assert await limiter.wait_seconds("alice", "10.0.0.1") == 0
        await limiter.failed("alice", "10.0.0.1")
    assert await limiter.wait_seconds("alice", "10.0.0.1") > 0


# Two portals (two apps on one database and one Redis) ------------------------------------


@pytest.fixture
def two_portals(make_app, redis_shared):
    return [make_app(portal_redis_url=REDIS_URL, portal_redis_prefix=redis_shared.prefix)
            for _ in range(2)]


async def test_two_portals_count_a_links_messages_together(two_portals, portal, invitation):
    """Rasa is not there (each turn is 503), but every message counts."""
    url = f"/api/v1/chat/{invitation['token']}/messages"
    statuses = []
    for number in range(chat.RATE_LIMIT + 2):
        _, response = await two_portals[number % 2].asgi_client.post(url, json={"text": "hi"})
        statuses.append(response.status)
    assert statuses == [503] * chat.RATE_LIMIT + [429, 429]


async def test_two_portals_share_sign_in_lockouts(two_portals, alice):
    statuses = []
    for number in range(FREE_FAILURES + 3):
        _, response = await two_portals[number % 2].asgi_client.post(
            "/api/v1/login", json={"username": "alice", "password": "wrong"})
        statuses.append(response.status)
    assert statuses == [401] * (FREE_FAILURES + 1) + [429, 429]
    for app in two_portals:  # the right password waits too, on either portal
        _, response = await app.asgi_client.post(
            "/api/v1/login", json={"username": "alice", "password": PASSWORD})
        assert response.status == 429
