"""Rasa's calls to the action server: the prebuilt validator accepts and refuses replies
exactly as Rasa's does, and this turn's events are enough for the actions."""

from __future__ import annotations

import copy
from datetime import datetime

import pytest
from jsonschema import ValidationError, validate
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AgentUttered,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    FollowupAction,
    LoopInterrupted,
    ReminderCancelled,
    ReminderScheduled,
    Restarted,
    SessionStarted,
    SlotSet,
    StoryExported,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk.executor import ActionExecutor

from bot.rasa_patches.remote_action import EventKinds
from tests.rasa.conftest import (
    CHILD_NAME,
    CONVERSATION,
    DOMAIN_FILE,
    NAME,
    FakePortal,
)

# The patches installed as at Rasa's start (run_rasa), stock Rasa again after each test.
pytestmark = pytest.mark.usefixtures("rasa_patched")

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


def _every_kind_of_event() -> list[dict]:
    """One event of each kind Rasa has, as an action server would send it."""
    return [event.as_dict() for event in (
        UserUttered("hi", {"name": "greet", "confidence": 0.9}, [
            {"entity": "house", "value": "dreams", "start": 0, "end": 2}]),
        ActionExecuted("utter_x", policy="p", confidence=0.5), SlotSet("x", [1, "a"]),
        EntitiesAdded([{"entity": "house", "value": "worries"}]),
        DefinePrevUserUtteredFeaturization(True), ReminderCancelled("r"),
        ReminderScheduled("intent_x", datetime(2026, 1, 1), name="r"),
        ActionExecutionRejected("a_form"), LoopInterrupted(True), ActiveLoop("a_form"),
        ActiveLoop(None), AllSlotsReset(), ConversationResumed(), ConversationPaused(),
        FollowupAction("action_x"), StoryExported(), Restarted(), UserUtteranceReverted(),
        ActionReverted(), BotUttered("hello", {"buttons": []}), SessionStarted(),
        AgentUttered("hi")) if event.as_dict().get("event")]


def _wrong(value: object) -> list[object]:
    """Values of other JSON types than `value`'s."""
    return [v for v in (None, 1, 1.5, "text", True, [], {}, [1], {"a": 1})
            if type(v) is not type(value)]


def _replies() -> list[dict]:
    """Good replies, and replies with one thing wrong in one event, of every kind."""
    events = _every_kind_of_event()
    replies: list = [{"events": events, "responses": [{"text": "hi"}]}, {}, [], None,
                     {"events": None}, {"events": [{}]}, {"events": [{"event": "nope"}]},
                     {"events": [{"event": 5}]}]
    for event in events:
        replies.append({"events": [event]})
        for key, value in event.items():
            replies.append({"events": [{k: v for k, v in event.items() if k != key}]})
            replies += [{"events": [event, {**event, key: wrong}]} for wrong in _wrong(value)]
        replies += [{"events": [{**event, "extra": 1}]}, {"events": [event, 7]}]
    return replies


def test_checking_each_event_by_its_kind_agrees_with_the_whole_schema() -> None:
    """Every event kind, and every way one field can be wrong, judged as jsonschema does."""
    whole = validator_for(SPEC)(SPEC)
    replies = _replies()
    verdicts = [(whole.is_valid(reply), EventKinds(SPEC).is_valid(reply)) for reply in replies]
    assert [whole for whole, _ in verdicts] == [split for _, split in verdicts]
    assert sum(whole for whole, _ in verdicts) > 50 and sum(
        not whole for whole, _ in verdicts) > 200  # both verdicts well represented


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
