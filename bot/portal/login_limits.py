"""Signing in, for the API and the screens alike, and slowing down password guessing
(`sign_in`, the only way in with a password).

Two limits, both checked before the password is, so a held-back attempt says nothing
about whether its password was right:
- per account *and* address: after a few failures, that address waits longer and
  longer before it may try that account again. Guesses from one address never hold back
  the same account signed into from another, so the worker with the right password is
  never locked out by somebody else's guessing;
- per address, across all accounts: one address trying many accounts waits, and only
  that address.

The address is the client's as the proxy reports it when the portal is told about its
proxies (`MAPBOT_PROXIES_COUNT` and friends, bot/config.py), else the connection's.
Unknown usernames are counted exactly like real ones, so the limits say nothing about
which accounts exist. In this portal's memory (`LoginLimiter`), or, with Redis, shared
by every portal (`RedisLoginLimiter`: the same counts and waits, each change made in one
step in Redis), falling back to this portal's memory while Redis cannot be reached.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from string import Template
from typing import Any

from bot.portal import inputs
from bot.portal.shared_state import REDIS_DOWN, Shared

FREE_FAILURES = 5  # per account and address, before the waits start
MAX_WAIT_SECONDS = 15 * 60
ADDRESS_FAILURES = 30  # per address in the window below, across all accounts
ADDRESS_WINDOW_SECONDS = 15 * 60
# An account and address pair with no failure for this long starts afresh.
FORGET_SECONDS = 24 * 3600
SWEEP_EVERY = 1000  # failures between sweeps of what can be forgotten


@dataclass
class _Pair:
    failures: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0


@dataclass
class LoginLimiter:
    clock: Callable[[], float] = time.monotonic
    pairs: dict[tuple[str, str], _Pair] = field(default_factory=dict)
    addresses: dict[str, deque[float]] = field(default_factory=dict)
    failures_seen: int = 0

    async def wait_seconds(self, username: str, address: str) -> int:
        """How long this attempt must wait; 0 means it may go ahead."""
        now = self.clock()
        pair = self.pairs.get(_key(username, address))
        waits = [pair.locked_until - now if pair else 0.0]
        recent = self._recent(address, now)
        if len(recent) >= ADDRESS_FAILURES:
            waits.append(recent[0] + ADDRESS_WINDOW_SECONDS - now)
        return _whole_seconds(max(waits))

    async def failed(self, username: str, address: str) -> None:
        now = self.clock()
        pair = self.pairs.setdefault(_key(username, address), _Pair())
        if now - pair.last_failure > FORGET_SECONDS:
            pair.failures = 0
        pair.failures += 1
        pair.last_failure = now
        if pair.failures > FREE_FAILURES:
            backoff = 2 ** min(pair.failures - FREE_FAILURES, 20)
            pair.locked_until = now + min(MAX_WAIT_SECONDS, backoff)
        self.addresses.setdefault(address, deque()).append(now)
        self.failures_seen += 1
        if self.failures_seen % SWEEP_EVERY == 0:
            self._sweep(now)

    async def succeeded(self, username: str, address: str) -> None:
        self.pairs.pop(_key(username, address), None)

    def _recent(self, address: str, now: float) -> deque[float]:
        hits = self.addresses.get(address, deque())
        while hits and hits[0] <= now - ADDRESS_WINDOW_SECONDS:
            hits.popleft()
        return hits

    def _sweep(self, now: float) -> None:
        """Forget what no longer holds anybody back, so memory stays bounded."""
        self.pairs = {key: pair for key, pair in self.pairs.items()
                      if now - pair.last_failure <= FORGET_SECONDS}
        self.addresses = {address: hits for address in list(self.addresses)
                          if (hits := self._recent(address, now))}


def _key(username: str, address: str) -> tuple[str, str]:
    return username.lower(), address


def _whole_seconds(wait: float) -> int:
    return max(0, int(wait + 0.999))


# The same steps as LoginLimiter, on KEYS[1] (the pair: a hash of failures, locked_until,
# last_failure) and KEYS[2] (the address: a sorted set of failure times). Each key
# expires once it would be forgotten, which is what the sweep does in memory.
_RECENT = """
local function recent(key, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - $window)
  return redis.call('ZCARD', key)
