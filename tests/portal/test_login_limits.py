"""Password guessing slows down per account and address, and per address, the same for
unknown users; guesses from one address never hold back the account elsewhere. Each
test runs twice: with the limits in the portal's memory, and in Redis (shared by every
portal; a key prefix of the test's own)."""

from __future__ import annotations

import pytest

from bot.portal.login_limits import (
    ADDRESS_FAILURES,
    ADDRESS_WINDOW_SECONDS,
    FORGET_SECONDS,
    FREE_FAILURES,
    MAX_WAIT_SECONDS,
    SWEEP_EVERY,
    LoginLimiter,
    RedisLoginLimiter,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def make_limiter(request, backend):
    """A limiter on `clock`, in memory or in Redis."""
    if backend == "memory":
        return lambda clock: LoginLimiter(clock=clock)
    shared = request.getfixturevalue("redis_shared")
    return lambda clock: RedisLoginLimiter(shared, clock=clock)


async def test_an_account_and_address_get_growing_waits_after_free_failures(make_limiter) -> None:
    clock = Clock()
    limiter = make_limiter(clock)
    for _ in range(FREE_FAILURES):
        assert await limiter.wait_seconds("alice", "10.0.0.1") == 0
        await limiter.failed("alice", "10.0.0.1")
    assert await limiter.wait_seconds("alice", "10.0.0.1") == 0  # the sixth try is free
    await limiter.failed("alice", "10.0.0.1")
    first = await limiter.wait_seconds("alice", "10.0.0.1")
    clock.now += first
    await limiter.failed("alice", "10.0.0.1")
    assert 0 < first < await limiter.wait_seconds("alice", "10.0.0.1") <= MAX_WAIT_SECONDS
    clock.now += 3600
    assert await limiter.wait_seconds("alice", "10.0.0.1") == 0


async def test_guesses_from_one_address_do_not_hold_the_account_back_elsewhere(
        make_limiter) -> None:
    clock = Clock()
    limiter = make_limiter(clock)
    for _ in range(40):  # one wrong guess every 15 minutes, for ten hours
        await limiter.failed("alice", "10.6.6.6")
        clock.now += 15 * 60 - 1
    assert await limiter.wait_seconds("alice", "10.6.6.6") > 0
    assert await limiter.wait_seconds("alice", "10.0.0.2") == 0


async def test_unknown_and_known_usernames_are_treated_alike(make_limiter) -> None:
    limiter = make_limiter(Clock())
    for name in ("alice", "nobody-here"):
        for _ in range(FREE_FAILURES + 1):
            await limiter.failed(name, "10.0.0.9")
    assert await limiter.wait_seconds("alice", "10.0.0.9") == (
        await limiter.wait_seconds("nobody-here", "10.0.0.9")) > 0


async def test_a_success_clears_the_account_at_that_address(make_limiter) -> None:
    limiter = make_limiter(Clock())
    for _ in range(FREE_FAILURES + 2):
        await limiter.failed("Alice", "10.0.0.1")
    await limiter.succeeded("alice", "10.0.0.1")
    assert await limiter.wait_seconds("alice", "10.0.0.1") == 0


async def test_what_holds_nobody_back_is_forgotten(make_limiter, backend) -> None:
    clock = Clock()
    limiter = make_limiter(clock)
    for number in range(SWEEP_EVERY - 1):
        await limiter.failed(f"user{number}", f"10.1.{number // 250}.{number % 250}")
    clock.now += FORGET_SECONDS + 1
    await limiter.failed("alice", "10.0.0.1")  # the sweep's turn
    if backend == "memory":
        assert list(limiter.pairs) == [("alice", "10.0.0.1")]
        assert list(limiter.addresses) == ["10.0.0.1"]
        return
    # Redis forgets by itself: every key expires when memory's sweep would drop it.
    redis, prefix = limiter.shared.redis, limiter.shared.prefix
    pairs = [key async for key in redis.scan_iter(match=f"{prefix}:signin:pair:*")]
    places = [key async for key in redis.scan_iter(match=f"{prefix}:signin:address:*")]
    assert len(pairs) == len(places) == SWEEP_EVERY  # one address each
    assert all(0 < ttl <= FORGET_SECONDS for ttl in [await redis.ttl(k) for k in pairs])
    assert all(0 < ttl <= ADDRESS_WINDOW_SECONDS
               for ttl in [await redis.ttl(k) for k in places])


async def test_one_address_trying_many_accounts_is_slowed(make_limiter) -> None:
    clock = Clock()
    limiter = make_limiter(clock)
    for number in range(ADDRESS_FAILURES):
        await limiter.failed(f"user{number}", "10.6.6.6")
    assert await limiter.wait_seconds("someone-else", "10.6.6.6") > 0
    assert await limiter.wait_seconds("someone-else", "10.0.0.1") == 0


async def test_an_addresses_failures_count_for_its_window_only(make_limiter) -> None:
    clock = Clock()
    limiter = make_limiter(clock)
    for number in range(ADDRESS_FAILURES):
        await limiter.failed(f"user{number}", "10.6.6.6")
    clock.now += ADDRESS_WINDOW_SECONDS - 10
    assert await limiter.wait_seconds("someone-else", "10.6.6.6") == 10
    clock.now += 10  # the first failures are out of the window now
    assert await limiter.wait_seconds("someone-else", "10.6.6.6") == 0
