"""The mapbot channel runs a bounded number of turns at once, first come first served
(bot/rasa_plugins/secure_rest.py), with the channel's own route and a stand-in agent whose
turns finish only when the test lets them."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.lock_store import InMemoryLockStore

from bot.config import Settings, turns_at_once
from bot.rasa_plugins.secure_rest import SecureRestInput

SECRET = "s" * 32


class GatedAgent:
    """Records when each turn starts and finishes; a turn ends when its gate opens."""

    def __init__(self) -> None:
        self.ready = True
        self.started: list[str] = []
        self.running = 0
        self.most_running = 0
        self.gates: dict[str, asyncio.Event] = {}
        self.fail: set[str] = set()
        self.lock_store = InMemoryLockStore()
        self.tracker_store = SimpleNamespace()
        self.processor = SimpleNamespace(handle_message=self.handle_message)

    def is_ready(self) -> bool:
        return self.ready

    async def handle_message(self, message: Any) -> None:
        sender = message.sender_id
        self.started.append(sender)
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            await self.gates.setdefault(sender, asyncio.Event()).wait()
            if sender in self.fail:
                raise RuntimeError("the turn broke")
            await message.output_channel.send_text_message(sender, f"reply to {sender}")
        finally:
            self.running -= 1

    def open(self, sender: str) -> None:
        self.gates.setdefault(sender, asyncio.Event()).set()


def _webhook(channel: SecureRestInput) -> Any:
    blueprint = channel.blueprint(on_new_message=None)  # the route does not use it
    return next(route.handler for route in blueprint._future_routes
                if route.uri == "/webhook")


def _request(agent: GatedAgent, sender: str) -> Any:
    return SimpleNamespace(
        headers={"authorization": f"Bearer {SECRET}"},
        json={"sender": sender, "message": "/affirm", "metadata": {}},
        app=SimpleNamespace(ctx=SimpleNamespace(agent=agent)))


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def _answered(call: asyncio.Task) -> Any:
    """The channel's answer; a turn stuck in the queue fails the test, not hangs it."""
    return await asyncio.wait_for(call, timeout=5)


async def test_no_more_turns_run_at_once_than_allowed_and_they_start_in_order() -> None:
    agent = GatedAgent()
    webhook = _webhook(SecureRestInput(SECRET, most_turns=2))
    senders = [f"family-{n}" for n in range(6)]
    calls = {}
    for sender in senders:  # arriving one after another
        calls[sender] = asyncio.create_task(webhook(_request(agent, sender)))
        await _settle()

    assert agent.started == senders[:2]
    agent.open("family-1")  # the second finishes first: the third comes in, not a later one
    await _settle()
    assert agent.started == senders[:3]
    for sender in senders:
        agent.open(sender)
    replies = [await _answered(call) for call in calls.values()]

    assert agent.started == senders
    assert agent.most_running == 2
    assert [json.loads(reply.body)[0]["text"] for reply in replies] == [
        f"reply to {sender}" for sender in senders]


async def test_a_failed_or_abandoned_turn_gives_its_place_to_the_next() -> None:
    agent = GatedAgent()
    webhook = _webhook(SecureRestInput(SECRET, most_turns=1))
    broken = asyncio.create_task(webhook(_request(agent, "broken")))
    await _settle()
    gone = asyncio.create_task(webhook(_request(agent, "gone")))  # waiting, then left
    waiting = asyncio.create_task(webhook(_request(agent, "waiting")))
    await _settle()
    gone.cancel()
    agent.fail.add("broken")
    agent.open("broken")
    agent.open("waiting")

    assert (await _answered(broken)).status == 500
    assert (await _answered(waiting)).status == 200
    assert agent.started == ["broken", "waiting"]
    with pytest.raises(asyncio.CancelledError):
        await gone


async def test_a_server_that_cannot_run_turns_says_so_without_queueing() -> None:
    """The portal sends the message to another server at once, not after the queue."""
    agent = GatedAgent()
    webhook = _webhook(SecureRestInput(SECRET, most_turns=1))
    running = asyncio.create_task(webhook(_request(agent, "running")))
    await _settle()
    agent.ready = False  # e.g. its model is being replaced
    refused = await _answered(asyncio.create_task(webhook(_request(agent, "refused"))))
    assert refused.status == 503
    assert json.loads(refused.body) == {"status": "unavailable", "down": ["rasa"]}
    agent.open("running")
    assert (await _answered(running)).status == 200
    assert agent.started == ["running"]


@pytest.mark.parametrize(("given", "expected"), [
    (None, Settings.rasa_turns_at_once), ("", Settings.rasa_turns_at_once),
    ("1", 1), (" 8 ", 8), (3, 3)])
def test_turns_at_once_from_the_settings_or_credentials(given: Any, expected: int) -> None:
    assert turns_at_once(given) == expected


@pytest.mark.parametrize("given", ["0", "-2", "many"])
def test_turns_at_once_refuses_what_could_never_run_a_turn(given: str) -> None:
    with pytest.raises(ValueError):
        turns_at_once(given)
