"""Password guessing slows down per account and per address, the same for unknown users."""

from __future__ import annotations

from bot.portal.login_limits import ADDRESS_FAILURES, FREE_FAILURES, LoginLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_account_gets_growing_waits_after_free_failures() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    for _ in range(FREE_FAILURES):
        assert limiter.wait_seconds("alice", "10.0.0.1") == 0
        limiter.failed("alice", "10.0.0.1")
    assert limiter.wait_seconds("alice", "10.0.0.1") == 0  # the sixth try is free
    limiter.failed("alice", "10.0.0.1")
    first = limiter.wait_seconds("alice", "10.0.0.2")  # another address: still waits
    limiter.failed("alice", "10.0.0.2")
    assert 0 < first < limiter.wait_seconds("alice", "10.0.0.3")
    clock.now += 3600
    assert limiter.wait_seconds("alice", "10.0.0.1") == 0


def test_unknown_and_known_usernames_are_treated_alike() -> None:
    limiter = LoginLimiter(clock=Clock())
    for name in ("alice", "nobody-here"):
        for _ in range(FREE_FAILURES + 1):
            limiter.failed(name, "10.0.0.9")
    assert limiter.wait_seconds("alice", "x") == limiter.wait_seconds("nobody-here", "y") > 0


def test_a_success_clears_the_account() -> None:
    limiter = LoginLimiter(clock=Clock())
    for _ in range(FREE_FAILURES + 2):
        limiter.failed("Alice", "10.0.0.1")
    limiter.succeeded("alice")
    assert limiter.wait_seconds("alice", "10.0.0.5") == 0


def test_one_address_trying_many_accounts_is_slowed() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    for number in range(ADDRESS_FAILURES):
        limiter.failed(f"user{number}", "10.6.6.6")
    assert limiter.wait_seconds("someone-else", "10.6.6.6") > 0
    assert limiter.wait_seconds("someone-else", "10.0.0.1") == 0
