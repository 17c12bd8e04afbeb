"""Signing in, for the API and the screens alike, and slowing down password guessing:
per account and per address, with backoff (`sign_in`, the only way in with a password).

Unknown usernames are counted exactly like real ones, so the limiter says nothing about
which accounts exist. In memory, per portal process: with several portals behind a load
balancer each keeps its own count (see SECURITY.md).
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.portal import inputs

FREE_FAILURES = 5  # per account, before the waits start
MAX_WAIT_SECONDS = 15 * 60
ADDRESS_FAILURES = 30  # per address in the window below, across all accounts
ADDRESS_WINDOW_SECONDS = 15 * 60


@dataclass
class _Account:
    failures: int = 0
    locked_until: float = 0.0


@dataclass
class LoginLimiter:
    clock: Callable[[], float] = time.monotonic
    accounts: dict[str, _Account] = field(default_factory=lambda: defaultdict(_Account))
    addresses: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def wait_seconds(self, username: str, address: str) -> int:
        """How long this attempt must wait; 0 means it may go ahead."""
        now = self.clock()
        account = self.accounts[username.lower()]
        recent = self._recent(address, now)
        waits = [account.locked_until - now]
        if len(recent) >= ADDRESS_FAILURES:
            waits.append(recent[0] + ADDRESS_WINDOW_SECONDS - now)
        return max(0, int(max(waits) + 0.999))

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        account = self.accounts[username.lower()]
        account.failures += 1
        if account.failures > FREE_FAILURES:
            backoff = 2 ** (account.failures - FREE_FAILURES)
            account.locked_until = now + min(MAX_WAIT_SECONDS, backoff)
        self._recent(address, now).append(now)

    def succeeded(self, username: str) -> None:
        self.accounts.pop(username.lower(), None)

    def _recent(self, address: str, now: float) -> deque[float]:
        hits = self.addresses[address]
        while hits and hits[0] <= now - ADDRESS_WINDOW_SECONDS:
            hits.popleft()
        return hits


@dataclass(frozen=True)
class SignIn:
    """How a sign-in went: `worker` signed in; else wait `wait` seconds (0: wrong
    username or password, or `malformed` credentials that were never checked)."""

    worker: Any = None
    wait: int = 0
    malformed: bool = False


async def sign_in(request, username: Any, password: Any) -> SignIn:
    """Check a username and password (the limits, then the password) for either door."""
    username = inputs.words(username, inputs.USERNAME_MAX)
    if (username is None or not isinstance(password, str)
            or len(password) > inputs.PASSWORD_MAX):
        return SignIn(malformed=True)
    # One limiter for both doors: guesses through the API and the screens count together.
    limiter: LoginLimiter = request.app.ctx.login_limiter
    address = request.remote_addr or request.ip
    wait = limiter.wait_seconds(username, address)
    if wait:
        return SignIn(wait=wait)
    worker = await request.app.ctx.store.authenticate(username, password)
    if worker is None:
        limiter.failed(username, address)
        return SignIn()
    limiter.succeeded(username)
    return SignIn(worker=worker)
