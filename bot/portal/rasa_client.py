"""The portal's side of the conversation with the Rasa servers.

Each Rasa server serves MapBot's own channel (`bot/rasa_plugins/secure_rest.py`), which
refuses any call without the shared secret. With several Rasa servers, `RasaServers`
routes each conversation to one of them by rendezvous (highest random weight) hashing of
its sender id: every portal, given the same list of URLs, picks the same server, and
adding or removing a server moves only the conversations that must move. Rasa's Redis
lock is not race-safe across servers, so a conversation must keep to one server; when
that server cannot take a message (refused, timed out connecting, or not ready: its
model or its action server is not up), the message goes to the next server in that
conversation's order, and so do its later messages while the first is down.

A server killed mid-turn drops its connections: the message was sent, and the turn may
have run in part, or wholly. When that server then cannot be reached, the message goes
to the next server too, as the same turn: the turn is all or nothing in the shared
tracker store (Rasa saves it once, at its end, in one transaction), the answers its
actions stored are keyed by question and slot values of the saved tracker (stored
again, they replace themselves), and a turn that was saved is replayed by the channel
(`metadata.turn`), not run again. A dropped connection to a server that still answers
is retried on that same server, once, for the same reasons.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable

import aiohttp

from bot.config import HTTP_KEEPALIVE_SECONDS
from bot.core import with_you
from bot.portal import inputs

logger = logging.getLogger(__name__)

CHANNEL = "/webhooks/mapbot"
CONNECT_SECONDS = 3.0
POOL_CONNECTIONS = 100
# After a server could not take a message, its conversations go straight to their next
# server for this long; then the first one is tried again.
DOWN_SECONDS = 5.0

# Button payloads a person may send as text. Anything else that starts with "/" would be
# read by Rasa as a command (e.g. "/restart"), so it is passed on as plain words instead.
_PAYLOAD = re.compile(r"^/(?P<intent>[a-z_]+)(?P<entities>\{.*\})?$", re.DOTALL)
_ALLOWED_ENTITIES: dict[str, dict[str, re.Pattern[str]]] = {
    "affirm": {}, "deny": {}, "skip": {}, "stop": {}, "explain": {}, "send": {},
    "change": {}, "remove": {}, "dont_know": {},
    "choose_house": {"house": re.compile(r"^(good_things|worries|dreams)$")},
    "change_answer": {"answer_key": re.compile(r"^[a-z0-9_]{1,80}$")},
    "remove_answer": {"answer_key": re.compile(r"^[a-z0-9_]{1,80}$")},
    # "Was anyone with you while you answered?" (bot/core/with_you.py)
    with_you.KEY: {with_you.KEY: re.compile(rf"^({'|'.join(with_you.CODES)})$")},
}
START_PAYLOAD = "/start"
# U+2060 WORD JOINER: invisible, and not stripped by Rasa, so "/restart" stays words.
_DEFANG = "\u2060"


class RasaUnavailable(Exception):
    """No reply: the person is asked to send their message again in a moment."""


class RasaConnectionLost(RasaUnavailable):
    """The message was sent, then the connection dropped before the whole answer came:
    the turn may have run, in part or wholly (see the module text for when to retry)."""


class RasaNotReady(RasaUnavailable):
    """This server did nothing with the message (it could not be reached, or said it
    cannot run a turn just now): another server may safely take it."""


def clean_text(text: str) -> str:
    """Drop what no database or screen should hold (control characters by the workers'
    rule in bot/portal/inputs.py, lone surrogates); every other character, spelling and
    space is kept as typed (a CR too: a plain form sends line breaks as CR LF)."""
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    if not any(_dropped(char) for char in text):
        return text
    return "".join(char for char in text if not _dropped(char))


def _dropped(char: str) -> bool:
    return char != "\r" and inputs.is_control(char, lines=True)


def _has_surrogates(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cs" for ch in text)


def is_allowed_payload(text: str) -> bool:
    match = _PAYLOAD.match(text.strip())
    if not match or match["intent"] not in _ALLOWED_ENTITIES:
        return False
    if not match["entities"]:
        return True
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return False
    allowed = _ALLOWED_ENTITIES[match["intent"]]
    return isinstance(entities, dict) and bool(entities) and all(
        key in allowed and isinstance(value, str) and allowed[key].match(value)
        for key, value in entities.items()
    )


def text_for_rasa(text: str) -> str:
    if text.lstrip().startswith("/") and not is_allowed_payload(text):
        return _DEFANG + text.lstrip()
    return text


def merge_messages(raw: list[dict]) -> list[dict]:
    """Rasa sends `custom` as a message of its own; fold it into the text before it,
    so every message has the contract's shape."""
    messages: list[dict] = []
    for message in raw:
        if "text" not in message and "custom" in message and messages:
            messages[-1].setdefault("custom", {}).update(message["custom"])
            continue
        merged = {"text": message.get("text", "")}
        if message.get("buttons"):
            merged["buttons"] = [
                {"title": b.get("title", ""), "payload": b.get("payload", "")}
                for b in message["buttons"]
            ]
        if message.get("custom"):
            merged["custom"] = dict(message["custom"])
        messages.append(merged)
    return messages


