"""A stand-in for one Rasa server's mapbot channel (bot/rasa_plugins/secure_rest.py), served
over real HTTP on a loopback port, for the tests of the portal's side of it.

It answers as the channel does and records what it was sent. Its `mode` says how it
fails: "up", "actions-down" (503, as when its action server is down), "read-timeout"
(takes the message and never answers), "refused" (nothing listens on its port),
"connect-timeout" (a port whose queue of connections is full: connecting never ends),
"dies-mid-turn" (takes the message, then drops the connection and stops listening, as a
server killed with SIGKILL does) and "drops-once" (takes the message and drops that
connection, then is "up" again, as a server that lost one connection but lives on).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from typing import Any

from aiohttp import web

from bot.operations.stack import free_port
from bot.portal.rasa_client import CHANNEL

MODES = ("up", "actions-down", "read-timeout", "refused", "connect-timeout", "dies-mid-turn",
         "drops-once")


class RasaStandIn:
    def __init__(self, port: int | None = None, reply_text: str = "Hello, I am MapBot.") -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = "up"
        self.delay = 0.0  # seconds before each answer
        self.status = 200
        self.reply: list[dict] = [{"text": reply_text}]
        self.sent: list[dict] = []
        self.authorization: list[str] = []
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()  # ends the answers it is holding back
        self._full_queue: list[socket.socket] = []

    @property
    def actions_up(self) -> bool:
        return self.mode != "actions-down"

    @actions_up.setter
    def actions_up(self, up: bool) -> None:
        self.mode = "up" if up else "actions-down"

    @property
    def senders(self) -> list[str]:
        return [body["sender"] for body in self.sent]

    async def become(self, mode: str) -> None:
        """Change how it fails, listening (or not) on the same port throughout."""
        assert mode in MODES, mode
        self.mode = mode
        await self._close()
        if mode == "connect-timeout":
            self._full_queue = _full_listener(self.port)
            await asyncio.sleep(0.05)  # the kernel finishes the fillers' handshakes
        elif mode != "refused":
            await self._serve()

    async def start(self) -> RasaStandIn:
        await self.become(self.mode)
        return self

    async def stop(self) -> None:
        await self._close()

    # HTTP --------------------------------------------------------------------------

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get(f"{CHANNEL}/", self._health)
        app.router.add_post(f"{CHANNEL}/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def _health(self, request: web.Request) -> web.Response:
        self.authorization.append(request.headers.get("Authorization", ""))
        if self.mode == "actions-down":
            return _unavailable()
        return web.json_response({"status": "ok"})

    async def _webhook(self, request: web.Request) -> web.Response:
        self.authorization.append(request.headers.get("Authorization", ""))
        body: Any = json.loads(await request.read())
        if self.mode == "actions-down":
            return _unavailable()
        self.sent.append(body)
        if self.mode in ("dies-mid-turn", "drops-once", "refused"):  # "refused": dying
            return await self._drop(request)
        if self.mode == "read-timeout":
            await self._closing.wait()
        await asyncio.sleep(self.delay)
        return web.json_response(self.reply, status=self.status)

    async def _drop(self, request: web.Request) -> web.Response:
        """Close the connection without an answer (and stop listening, if it dies)."""
        dies = self.mode == "dies-mid-turn"
        self.mode = "up" if self.mode == "drops-once" else "refused"
        assert request.transport is not None
        request.transport.abort()
        if dies:
            # After this answer's handler ends: the runner's cleanup waits for it.
            asyncio.get_running_loop().call_soon(
                lambda: asyncio.ensure_future(self._close()))
        return web.Response()  # goes nowhere: the connection is gone

    async def _close(self) -> None:
        if self._runner is not None:
            self._closing.set()
            await self._runner.cleanup()
            self._runner = None
            self._closing = asyncio.Event()
        for sock in self._full_queue:
            sock.close()
        self._full_queue = []


def _unavailable() -> web.Response:
    return web.json_response({"status": "unavailable", "down": ["actions"]}, status=503)


def _full_listener(port: int) -> list[socket.socket]:
    """A listening socket that never accepts, with its queue filled: the kernel drops
    every further connection attempt, so connecting times out."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(0)
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    return [listener, *fillers]
