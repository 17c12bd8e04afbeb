"""Probes of the other two services."""

from __future__ import annotations

import httpx


async def action_server_up(http: httpx.AsyncClient, action_url: str) -> bool:
    try:
        return (await http.get(f"{action_url}/health")).status_code == 200
    except httpx.HTTPError:
        return False
