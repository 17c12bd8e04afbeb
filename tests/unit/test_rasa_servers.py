"""Routing conversations over several Rasa servers: sticky by sender id, with failover."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest

from bot.rasa_client import RasaClient, RasaNotReady, RasaServers, RasaUnavailable

SECRET = "a-channel-secret-for-tests"


class FakeServer:
    """One Rasa server's mapbot channel; `mode` says how it fails."""

    def __init__(self, name: str) -> None:
        self.name, self.mode, self.seen = name, "up", []

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {SECRET}"
        if self.mode == "refused":
            raise httpx.ConnectError("Connection refused", request=request)
        if self.mode == "connect-timeout":
            raise httpx.ConnectTimeout("timed out", request=request)
        if self.mode == "read-timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.mode == "actions-down":
            return httpx.Response(503, json={"status": "unavailable", "down": ["actions"]})
        if request.url.path == "/webhooks/mapbot/":
            return httpx.Response(200, json={"status": "ok"})
        body = json.loads(request.content)
        self.seen.append(body["sender"])
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": self.name}])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client(url: str, server: FakeServer) -> RasaClient:
    rasa = RasaClient(url, timeout=5, secret=SECRET)
    rasa._http = httpx.AsyncClient(base_url=rasa.base_url, headers=rasa._http.headers,
                                   transport=httpx.MockTransport(server.handle))
    return rasa


@pytest.fixture
def servers() -> list[FakeServer]:
    return [FakeServer(f"rasa-{n}") for n in (1, 2, 3)]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def router(servers, clock) -> RasaServers:
    urls = [f"http://10.0.0.{n}:5005" for n in (1, 2, 3)]
    return RasaServers([client(url, server) for url, server in zip(urls, servers, strict=True)],
                       down_seconds=5, clock=clock)


async def answered_by(router: RasaServers, sender: str) -> str:
    return (await router.send(sender, "hello", {"text": "hello", "turn": 0}))[0]["text"]


def home(router: RasaServers, servers: list[FakeServer], sender: str) -> FakeServer:
    return servers[router.order(sender)[0]]


async def test_a_conversation_always_goes_to_the_same_server(router, servers) -> None:
    for sender in (f"c{n}" for n in range(12)):
        first = await answered_by(router, sender)
        assert {await answered_by(router, sender) for _ in range(5)} == {first}
        assert first == home(router, servers, sender).name


async def test_every_portal_picks_the_same_server(router, servers, clock) -> None:
    pairs = zip(router.clients, servers, strict=True)
    other = RasaServers([client(c.base_url, s) for c, s in pairs], clock=clock)
    senders = [f"conversation-{n}" for n in range(200)]
    assert [router.order(s) for s in senders] == [other.order(s) for s in senders]


def test_conversations_are_spread_over_the_servers(router) -> None:
    homes = Counter(router.order(f"conversation-{n}")[0] for n in range(3000))
    assert set(homes) == {0, 1, 2}
    assert all(800 < count < 1200 for count in homes.values()), homes


def test_adding_a_server_moves_only_the_conversations_it_takes(router, servers) -> None:
    bigger = RasaServers(router.clients + [client("http://10.0.0.4:5005", FakeServer("4"))])
    senders = [f"conversation-{n}" for n in range(2000)]
    moved = [s for s in senders if bigger.order(s)[0] != router.order(s)[0]]
    assert all(bigger.order(s)[0] == 3 for s in moved)  # only to the new server
    assert 350 < len(moved) < 650


@pytest.mark.parametrize("failure", ["refused", "connect-timeout", "actions-down"])
async def test_a_server_that_cannot_take_a_message_fails_over(router, servers, clock,
                                                              failure) -> None:
    sender = "conversation-7"
    order = router.order(sender)
    first, second = servers[order[0]], servers[order[1]]
    first.mode = failure
    assert await answered_by(router, sender) == second.name
    # It sticks to the second while the first is down, without asking the first again.
    first.mode = "up"
    clock.now += 4
    assert await answered_by(router, sender) == second.name
    # Once the first has had time to come back, the conversation goes home.
    clock.now += 2
    assert await answered_by(router, sender) == first.name
    assert first.seen == [sender]


async def test_a_message_that_may_have_been_taken_is_not_sent_elsewhere(router, servers):
    """A read timeout means the turn may be running: sending it to another server could
    run it twice. The person is asked to send it again instead."""
    sender = "conversation-8"
    servers[router.order(sender)[0]].mode = "read-timeout"
    with pytest.raises(RasaUnavailable) as raised:
        await answered_by(router, sender)
    assert not isinstance(raised.value, RasaNotReady)
    assert all(not server.seen for server in servers)


async def test_nothing_can_answer_when_every_server_is_down(router, servers) -> None:
    for server in servers:
        server.mode = "refused"
    with pytest.raises(RasaUnavailable):
        await answered_by(router, "conversation-9")
    # A server marked down is still tried when it is the only hope.
    servers[2].mode = "up"
    assert await answered_by(router, "conversation-9") == servers[2].name


async def test_status_names_what_is_down_as_the_processes_are_named(router, servers):
    servers[1].mode = "refused"
    servers[2].mode = "actions-down"
    status = await router.status()
    assert status == [[], ["rasa"], ["actions"]]
    assert RasaServers.names_down(status) == ["rasa-2", "actions-3"]
