"""Asks the Rasa server's NLU to read one part of an answer (its API needs a JWT)."""

from __future__ import annotations

import os

import aiohttp
import jwt

from bot.config import HTTP_KEEPALIVE_SECONDS


class NluUnavailable(Exception):
    pass


class Nlu:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            secret = os.environ.get("MAPBOT_RASA_JWT_SECRET", "")
            if not secret:
                raise NluUnavailable("MAPBOT_RASA_JWT_SECRET is not set")
            token = jwt.encode({"user": {"username": "mapbot-actions", "role": "admin"}},
                               secret, algorithm="HS256")
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {token}"},
                timeout=aiohttp.ClientTimeout(total=10),
                connector=aiohttp.TCPConnector(keepalive_timeout=HTTP_KEEPALIVE_SECONDS))
        return self._session

    async def parse(self, text: str) -> dict:
        url = os.environ.get("MAPBOT_RASA_URL", "http://127.0.0.1:5005").rstrip("/")
        try:
            async with self._http().post(f"{url}/model/parse", json={"text": text}) as reply:
                if reply.status != 200:
                    raise NluUnavailable(f"Rasa answered {reply.status}")
                return await reply.json()
        except aiohttp.ClientError as error:
            raise NluUnavailable(str(error)) from error


nlu = Nlu()
