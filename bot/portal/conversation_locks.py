"""One message at a time per conversation, so a double press (or two tabs, or two
portals behind a load balancer) cannot interleave turns.

Always a lock in this portal's memory (first come, first served within the portal);
with Redis, also a lock in Redis that every portal takes. The Redis lock has a random
token, so a portal only ever releases or extends its own, and a short expiry that the
holder extends while its turn runs, so a portal that dies frees it within seconds.
A turn that cannot get the lock within `wait_seconds` is refused (`LockBusy`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.portal.shared_state import REDIS_DOWN, Shared

logger = logging.getLogger(__name__)
EXPIRY_SECONDS = 10.0  # a dead portal's lock is free again after this long
POLL_SECONDS = (0.02, 0.25)  # first and longest pause between tries for a held lock

# KEYS[1]: the lock; ARGV[1]: the holder's token; ARGV[2]: new expiry (ms) or "" to delete.
_MINE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then return redis.call('DEL', KEYS[1]) end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""


class LockBusy(Exception):
    """Another turn of this conversation held its lock for the whole wait."""


class LocalLocks:
    """One lock per conversation in memory, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self.locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str, wait: float | None = None) -> AsyncIterator[None]:
        lock, users = self.locks.get(key, (asyncio.Lock(), 0))
        self.locks[key] = (lock, users + 1)
        try:
            try:
                await asyncio.wait_for(lock.acquire(), wait)
            except asyncio.TimeoutError:
                raise LockBusy from None
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = self.locks[key]
            if users == 1:
                del self.locks[key]
            else:
                self.locks[key] = (lock, users - 1)


class ConversationLocks:
    def __init__(self, shared: Shared | None, wait_seconds: float,
                 expiry_seconds: float = EXPIRY_SECONDS) -> None:
        self.shared, self.wait, self.expiry = shared, wait_seconds, expiry_seconds
        self.local = LocalLocks()
        self.mine = shared.redis.register_script(_MINE) if shared else None

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        deadline = time.monotonic() + self.wait
        async with self.local.hold(key, self.wait):
            if self.shared is None:
                yield
                return
            name, token = self.shared.key("lock", key), secrets.token_hex(16)
            if not await self._take(name, token, deadline):
                yield  # Redis is down: this portal's lock alone, as without Redis
                return
            keeper = asyncio.create_task(self._keep(name, token))
            try:
                yield
            finally:
                keeper.cancel()
                await self._release(name, token)

    async def _take(self, name: str, token: str, deadline: float) -> bool:
        """True once taken; False when Redis is down; LockBusy when the wait is over."""
        assert self.shared is not None
        pause = POLL_SECONDS[0]
        try:
            while not await self.shared.redis.set(name, token, nx=True,
                                                  px=int(self.expiry * 1000)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockBusy
                await asyncio.sleep(min(pause, left))
                pause = min(pause * 2, POLL_SECONDS[1])
        except REDIS_DOWN as error:
            self.shared.down("the per-conversation lock", error)
            return False
        return True

    async def _keep(self, name: str, token: str) -> None:
        """Extend the lock while the turn runs, a third of the expiry at a time."""
        assert self.shared is not None and self.mine is not None
        while True:
            await asyncio.sleep(self.expiry / 3)
            try:
                if not await self.mine(keys=[name], args=[token, int(self.expiry * 1000)]):
                    logger.warning("a conversation's lock expired during its turn")
                    return
            except REDIS_DOWN as error:
                self.shared.down("the per-conversation lock", error)

    async def _release(self, name: str, token: str) -> None:
        assert self.shared is not None and self.mine is not None
        with contextlib.suppress(*REDIS_DOWN):  # else it expires by itself
            await self.mine(keys=[name], args=[token, ""])
