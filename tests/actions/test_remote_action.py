"""Rasa's calls to the action server: the prebuilt validator accepts and refuses replies
exactly as Rasa's does, and this turn's events are enough for the actions."""

from __future__ import annotations

import copy

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk.executor import ActionExecutor

import rasa_addons  # noqa: F401 - installs the changes, as Rasa's import of the channel does
from tests.actions.conftest import (
    CHILD_NAME,
    CONVERSATION,
    DOMAIN_FILE,
    NAME,
    FakePortal,
)

SPEC = RemoteAction.action_response_format_spec()
GOOD = [{"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]}]
BAD = [{"events": 5}, {"responses": "hello"}, {"events": [1, 2]}]


@pytest.mark.parametrize("reply", GOOD)
def test_good_replies_pass(reply: dict) -> None:
    validate(reply, SPEC)  # Rasa's own check agrees
    assert RemoteAction("a", None)._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", BAD)
def test_bad_replies_fail_with_rasas_message(reply: dict) -> None:
    with pytest.raises(ValidationError):
        validate(reply, SPEC)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("a", None)._validate_action_result(reply)


# What goes to the action server ---------------------------------------------------------

def _conversation() -> tuple[DialogueStateTracker, Domain]:
    """A parent two questions in, with the form's slot candidate for the third answer."""
    domain = Domain.load(str(DOMAIN_FILE))
    tracker = DialogueStateTracker.from_events(CONVERSATION, [
        ActionExecuted("action_session_start"), SessionStarted(),
        SlotSet("role", "parent"), SlotSet("audience", "adult"), SlotSet("name", NAME),
        SlotSet("child_name", CHILD_NAME), SlotSet("stage", "mapping"),
        ActionExecuted("action_listen"),
        UserUttered("She is kind", {"name": "inform_strength", "confidence": 0.9}),
        SlotSet("like_child", "She is kind"), ActionExecuted("adult_form"),
        ActiveLoop("adult_form"), SlotSet("requested_slot", "going_well"),
        ActionExecuted("action_listen"),
        UserUttered("We laugh a lot", {"name": "inform_strength", "confidence": 0.9},
                    metadata={"text": "We laugh a lot", "turn": 3}),
        SlotSet("going_well", "We laugh a lot"),
    ], domain.slots)
    return tracker, domain


def test_only_this_turns_events_go_with_the_slots_and_latest_message() -> None:
    tracker, domain = _conversation()
    call = RemoteAction("validate_adult_form", None)._action_call_format(tracker, domain)
    full = tracker.current_state(EventVerbosity.ALL)
    sent = call["tracker"]
    assert [event["event"] for event in sent["events"]] == ["user", "slot"]
    assert sent["events"] == full["events"][-2:]
    assert {key: value for key, value in sent.items() if key != "events"} == {
        key: value for key, value in full.items() if key != "events"}
    assert call["next_action"] == "validate_adult_form" and "domain" in call


async def test_the_form_validator_does_the_same_with_this_turn_only(
        fake_portal: FakePortal) -> None:
    """The same validation, the same answer stored, from the whole tracker or this turn."""
    tracker, domain = _conversation()
    full = {"next_action": "validate_adult_form", "sender_id": CONVERSATION,
            "tracker": tracker.current_state(EventVerbosity.ALL), "domain": domain.as_dict()}
    trimmed = RemoteAction("validate_adult_form", None)._action_call_format(tracker, domain)
    executor = ActionExecutor()
    executor.register_package("actions")
    replies = [await executor.run(copy.deepcopy(call)) for call in (full, trimmed)]
    assert replies[0] == replies[1]
    assert {"event": "slot", "name": "going_well", "value": "We laugh a lot",
            "timestamp": None} in replies[1]["events"]
    assert [call[2] for call in fake_portal.saves] == ["going_well", "going_well"]