end
"""
# ARGV: now. Returns the pair's wait and the address's (as strings: Lua drops fractions).
_WAIT = """
local now = tonumber(ARGV[1])
local pair = tonumber(redis.call('HGET', KEYS[1], 'locked_until') or '0') - now
local address = 0
if recent(KEYS[2], now) >= $failures then
  address = tonumber(redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]) + $window - now
end
return {tostring(pair), tostring(address)}
"""
# ARGV: now, a unique member for the address's set.
_FAILED = """
local now = tonumber(ARGV[1])
local last = tonumber(redis.call('HGET', KEYS[1], 'last_failure') or '0')
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if now - last > $forget then failures = 0 end
failures = failures + 1
redis.call('HSET', KEYS[1], 'failures', failures, 'last_failure', ARGV[1])
if failures > $free then
  local backoff = 2 ^ math.min(failures - $free, 20)
  redis.call('HSET', KEYS[1], 'locked_until', tostring(now + math.min($max_wait, backoff)))
end
redis.call('EXPIRE', KEYS[1], $forget)
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('EXPIRE', KEYS[2], $window)
return failures
"""
_LIMITS = {"forget": FORGET_SECONDS, "free": FREE_FAILURES, "max_wait": MAX_WAIT_SECONDS,
           "failures": ADDRESS_FAILURES, "window": ADDRESS_WINDOW_SECONDS}


@dataclass
class RedisLoginLimiter:
    """LoginLimiter's counts in Redis, for every portal at once (keys named by a hash of
    the username and address, not the words themselves). Times are the portals' wall
    clocks, kept in step by NTP."""

    shared: Shared
    clock: Callable[[], float] = time.time
    local: LoginLimiter = field(default_factory=LoginLimiter)

    def __post_init__(self) -> None:
        lua = {name: Template(script).substitute(_LIMITS)
               for name, script in (("wait", _RECENT + _WAIT), ("failed", _FAILED))}
        self.wait_script = self.shared.redis.register_script(lua["wait"])
        self.failed_script = self.shared.redis.register_script(lua["failed"])

    async def wait_seconds(self, username: str, address: str) -> int:
        try:
            waits = await self.wait_script(keys=self._keys(username, address),
                                           args=[self.clock()])
        except REDIS_DOWN as error:
            self.shared.down("the sign-in limits", error)
            return await self.local.wait_seconds(username, address)
        return _whole_seconds(max(float(wait) for wait in waits))

    async def failed(self, username: str, address: str) -> None:
        try:
            await self.failed_script(keys=self._keys(username, address),
                                     args=[self.clock(), secrets.token_hex(8)])
        except REDIS_DOWN as error:
            self.shared.down("the sign-in limits", error)
            await self.local.failed(username, address)

    async def succeeded(self, username: str, address: str) -> None:
        try:
            await self.shared.redis.delete(self._keys(username, address)[0])
        except REDIS_DOWN as error:
            self.shared.down("the sign-in limits", error)
        await self.local.succeeded(username, address)

    def _keys(self, username: str, address: str) -> list[str]:
        pair = hashlib.sha256("\0".join(_key(username, address)).encode()).hexdigest()
        place = hashlib.sha256(address.encode()).hexdigest()
        return [self.shared.key("signin", "pair", pair),
                self.shared.key("signin", "address", place)]


def client_address(request) -> str:
    """The client's address: the proxy's report when Sanic is told about the proxy
    (bot/portal/app.py), else the connection's peer."""
    return request.remote_addr or request.ip


@dataclass(frozen=True)
class SignIn:
    """How a sign-in went: `worker` signed in; else wait `wait` seconds (0: wrong
    username or password, a switched-off account, or `malformed` credentials that
    were never checked)."""

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
    limiter: LoginLimiter | RedisLoginLimiter = request.app.ctx.login_limiter
    address = client_address(request)
    wait = await limiter.wait_seconds(username, address)
    if wait:
        return SignIn(wait=wait)
    worker = await request.app.ctx.store.authenticate(username, password)
    if worker is None:
        await limiter.failed(username, address)
        return SignIn()
    await limiter.succeeded(username, address)
    await request.app.ctx.store.end_expired_tokens()  # housekeeping, at either door
    return SignIn(worker=worker)
