"""The portal's loopback-only doors and its memory (issue 21, item 10): the internal
endpoint and the health check's details answer only on this machine (or an allowed
network), over real sockets; health checks are shared; unsafe settings stop the start;
the chat's rate limiter and locks, and the sign-in limiter, forget who went quiet."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from contextlib import asynccontextmanager

import httpx
import pytest
from sanic import Sanic

from bot.portal.app import create_app
from bot.portal.rate_limits import MemoryRateLimiter
from tests.portal.portal_support import SECRET, unused_port


@pytest.fixture
def conversation(invitation) -> str:
    return invitation["conversation_id"]


@pytest.fixture(autouse=True)
def no_tasks(monkeypatch) -> None:
    """No alert loop: `create_server` (unlike `app.run`) cannot start background tasks."""
    def add_task(self, task, *args, **kwargs) -> None:
        if hasattr(task, "close"):
            task.close()  # the coroutine never runs

    monkeypatch.setattr(Sanic, "add_task", add_task)


@asynccontextmanager
async def listening(settings, store, **changes):
    """The real portal on a real socket on every address of this machine."""
    app = create_app(dataclasses.replace(settings, **changes), store=store)
    port = unused_port()
    server = await app.create_server(host="0.0.0.0", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    await server.start_serving()
    try:
        yield port
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


def this_machines_address() -> str | None:
    """This machine's own non-loopback address (a UDP "connect" sends nothing), if any."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))
            address = sock.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


OTHER_ADDRESS = this_machines_address() or ""
needs_other_address = pytest.mark.skipif(not OTHER_ADDRESS,
                                         reason="this machine has no non-loopback address")


async def get(address: str, port: int, path: str, **headers) -> httpx.Response:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.get(f"http://{address}:{port}{path}", headers=headers)


@needs_other_address
async def test_the_internal_endpoint_answers_only_on_loopback(settings, store, conversation):
    path, secret = f"/internal/v1/conversations/{conversation}", f"Bearer {SECRET}"
    async with listening(settings, store) as port:
        assert (await get("127.0.0.1", port, path, Authorization=secret)).status_code == 200
        public = await get(OTHER_ADDRESS, port, path, Authorization=secret)
        assert public.status_code == 404 and "Jo Parent" not in public.text
        # Through a reverse proxy on this machine: the public, though from loopback.
        proxied = await get("127.0.0.1", port, path, Authorization=secret,
                            **{"X-Forwarded-For": "203.0.113.9"})
        assert proxied.status_code == 404
    async with listening(settings, store, internal_networks=f"{OTHER_ADDRESS}/32") as port:
        assert (await get(OTHER_ADDRESS, port, path, Authorization=secret)).status_code == 200


@needs_other_address
async def test_what_is_down_is_told_only_on_loopback(settings, store):
    async with listening(settings, store) as port:
        here = await get("127.0.0.1", port, "/healthz")
        public = await get(OTHER_ADDRESS, port, "/healthz")
    # Nothing listens for Rasa in these tests.
    assert here.status_code == public.status_code == 503
    assert here.json()["status"] == "unavailable" and "rasa" in here.json()["down"]
    assert public.json() == {"status": "unavailable"}


async def test_health_checks_in_a_row_ask_rasa_once(make_app, fake_rasa):
    app = make_app()
    app.ctx.health.seconds = 3600  # a slow machine may take a second over twenty checks
    for _ in range(20):
        _, response = await app.asgi_client.get("/healthz")
        assert response.status == 200
    assert len(fake_rasa.authorization) == 1
    # Later (as if a second had passed) it asks again.
    app.ctx.health.clock = lambda: 10.0 ** 9
    _, response = await app.asgi_client.get("/healthz")
    assert len(fake_rasa.authorization) == 2


async def test_health_checks_at_once_ask_rasa_once(make_app, fake_rasa):
    app = make_app()
    _, response = await app.asgi_client.get("/healthz")  # the app started once
    app.ctx.health.clock = lambda: 10.0 ** 9  # that answer is old now
    results = await asyncio.gather(*(app.ctx.health.result() for _ in range(20)))
    assert {status for _, status in results} == {200}
    assert len(fake_rasa.authorization) == 2  # the first request's, and one for all 20


@pytest.mark.parametrize("changes, words", [
    ({"internal_secret": "x" * 31}, "at least 32"),
    ({"alert_webhook_url": "http://alerts.example.org/hook", "alert_webhook_secret": "s" * 40},
     "must start with https://"),
    ({"out_of_hours_contacts": "http://192.0.2.9/hook", "alert_webhook_secret": "s" * 40},
     "must start with https://"),
    ({"alert_webhook_url": "https://alerts.example.org/hook", "alert_webhook_secret": ""},
     "MAPBOT_ALERT_WEBHOOK_SECRET is empty"),
    ({"internal_networks": "10.1.0.0/33"}, "MAPBOT_INTERNAL_NETWORKS"),
])
def test_unsafe_settings_stop_the_start(settings, store, changes, words):
    with pytest.raises(ValueError, match=words):  # UnsafeSettings, or the networks'
        create_app(dataclasses.replace(settings, **changes), store=store)


@pytest.mark.parametrize("changes", [
    {"internal_secret": "x" * 32},
    {"alert_webhook_url": "https://alerts.example.org/hook", "alert_webhook_secret": "s"},
    {"alert_webhook_url": "http://127.0.0.1:9000/hook", "alert_webhook_secret": "s"},
    {"alert_webhook_url": "http://localhost:9000/hook", "alert_webhook_secret": "s"},
])
def test_safe_settings_start(settings, store, changes):
    create_app(dataclasses.replace(settings, **changes), store=store)


async def test_the_rate_limiter_forgets_quiet_links():
    now = [0.0]
    limiter = MemoryRateLimiter(3, 60, clock=lambda: now[0])
    for n in range(1000):
        assert await limiter.allow(f"link-{n}")
    now[0] = 61.0
    assert await limiter.allow("new-link")
    assert list(limiter.hits) == ["new-link"]
    # A busy link is still limited: forgetting is only for links quiet for a window.
    assert await limiter.allow("new-link") and await limiter.allow("new-link")
    now[0] = 122.0  # a window after the last trim: "new-link" is quiet no longer than 61 s
    assert not await limiter.allow("new-link") or list(limiter.hits) == ["new-link"]


async def test_a_conversations_lock_goes_once_nobody_waits(portal, app, invitation):
    locks = app.ctx.conversation_locks.local.locks
    before = dict(locks)
    for _ in range(3):
        await portal.client.post(f"/api/v1/chat/{invitation['token']}/messages",
                                 json={"text": "hello"})
    assert locks == before == {}
