"""A tracker copied from its state is the tracker Rasa's copy (replaying every event)
makes, whatever the conversation went through."""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

import rasa_addons  # noqa: F401 - installs the copy, as Rasa's import of the channel does
from rasa_addons.tracker_copy import stock_copy
from tests.actions.conftest import DOMAIN_FILE

START = [ActionExecuted("action_session_start"), SessionStarted(),
         SlotSet("audience", "adult"), SlotSet("stage", "mapping"),
         ActionExecuted("action_listen"),
         UserUttered("yes", {"name": "affirm", "confidence": 1.0})]
FORM = [ActionExecuted("adult_form"), ActiveLoop("adult_form"),
        SlotSet("requested_slot", "like_child"), BotUttered("What do you like?"),
        ActionExecuted("action_listen"),
        UserUttered("She is kind", {"name": "inform_strength", "confidence": 0.9}),
        SlotSet("like_child", "She is kind")]
CASES = {
    "welcome": START,
    "in the form": START + FORM,
    "form rejected": START + FORM + [ActionExecutionRejected("adult_form")],
    "form interrupted": START + FORM + [LoopInterrupted(True)],
    "form ended": START + FORM + [ActiveLoop(None), SlotSet("requested_slot", None)],
    "paused and resumed": START + [ConversationPaused(), ConversationResumed()],
    "paused": START + [ConversationPaused()],
    "followup": START + [FollowupAction("action_review")],
    "undone": START + FORM + [UserUtteranceReverted()],
    "action undone": START + FORM + [ActionExecuted("action_review"), ActionReverted()],
    "restarted": START + FORM + [Restarted(), ActionExecuted("action_listen")],
    "empty": [],
}


def state(tracker: DialogueStateTracker) -> dict:
    found = {name: value for name, value in vars(tracker).items() if name != "slots"}
    found["events"] = list(tracker.events)
    found["slots"] = {name: (slot.value, slot.has_been_set)
                      for name, slot in tracker.slots.items()}
    return found


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_copy_is_rasas_copy(name: str) -> None:
    domain = Domain.load(str(DOMAIN_FILE))
    tracker = DialogueStateTracker.from_events("copy", CASES[name], domain.slots)
    ours, rasas = tracker.copy(), stock_copy(tracker)
    assert state(ours) == state(rasas)
    assert ours.past_states(domain) == rasas.past_states(domain)
    assert ours.current_state() == rasas.current_state()


def test_the_copy_is_its_own() -> None:
    domain = Domain.load(str(DOMAIN_FILE))
    tracker = DialogueStateTracker.from_events("copy", START + FORM, domain.slots)
    copied = tracker.copy()
    copied.update(SlotSet("like_child", "changed"))
    copied.update(ActionExecutionRejected("adult_form"))
    assert tracker.get_slot("like_child") == "She is kind"
    assert not tracker.active_loop.rejected
    assert len(tracker.events) == len(START + FORM)
