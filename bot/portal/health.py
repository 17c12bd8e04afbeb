"""The health check, shared for a moment: however many callers ask at once or within
`seconds`, the database and every Rasa server are asked once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Result = tuple[dict, int]
# How long the portal shares one check (a waiter after a restart must wait this long).
HEALTH_CACHE_SECONDS = 1.0


class HealthCheck:
    def __init__(self, check: Callable[[], Awaitable[Result]], seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.check, self.seconds, self.clock = check, seconds, clock
        self._task: asyncio.Future[Result] | None = None
        self._started = 0.0

    async def result(self) -> Result:
        now, task = self.clock(), self._task
        if (task is None or task.get_loop() is not asyncio.get_running_loop()
                or (task.done() and now - self._started >= self.seconds)):
            self._started = now
            task = self._task = asyncio.ensure_future(self.check())
        return await asyncio.shield(task)
