"""The family chat's rate limit: at most `limit` messages per link in any `seconds`.

In this portal's memory, or, with Redis, shared by every portal (one sliding window per
link, checked and counted in one step so two portals cannot both take the last place).
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable

from bot.portal.shared_state import REDIS_DOWN, Shared


class MemoryRateLimiter:
    """Per-link sliding window in memory. Links not heard from in a whole window are
    forgotten, so the dictionary holds only the links of the last minute or two."""

    def __init__(self, limit: int, seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self.hits: dict[str, deque[float]] = defaultdict(deque)
        self.trimmed = clock()

    async def allow(self, key: str) -> bool:
        now = self.clock()
        if now - self.trimmed >= self.seconds:
            self._trim(now)
        hits = self.hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def _trim(self, now: float) -> None:
        """At most once a window: drop every link whose last message is out of it."""
        self.trimmed = now
        for key in [k for k, hits in self.hits.items() if not hits
                    or hits[-1] <= now - self.seconds]:
            del self.hits[key]


# KEYS[1]: the link's window (a sorted set of times); ARGV: now, seconds, limit, a
# unique member. The same steps as MemoryRateLimiter.allow; the key expires with its window.
_ALLOW = """
local now, seconds, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - seconds)
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(seconds * 1000))
return 1
"""


class RedisRateLimiter:
    """The same window in Redis, for every portal at once; this portal's memory while
    Redis cannot be reached. Times are the portals' wall clocks (kept in step by NTP)."""

    def __init__(self, shared: Shared, limit: int, seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.shared, self.limit, self.seconds, self.clock = shared, limit, seconds, clock
        self.local = MemoryRateLimiter(limit, seconds)
        self.script = shared.redis.register_script(_ALLOW)

    async def allow(self, key: str) -> bool:
        try:
            allowed = await self.script(keys=[self.shared.key("chat", key)], args=[
                self.clock(), self.seconds, self.limit, secrets.token_hex(8)])
        except REDIS_DOWN as error:
            self.shared.down("the chat rate limit", error)
            return await self.local.allow(key)
        return bool(allowed)
