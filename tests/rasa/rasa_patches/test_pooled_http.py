"""Rasa's calls to an endpoint (the action server) reuse one pooled connection."""

from __future__ import annotations

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

# The patches installed as at Rasa's start (run_rasa), stock Rasa again after each test.
pytestmark = pytest.mark.usefixtures("rasa_patched")


async def test_calls_share_one_connection_and_send_the_endpoints_headers() -> None:
    seen: list[tuple[object, str]] = []

    async def webhook(request: web.Request) -> web.Response:
        seen.append((request.transport.get_extra_info("peername"),
                     request.headers.get("Authorization", "")))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook",
                                  headers={"Authorization": "Bearer s3cret"})
        for _ in range(3):
            assert await endpoint.request(json={"next_action": "x"}, method="post") == {
                "events": [], "responses": []}
    finally:
        await runner.cleanup()
    assert len(seen) == 3
    assert {peer for peer, _ in seen} == {seen[0][0]}  # one connection, kept
    assert {auth for _, auth in seen} == {"Bearer s3cret"}


async def test_the_same_replies_as_rasas_own_session(rasa_patched) -> None:
    """Same calls, same replies and headers, with the pooled session and with Rasa's."""
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"echo": body, "auth": request.headers.get("Authorization"),
                                  "query": dict(request.query)})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]

    async def replies() -> list:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", params={"p": "1"},
                                  headers={"Authorization": "Bearer s3cret"})
        return [await endpoint.request(json={"n": n}, method="post") for n in range(2)]

    try:
        ours = await replies()
        rasa_patched.uninstall()
        theirs = await replies()
    finally:
        await runner.cleanup()
    assert ours == theirs and ours[1]["echo"] == {"n": 1}
