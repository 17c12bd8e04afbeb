"""The action server's client for the portal's internal endpoint.

Every write is idempotent on the portal's side (one answer per person and question),
so a call that failed half-way is simply sent again.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import aiohttp

RETRIES = 3


class PortalError(Exception):
    pass


class Portal:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        return os.environ.get("MAPBOT_PORTAL_INTERNAL_URL", "http://127.0.0.1:8080").rstrip("/")

    def _http(self) -> aiohttp.ClientSession:
        # One pooled session for the action server's life: connections are reused.
        if self._session is None or self._session.closed:
            secret = os.environ.get("MAPBOT_INTERNAL_SECRET", "")
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {secret}"},
                timeout=aiohttp.ClientTimeout(total=10),
            )
        return self._session

    async def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        url = f"{self.base_url}/internal/v1/conversations/{path}"
        for attempt in range(RETRIES):
            try:
                async with self._http().request(method, url, json=body) as response:
                    if response.status < 500:
                        data = await response.json(content_type=None)
                        if response.status >= 400:
                            raise PortalError(f"{response.status}: {data}")
                        return data
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2 * (attempt + 1))
        raise PortalError(f"the portal did not answer {method} {path}")

    async def conversation(self, conversation_id: str) -> dict:
        return await self._call("GET", conversation_id)

    async def answers(self, conversation_id: str) -> list[dict]:
        return (await self._call("GET", f"{conversation_id}/answers"))["answers"]

    async def save(self, conversation_id: str, key: str, answer: dict) -> dict:
        return await self._call("PUT", f"{conversation_id}/answers/{key}", answer)

    async def remove(self, conversation_id: str, key: str) -> bool:
        return (await self._call("DELETE", f"{conversation_id}/answers/{key}"))["removed"]

    async def submit(self, conversation_id: str) -> dict:
        return await self._call("POST", f"{conversation_id}/submit")


portal = Portal()
