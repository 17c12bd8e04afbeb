"""Redis for what several portals must share: the chat rate limit, the sign-in limits
and the per-conversation lock (bot/portal/rate_limits.py, login_limits.py,
conversation_locks.py). Off while MAPBOT_PORTAL_REDIS_URL is empty: each portal then
keeps them in its own memory.

When Redis cannot be reached, each of them falls back to this portal's own memory (as
without Redis) and says so in the log: families can still talk and workers can still
sign in, with the limits of one portal rather than none.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# Redis on the private network answers in a millisecond; a second means it is not there.
TIMEOUT_SECONDS = 1.0
WARN_EVERY_SECONDS = 60.0
# What "Redis is down" looks like (a refused or cut connection, a timeout, an error reply).
REDIS_DOWN = (RedisError, OSError, TimeoutError)


def connect(url: str) -> Redis | None:
    """A client for `url` (no connection is made until it is used), or None when unset."""
    if not url:
        return None
    if urlsplit(url).scheme not in ("redis", "rediss"):
        raise ValueError("MAPBOT_PORTAL_REDIS_URL must start with redis:// or rediss://")
    # One retry, at once: a pooled connection that Redis closed is replaced, no more.
    return Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                          socket_connect_timeout=TIMEOUT_SECONDS,
                          retry=Retry(NoBackoff(), 1))


@dataclass
class Shared:
    """The Redis client and the key prefix (MAPBOT_PORTAL_REDIS_PREFIX) of one portal."""

    redis: Redis
    prefix: str
    warned: dict[str, float] = field(default_factory=dict)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def down(self, what: str, error: BaseException) -> None:
        """Log that `what` fell back to this portal's memory (once a minute each)."""
        now = time.monotonic()
        if now - self.warned.get(what, -WARN_EVERY_SECONDS) >= WARN_EVERY_SECONDS:
            self.warned[what] = now
            logger.warning("Redis unavailable (%s): %s kept in this portal's memory "
                           "for now", type(error).__name__, what)
