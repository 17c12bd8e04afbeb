"""Routing conversations over several Rasa servers: sticky by sender id, with failover,
against stand-in channels on real loopback ports (tests/rasa_stand_in.py)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.portal import rasa_client
from bot.portal.rasa_client import RasaClient, RasaNotReady, RasaServers, RasaUnavailable
from tests.rasa_stand_in import RasaStandIn

SECRET = "a-channel-secret-for-tests"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def quick_connect_timeout(monkeypatch) -> None:
    monkeypatch.setattr(rasa_client, "CONNECT_SECONDS", 0.5)


def client(url: str) -> RasaClient:
    return RasaClient(url, timeout=1, secret=SECRET)


@pytest.fixture
async def servers() -> AsyncIterator[list[RasaStandIn]]:
    stand_ins = [await RasaStandIn(reply_text=f"rasa-{n}").start() for n in (1, 2, 3)]
    yield stand_ins
    for stand_in in stand_ins:
        await stand_in.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def router(servers, clock) -> AsyncIterator[RasaServers]:
    router = RasaServers([client(server.url) for server in servers], down_seconds=5,
                         clock=clock)
    yield router
    await router.close()


async def answered_by(router: RasaServers, sender: str) -> str:
    return (await router.send(sender, "hello", {"text": "hello", "turn": 0}))[0]["text"]


def home(router: RasaServers, servers: list[RasaStandIn], sender: str) -> RasaStandIn:
    return servers[router.order(sender)[0]]


async def test_a_conversation_always_goes_to_the_same_server(router, servers) -> None:
    for sender in (f"c{n}" for n in range(12)):
        first = await answered_by(router, sender)
        assert {await answered_by(router, sender) for _ in range(5)} == {first}
        assert first == home(router, servers, sender).reply[0]["text"]
    assert {key for server in servers for key in server.authorization} == {
        f"Bearer {SECRET}"}


async def test_every_portal_picks_the_same_server(router, clock) -> None:
    other = RasaServers([client(c.base_url) for c in router.clients], clock=clock)
    senders = [f"conversation-{n}" for n in range(200)]
    assert [router.order(s) for s in senders] == [other.order(s) for s in senders]


def test_conversations_are_spread_over_the_servers(router) -> None:
    homes = Counter(router.order(f"conversation-{n}")[0] for n in range(3000))
    assert set(homes) == {0, 1, 2}
    assert all(800 < count < 1200 for count in homes.values()), homes


def test_adding_a_server_moves_only_the_conversations_it_takes(router) -> None:
    bigger = RasaServers(router.clients + [client("http://10.0.0.4:5005")])
    senders = [f"conversation-{n}" for n in range(2000)]
    moved = [s for s in senders if bigger.order(s)[0] != router.order(s)[0]]
    assert all(bigger.order(s)[0] == 3 for s in moved)  # only to the new server
    assert 350 < len(moved) < 650


def name(server: RasaStandIn) -> str:
    return server.reply[0]["text"]


@pytest.mark.parametrize("failure", ["refused", "connect-timeout", "actions-down"])
async def test_a_server_that_cannot_take_a_message_fails_over(router, servers, clock,
                                                              failure) -> None:
    sender = "conversation-7"
    order = router.order(sender)
    first, second = servers[order[0]], servers[order[1]]
    await first.become(failure)
    assert await answered_by(router, sender) == name(second)
    # It sticks to the second while the first is down, without asking the first again.
    await first.become("up")
    clock.now += 4
    assert await answered_by(router, sender) == name(second)
    # Once the first has had time to come back, the conversation goes home.
    clock.now += 2
    assert await answered_by(router, sender) == name(first)
    assert first.senders == [sender]
    assert second.senders == [sender, sender]


async def test_a_message_that_may_have_been_taken_is_not_sent_elsewhere(router, servers):
    """A read timeout means the turn may be running: sending it to another server could
    run it twice. The person is asked to send it again instead."""
    sender = "conversation-8"
    taker = servers[router.order(sender)[0]]
    await taker.become("read-timeout")
    with pytest.raises(RasaUnavailable) as raised:
        await answered_by(router, sender)
    assert not isinstance(raised.value, RasaNotReady)
    assert taker.senders == [sender]
    assert all(not server.sent for server in servers if server is not taker)


async def test_an_answer_that_is_not_messages_is_no_reply(router, servers) -> None:
    sender = "conversation-10"
    servers[router.order(sender)[0]].reply = {"not": "a list"}  # type: ignore[assignment]
    with pytest.raises(RasaUnavailable):
        await answered_by(router, sender)


async def test_a_busy_pool_is_not_a_server_down(servers, monkeypatch) -> None:
    """Waiting longer than the connect timeout for a free pooled connection is waiting
    for other turns to finish, not a server that cannot be reached."""
    monkeypatch.setattr(rasa_client, "POOL_CONNECTIONS", 1)
    server = servers[0]
    server.delay = 0.8  # longer than the 0.5 s connect timeout
    rasa = RasaClient(server.url, timeout=3, secret=SECRET)
    try:
        replies = await asyncio.gather(*(rasa.send(f"c{n}", "hi", {}) for n in range(2)))
    finally:
        await rasa.close()
    assert [reply[0]["text"] for reply in replies] == ["rasa-1", "rasa-1"]
    assert sorted(server.senders) == ["c0", "c1"]


async def test_nothing_can_answer_when_every_server_is_down(router, servers) -> None:
    for server in servers:
        await server.become("refused")
    with pytest.raises(RasaUnavailable):
        await answered_by(router, "conversation-9")
    # A server marked down is still tried when it is the only hope.
    await servers[2].become("up")
    assert await answered_by(router, "conversation-9") == name(servers[2])


async def test_status_names_what_is_down_as_the_processes_are_named(router, servers):
    await servers[1].become("refused")
    await servers[2].become("actions-down")
    status = await router.status()
    assert status == [[], ["rasa"], ["actions"]]
    assert RasaServers.names_down(status) == ["rasa-2", "actions-3"]


async def test_a_server_killed_mid_turn_hands_the_same_turn_to_the_next(router, servers,
                                                                         clock) -> None:
    """Ten conversations sending at once to a server that dies with their messages in
    flight: each gets its reply from its next server, sent as the same turn."""
    first = servers[0]
    senders = [s for s in (f"conversation-{n}" for n in range(200))
               if router.order(s)[0] == 0][:10]
    await first.become("dies-mid-turn")
    replies = await asyncio.gather(*(
        router.send(s, "We bake on Sundays", {"text": "We bake on Sundays", "turn": 4})
        for s in senders))
    for sender, reply in zip(senders, replies, strict=True):
        taker = servers[router.order(sender)[1]]
        assert reply[0]["text"] == name(taker)
        assert [b for b in taker.sent if b["sender"] == sender] == [
            {"sender": sender, "message": "We bake on Sundays",
             "metadata": {"text": "We bake on Sundays", "turn": 4}}]
    assert first.senders and set(first.senders) <= set(senders)
    # Marked down: the next message goes straight to the next server.
    sent_before = len(first.sent)
    assert await answered_by(router, senders[0]) == name(servers[router.order(senders[0])[1]])
    assert len(first.sent) == sent_before


async def test_a_dropped_connection_to_a_live_server_is_retried_there(router,
                                                                      servers) -> None:
    """The server still answers: the turn goes to it again (its replay check makes the
    resend safe), and the conversation keeps to its server."""
    sender = "conversation-11"
    taker = home(router, servers, sender)
    await taker.become("drops-once")
    assert await answered_by(router, sender) == name(taker)
    assert taker.senders == [sender, sender]
    assert all(not server.sent for server in servers if server is not taker)