class RasaClient:
    """One Rasa server's mapbot channel.

    aiohttp, not httpx: with many turns in flight, httpx's pool cost the portal about a
    fifth of its CPU a turn, aiohttp a small part of that (bench/FINDINGS.md, 29)."""

    def __init__(self, base_url: str, timeout: float, secret: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        # sock_connect, not connect: aiohttp's `connect` also counts the wait for a free
        # pooled connection, and a busy pool does not mean the server is down.
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=CONNECT_SECONDS)
        self._headers = {"Authorization": f"Bearer {secret}"}
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        """One pooled session for the portal's life, made in its event loop on first use:
        connections to Rasa are reused."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=POOL_CONNECTIONS,
                                               keepalive_timeout=HTTP_KEEPALIVE_SECONDS))
        return self._session

    async def send(self, conversation_id: str, text: str, metadata: dict) -> list[dict]:
        body = {"sender": conversation_id, "message": text, "metadata": metadata}
        try:
            async with self._http().post(f"{self.base_url}{CHANNEL}/webhook",
                                         json=body) as response:
                status, content = response.status, await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            raise RasaNotReady(f"{type(error).__name__}") from error  # nothing was sent
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                aiohttp.ClientPayloadError) as error:
            raise RasaConnectionLost(f"{type(error).__name__}") from error
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            # Sent, but no answer: the turn may have run. The person sends it again, and
            # the channel replays a finished turn rather than running it twice.
            raise RasaUnavailable(f"{type(error).__name__}") from error
        if status == 503:
            raise RasaNotReady("Rasa answered 503")
        if status != 200:
            raise RasaUnavailable(f"Rasa answered {status}")
        try:
            return merge_messages(json.loads(content))
        except (ValueError, TypeError, AttributeError) as error:
            raise RasaUnavailable("Rasa's answer was not a list of messages") from error

    async def down(self) -> list[str]:
        """What of this Rasa instance is down: [], ["rasa"] or ["actions"]."""
        try:
            async with self._http().get(
                    f"{self.base_url}{CHANNEL}/",
                    timeout=aiohttp.ClientTimeout(total=CONNECT_SECONDS)) as response:
                status, content = response.status, await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return ["rasa"]
        if status == 200:
            return []
        if status == 503:  # the channel says which part cannot work
            try:
                down = json.loads(content).get("down")
            except (ValueError, AttributeError):
                down = None
            known = [p for p in down if p in ("rasa", "actions")] if isinstance(
                down, list) else []
            if known:
                return known
        return ["rasa"]

    async def healthy(self) -> bool:
        return not await self.down()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def instance_suffix(index: int) -> str:
    """Instance 1 is `rasa` and `actions`, instance N is `rasa-N` and `actions-N`, as
    `bot.operations.stack` names their processes."""
    return "" if index == 0 else f"-{index + 1}"


def _weight(server: str, conversation_id: str) -> int:
    digest = hashlib.sha256(f"{server}\n{conversation_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class RasaServers:
    """Sticky routing of conversations over several Rasa servers, with failover."""

    def __init__(self, clients: list[RasaClient], down_seconds: float = DOWN_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not clients:
            raise ValueError("at least one Rasa server is needed")
        self.clients = clients
        self.down_seconds = down_seconds
        self._clock = clock
        self._down_until: dict[int, float] = {}

    def order(self, conversation_id: str) -> list[int]:
        """This conversation's servers, best first (rendezvous hashing)."""
        return sorted(range(len(self.clients)), reverse=True,
                      key=lambda i: _weight(self.clients[i].base_url, conversation_id))

    def _candidates(self, conversation_id: str) -> list[int]:
        now = self._clock()
        order = self.order(conversation_id)
        up = [i for i in order if self._down_until.get(i, 0.0) <= now]
        # Servers that just failed are tried last, only if no other could take it.
        return up + [i for i in order if i not in up]

    async def send(self, conversation_id: str, text: str, metadata: dict) -> list[dict]:
        last: RasaUnavailable | None = None
        for index in self._candidates(conversation_id):
            try:
                messages = await self._send_to(index, conversation_id, text, metadata)
            except RasaNotReady as error:
                self._mark_down(index, error)
                last = error
                continue
            self._down_until.pop(index, None)
            return messages
        raise RasaUnavailable("no Rasa server can take this message just now") from last

    async def _send_to(self, index: int, conversation_id: str, text: str,
                       metadata: dict) -> list[dict]:
        """One server's answer. A dropped connection is retried there once if the server
        still answers; if it cannot be reached (killed), RasaNotReady: the next server
        may take the same turn (see the module text)."""
        client = self.clients[index]
        try:
            return await client.send(conversation_id, text, metadata)
        except RasaConnectionLost as error:
            if "rasa" in await client.down():
                logger.warning("Rasa server %d was lost with a turn in flight (%s); the "
                               "turn goes to the next server", index + 1, error)
                raise RasaNotReady(f"connection lost, then unreachable ({error})") from error
            logger.warning("Rasa server %d dropped a connection (%s); the turn is sent "
                           "to it again", index + 1, error)
        return await client.send(conversation_id, text, metadata)

    def _mark_down(self, index: int, error: RasaUnavailable) -> None:
        if index not in self._down_until or self._down_until[index] <= self._clock():
            logger.warning("Rasa server %d cannot take messages (%s); its conversations "
                           "go to the next server", index + 1, error)
        self._down_until[index] = self._clock() + self.down_seconds

    async def status(self) -> list[list[str]]:
        """For each server, in the configured order, what of it is down ([] when it
        can take messages)."""
        return list(await asyncio.gather(*(client.down() for client in self.clients)))

    @staticmethod
    def names_down(status: list[list[str]]) -> list[str]:
        """The parts that are down, named as `bot.operations.stack` names the processes."""
        return [part + instance_suffix(index)
                for index, parts in enumerate(status) for part in parts]

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
