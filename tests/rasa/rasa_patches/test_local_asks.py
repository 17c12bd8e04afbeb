"""The questions asked inside the Rasa server are exactly what the action server would
have answered; every other custom action still goes to the action server."""

from __future__ import annotations

import json

import pytest
from rasa.core.actions import action as rasa_action
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import ActionExecutor

from bot.rasa_patches.local_asks import LocalEndpoint
from tests.rasa.conftest import CHILD_NAME, DOMAIN_FILE, NAME

# The patches installed as at Rasa's start (run_rasa), stock Rasa again after each test.
pytestmark = pytest.mark.usefixtures("rasa_patched")

ENDPOINT = EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True)


class ActionServer:
    """The action server, in process: every action of the package, replies through JSON."""

    def __init__(self) -> None:
        self.executor = ActionExecutor()
        self.executor.register_package("actions")
        self.calls: list[str] = []
        self.kwargs = ENDPOINT.kwargs

    async def request(self, json: dict | None = None, **_: object) -> dict:
        self.calls.append(json["next_action"])
        return _json_round_trip(await self.executor.run(json))


def _json_round_trip(value: dict) -> dict:
    return json.loads(json.dumps(value))


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN_FILE))


def tracker(domain: Domain, **slots: object) -> DialogueStateTracker:
    events = [SlotSet("role", "parent"), SlotSet("audience", "adult"), SlotSet("name", NAME),
              SlotSet("child_name", CHILD_NAME), SlotSet("stage", "mapping"),
              *(SlotSet(name, value) for name, value in slots.items()),
              ActionExecuted("action_listen"),
              UserUttered("She is kind", {"name": "inform_strength", "confidence": 0.9}),
              ActionExecuted("adult_form"), ActiveLoop("adult_form")]
    return DialogueStateTracker.from_events("asks", events, domain.slots)


def without_times(events: list) -> list[dict]:
    return [{k: v for k, v in event.as_dict().items() if k != "timestamp"} for event in events]


async def run(action: rasa_action.Action, tracker: DialogueStateTracker, domain: Domain):
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return await action.run(CollectingOutputChannel(), nlg, tracker, domain)


@pytest.mark.parametrize(("slot", "slots"), [
    ("going_well", {}), ("going_well", {"last_asked": "going_well"}),
    ("scale", {"simpler": True}), ("scale_higher", {"scale_value": 10.0}),
    ("helpers", {"last_asked": "harder"}),
])
async def test_a_question_asked_here_is_the_action_servers(domain: Domain, slot: str,
                                                           slots: dict) -> None:
    name = f"action_ask_{slot}"
    local = rasa_action.action_for_name_or_text(name, domain, ENDPOINT)
    assert isinstance(local.action_endpoint, LocalEndpoint)
    server = ActionServer()
    remote = rasa_action.RemoteAction(name, server)
    here = await run(local, tracker(domain, **slots), domain)
    there = await run(remote, tracker(domain, **slots), domain)
    assert server.calls == [name]
    assert here and without_times(here) == without_times(there)


def test_every_other_custom_action_goes_to_the_action_server(domain: Domain) -> None:
    for name in ("validate_adult_form", "action_welcome", "action_submit", "action_review"):
        found = rasa_action.action_for_name_or_text(name, domain, ENDPOINT)
        assert isinstance(found, rasa_action.RemoteAction)
        assert found.action_endpoint is ENDPOINT
    asks = {name for name in domain.user_actions if name.startswith("action_ask_")}
    assert asks == LocalEndpoint(ENDPOINT).names
