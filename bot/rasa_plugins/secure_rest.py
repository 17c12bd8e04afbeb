"""MapBot's input channel: Rasa's REST channel, open only to the portal.

Listed in `credentials.yml` instead of `rest`, it serves `/webhooks/mapbot/` and:

- refuses every call without `Authorization: Bearer <MAPBOT_RASA_CHANNEL_SECRET>` with a
  bare 401 that says nothing about the request;
- has no route that reads a text with the NLU for another service (the action server
  sorts answers itself, bot/core/understanding/), and Rasa's own HTTP API, which would
  open every tracker and the model, stays off (bot/rasa_patches/run_rasa.py);
- answers 503 before touching the conversation when this server cannot run a whole
  turn (model not loaded, or its action server down), so the portal may safely send
  the message to another Rasa server instead;
- runs at most `turns_at_once` turns at a time, first come first served: the others
  wait their turn before anything is done for them. Under load, interleaving every
  waiting turn's steps on the one event loop made each turn as slow as all of them
  together, and the slowest kinds of turn slower still (bench/FINDINGS.md);
- runs each message under Rasa's conversation lock (Redis across servers), which does
  not wait for ever behind a dead server's ticket (`bot/rasa_plugins/conversation_lock.py`), and
- replays a turn it has already finished instead of running it twice: the portal sends
  the number of turns it has recorded (`metadata.turn`); when the latest message in the
  tracker has the same number and the same text, the portal never saw the reply (it was
  killed, the connection dropped, or its database was down), so the bot messages of that
  turn are sent again and nothing is stored twice.

Nothing here logs what a person wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_patches
from bot.config import HTTP_KEEPALIVE_SECONDS, Settings, turns_at_once
from bot.operations.gc_freeze import freeze_startup_objects
from bot.rasa_plugins.conversation_lock import conversation_lock

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 64
ACTION_PROBE_SECONDS = 3
MIN_SECRET_CHARS = 16


def _secret_matches(given: str, expected: str) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _refused() -> HTTPResponse:
    return response.json({"error": "Not allowed."}, status=401)


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - unreadable JSON; say nothing more
        body = None
    return body if isinstance(body, dict) else {}


def _unavailable(*down: str) -> HTTPResponse:
    return response.json({"status": "unavailable", "down": list(down)}, status=503)


def _one_turn(agent: Any, sender_id: str) -> contextlib.AbstractContextManager:
    """The tracker store's one-turn scope (bot/rasa_plugins/tracker_store.py), if it has one:
    the replay check and the turn then check the database once between them."""
    store = agent.tracker_store
    store = getattr(store, "_tracker_store", store)  # inside Rasa's FailSafeTrackerStore
    one_turn = getattr(store, "one_turn", None)
    return one_turn(sender_id) if one_turn else contextlib.nullcontext()


class SecureRestInput(RestInput):
    """The REST channel behind a shared secret, with a readiness check and replays."""

    @classmethod
    def name(cls) -> str:
        return "mapbot"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SecureRestInput:
        # Rasa builds its channels at start: a server started without MapBot's start hook
        # (plain `rasa run`) would silently run other code than the one tested and
        # measured, so it does not start. MAPBOT_RASA_PATCHES=off is a choice, not that.
        if rasa_patches.started() is None:
            raise RuntimeError(
                "MapBot's Rasa server must be started with `python -m "
                "bot.rasa_patches.run_rasa run ...` (bot/operations/stack.py does), which installs "
                "or, with MAPBOT_RASA_PATCHES=off, deliberately skips MapBot's Rasa "
                "patches.")
        credentials = credentials or {}
        return cls(str(credentials.get("secret") or ""),
                   credentials.get("action_health_url") or None,
                   turns_at_once(credentials.get("turns_at_once")))

    def __init__(self, secret: str, action_health_url: str | None = None,
                 most_turns: int = Settings.rasa_turns_at_once) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            # An empty or short secret would let any local process talk to Rasa.
            raise ValueError("MAPBOT_RASA_CHANNEL_SECRET is missing or too short: the "
                             "mapbot channel refuses to run without it.")
        self.secret = secret
        self.action_health_url = action_health_url
        self._session: aiohttp.ClientSession | None = None
        # asyncio's semaphore wakes its waiters in the order they came (Python >= 3.10.9).
        self._turns = asyncio.Semaphore(most_turns)

    # Checks -------------------------------------------------------------------------

    def _allowed(self, request: Request) -> bool:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and _secret_matches(given.strip(), self.secret)

    async def _actions_up(self) -> bool:
        if not self.action_health_url:
            return True
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=ACTION_PROBE_SECONDS),
                connector=aiohttp.TCPConnector(keepalive_timeout=HTTP_KEEPALIVE_SECONDS))
        try:
            async with self._session.get(self.action_health_url) as reply:
                return reply.status == 200
        except Exception:  # noqa: BLE001 - refused, reset, timed out: all mean "down"
            return False

    async def _down(self, request: Request) -> list[str]:
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            return ["rasa"]
        return [] if await self._actions_up() else ["actions"]

    # Replays ------------------------------------------------------------------------

    @staticmethod
    async def _replay(agent: Any, sender_id: str, text: str, turn: int | None,
                      collector: CollectingOutputChannel) -> bool:
        """Send the finished turn again if this message is a resend of it."""
        if turn is None:
            return False
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None:
            return False
        events = list(tracker.events)
        last_user = next((i for i in range(len(events) - 1, -1, -1)
                          if isinstance(events[i], UserUttered)), None)
        if last_user is None:
            return False
        latest = events[last_user]
        if (latest.metadata or {}).get("turn") != turn or latest.text != text:
            return False
        for event in events[last_user + 1:]:
            if isinstance(event, BotUttered):
                await collector.send_response(sender_id, event.message())
        logger.info("mapbot channel: turn %s of a conversation sent again (a replay)", turn)
        return True

    # Routes -------------------------------------------------------------------------

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        channel = Blueprint("mapbot_secure_rest", __name__)

        @channel.listener("after_server_start")
        async def freeze(app: Any, loop: Any) -> None:
            freeze_startup_objects()  # the model and libraries: millions of objects

        @channel.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if not self._allowed(request):
                return _refused()
            down = await self._down(request)
            return _unavailable(*down) if down else response.json({"status": "ok"})

        @channel.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._allowed(request):
                return _refused()
            body = _json_body(request)
            sender_id, text = body.get("sender"), body.get("message")
            metadata = body.get("metadata") or {}
            if (not isinstance(sender_id, str) or not 0 < len(sender_id) <= MAX_SENDER_CHARS
                    or not isinstance(text, str) or not isinstance(metadata, dict)):
                return response.json({"error": "Bad request."}, status=400)
            turn = metadata.get("turn")
            turn = turn if isinstance(turn, int) and not isinstance(turn, bool) else None

            # Before queueing: a server that cannot run a turn says so at once, so the
            # portal can send the message to another server without waiting here.
            down = await self._down(request)
            if down:
                return _unavailable(*down)  # nothing was done: another server may try
            async with self._turns:
                return await self._take_turn(request, sender_id, text, turn, metadata)

        return channel

    async def _take_turn(self, request: Request, sender_id: str, text: str,
                         turn: int | None, metadata: dict) -> HTTPResponse:
        # A turn waiting for its conversation's lock (another portal sent a message of
        # the same conversation) keeps its place here meanwhile: rare, and short.
        agent = request.app.ctx.agent
        collector = CollectingOutputChannel()
        try:
            # What Agent.handle_message does, with the replay check inside the lock.
            async with conversation_lock(agent.lock_store, sender_id):
                with _one_turn(agent, sender_id):
                    replayed = await self._replay(agent, sender_id, text, turn, collector)
                    if not replayed:
                        await agent.processor.handle_message(UserMessage(
                            text, collector, sender_id, input_channel=self.name(),
                            metadata=metadata))
        except Exception as error:  # noqa: BLE001 - never echo the message
            logger.error("mapbot channel: a turn failed (%s)", type(error).__name__)
            return response.json({"error": "The turn failed."}, status=500)
        return response.json(collector.messages)
