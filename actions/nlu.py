"""Asks the Rasa server's NLU to read one part of an answer, through MapBot's channel
(`POST /webhooks/mapbot/parse`, bot/rasa_plugins/secure_rest.py): Rasa's own HTTP API is
off. Each call carries a fresh token that expires within a minute (nlu_tokens.py)."""

from __future__ import annotations

import os

import aiohttp

from bot.config import HTTP_KEEPALIVE_SECONDS
from bot.rasa_plugins import nlu_tokens

PARSE_PATH = "/webhooks/mapbot/parse"


class NluUnavailable(Exception):
    pass


class Nlu:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=10),
                connector=aiohttp.TCPConnector(keepalive_timeout=HTTP_KEEPALIVE_SECONDS))
        return self._session

    @staticmethod
    def _headers() -> dict[str, str]:
        secret = os.environ.get("MAPBOT_RASA_JWT_SECRET", "")
        if not secret:
            raise NluUnavailable("MAPBOT_RASA_JWT_SECRET is not set")
        return {"Authorization": f"Bearer {nlu_tokens.mint(secret)}"}

    async def parse(self, text: str) -> dict:
        url = os.environ.get("MAPBOT_RASA_URL", "http://127.0.0.1:5005").rstrip("/")
        try:
            async with self._http().post(f"{url}{PARSE_PATH}", json={"text": text},
                                         headers=self._headers()) as reply:
                if reply.status != 200:
                    raise NluUnavailable(f"Rasa answered {reply.status}")
                return await reply.json()
        except aiohttp.ClientError as error:
            raise NluUnavailable(str(error)) from error


nlu = Nlu()
