"""Applied events carried on from the last call give what Rasa's own code gives, for
conversations that grow one event at a time with forms, rewinds, restarts and copies."""

from __future__ import annotations

import random

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_patches import applied_events as memo

# The patches installed as at Rasa's start (run_rasa), stock Rasa again after each test.
pytestmark = pytest.mark.usefixtures("rasa_patched")


def _rasas(events: list[Event]) -> list[Event]:
    """Rasa's own answer, for a tracker with these events."""
    tracker = DialogueStateTracker("someone-else", [])
    tracker.events.extend(events)
    return memo.stock_applied_events(tracker)


def _random_event(rng: random.Random, forms: list[str]) -> Event:
    form = rng.choice(forms)
    return rng.choice([
        lambda: ActionExecuted("action_listen"),
        lambda: UserUttered("hi", {"name": "inform", "confidence": 1.0}),
        lambda: ActionExecuted(form), lambda: ActiveLoop(form), lambda: ActiveLoop(None),
        lambda: SlotSet("requested_slot", "x"), lambda: ActionExecutionRejected(form),
        lambda: ActionExecuted("utter_ask_x"), lambda: ActionExecuted("action_recover"),
        lambda: FollowupAction(form),
        lambda: rng.choice([Restarted(), SessionStarted(), UserUtteranceReverted(),
                            ActionReverted()]),
    ])()


@pytest.fixture(autouse=True)
def _forget() -> None:
    memo.forget()


@pytest.mark.parametrize("seed", range(40))
def test_a_growing_conversation_gets_rasas_applied_events(seed: int) -> None:
    rng = random.Random(seed)
    # The later forms appear only part way, so that a new loop name must start afresh.
    forms = ["adult_form"] if seed % 2 else ["adult_form", "child_form"]
    tracker = DialogueStateTracker("parent", [])
    for step in range(150):
        if step == 75:
            forms.append("late_form")
        tracker.update(_random_event(rng, forms))
        if rng.random() < 0.6:  # some calls are skipped: several new events at once
            ours = tracker.applied_events()
            assert [id(e) for e in ours] == [id(e) for e in _rasas(list(tracker.events))]
        if rng.random() < 0.1:  # a copy, or an older tracker of the same conversation
            older = DialogueStateTracker("parent", [])
            older.events.extend(list(tracker.events)[:rng.randrange(len(tracker.events) + 1)])
            assert older.applied_events() == _rasas(list(older.events))


def test_a_form_conversation_keeps_only_the_form_steps_rasa_keeps() -> None:
    tracker = DialogueStateTracker("parent", [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("start", {"name": "start", "confidence": 1.0}))
    tracker.update(ActionExecuted("adult_form"))
    tracker.update(ActiveLoop("adult_form"))
    for answer in ("She is kind", "We laugh", "School"):
        tracker.applied_events()
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(answer, {"name": "inform", "confidence": 1.0}))
        tracker.update(ActionExecuted("adult_form"))
    ours = tracker.applied_events()
    assert ours == _rasas(list(tracker.events))
    assert [e.action_name for e in ours if isinstance(e, ActionExecuted)] == [
        "action_listen", "adult_form"]  # the happy path folded, as Rasa folds it


def test_other_objects_with_the_same_conversation_id_are_worked_out_afresh() -> None:
    one = DialogueStateTracker("same", [])
    one.update(ActionExecuted("action_listen"))
    assert one.applied_events() == _rasas(list(one.events))
    other = DialogueStateTracker("same", [])
    other.update(ActionExecuted("action_listen"))  # equal, but not the same object
    other.update(Restarted())
    assert other.applied_events() == []


def test_what_callers_get_is_theirs_to_change() -> None:
    tracker = DialogueStateTracker("parent", [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.applied_events().clear()
    assert len(tracker.applied_events()) == 1


def test_only_recent_conversations_are_remembered() -> None:
    for number in range(memo.MEMO_SIZE + 10):
        tracker = DialogueStateTracker(f"c{number}", [])
        tracker.update(ActionExecuted("action_listen"))
        tracker.applied_events()
    assert len(memo._memo) == memo.MEMO_SIZE and "c0" not in memo._memo
