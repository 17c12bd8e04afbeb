"""One pooled HTTP session per Rasa endpoint, instead of a new one for every request.

Rasa 3.6 opens a new `aiohttp.ClientSession`, and so a new TCP connection, for every
call to the action server (`EndpointConfig.request`), two or three per turn. Here each
endpoint keeps one session for the server's life, and its connections are reused.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

from bot.config import HTTP_KEEPALIVE_SECONDS

_ATTRIBUTE = "_mapbot_pooled_session"


class _Kept:
    """`async with endpoint.session()` without closing the shared session at the end."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """What `EndpointConfig.session()` makes, with a connector that keeps connections."""
    auth = (aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
            if endpoint.basic_auth else None)
    return aiohttp.ClientSession(
        headers=endpoint.headers, auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=HTTP_KEEPALIVE_SECONDS))


def _pooled_session(self: EndpointConfig) -> _Kept:
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get(_ATTRIBUTE)
    if kept is None or kept[0] is not loop or kept[1].closed:
        kept = (loop, new_session(self))
        self.__dict__[_ATTRIBUTE] = kept
    return _Kept(kept[1])


RASA_VERSIONS = ("3.6.21",)  # checked against: its code and its tests (bot/rasa_patches)
# What it replaces, what else of Rasa it relies on (bot/rasa_patches checks both at start).
TARGETS = {"rasa.utils.endpoints.EndpointConfig.session": _pooled_session}
USES = ("rasa.utils.endpoints.DEFAULT_REQUEST_TIMEOUT",)
