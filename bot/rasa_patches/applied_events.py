"""`DialogueStateTracker.applied_events`, carried on from the last call for a conversation.

Rasa 3.6 works out a tracker's applied events (its events without those undone by
restarts, rewinds and a form's own happy path) from the first event on, every time: at
the start of every turn (only to see whether there are any), for every prediction
(through the states of the conversation) and for every tracker copy. In a long form
every form step walks back to the previous one, and each event is checked against
Rasa's event classes (abstract classes, so each check is a Python call): 9% of the Rasa
server's busy time (bench/FINDINGS.md).

The work is a left fold over the events, given the names of the loops the events
activate anywhere in the conversation. So for a tracker whose events begin with exactly
the events (the same objects) of the last call for that conversation, and whose new
events activate no other loop, the fold carries on from where that call ended. Anything
else is worked out from the start, as Rasa does.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

stock_applied_events = DialogueStateTracker.applied_events
MEMO_SIZE = 256  # conversations, as many as the tracker store remembers


@dataclass(frozen=True)
class _Fold:
    events: list[Event]  # the tracker's events, the same objects
    loop_names: frozenset[str]  # the loops those events activate
    applied: list[Event]  # their applied events (never handed out: callers get copies)


_memo: OrderedDict[str, _Fold] = OrderedDict()


def _loop_names(events: Iterable[Event]) -> set[str]:
    return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}


def _fold(tracker: DialogueStateTracker, events: Iterable[Event],
          loop_names: frozenset[str], applied: list[Event]) -> list[Event]:
    """The loop of Rasa 3.6's `applied_events`, from `applied` on (changed in place)."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
              and not tracker._first_loop_execution_or_unhappy_path(event.action_name,
                                                                    applied)):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def _carried_on(tracker: DialogueStateTracker, events: list[Event]) -> _Fold | None:
    """The last call's fold carried on over the new events, when it can be."""
    last = _memo.get(tracker.sender_id)
    if last is None or len(last.events) > len(events) or not all(
            map(operator.is_, last.events, events)):
        return None
    new = events[len(last.events):]
    if not _loop_names(new) <= last.loop_names:
        return None
    return _Fold(events, last.loop_names, _fold(tracker, new, last.loop_names,
                                                list(last.applied)))


def applied_events(self: DialogueStateTracker) -> list[Event]:
    """All events that should be applied, without the reverted ones (as Rasa's)."""
    events = list(self.events)
    fold = _carried_on(self, events)
    if fold is None:
        loop_names = frozenset(_loop_names(events))
        fold = _Fold(events, loop_names, _fold(self, events, loop_names, []))
    _memo[self.sender_id] = fold
    _memo.move_to_end(self.sender_id)
    while len(_memo) > MEMO_SIZE:
        _memo.popitem(last=False)
    return list(fold.applied)


def forget() -> None:
    """Drop every remembered fold (tests)."""
    _memo.clear()


RASA_VERSIONS = ("3.6.21",)  # checked against: its code and its tests (bot/rasa_patches)
# What it replaces, what else of Rasa it relies on (bot/rasa_patches checks both at start).
TARGETS = {"rasa.shared.core.trackers.DialogueStateTracker.applied_events": applied_events}
USES = ("rasa.shared.core.trackers.DialogueStateTracker._undo_till_previous",
        "rasa.shared.core.trackers.DialogueStateTracker._undo_till_previous_loop_execution",
        "rasa.shared.core.trackers.DialogueStateTracker._first_loop_execution_or_unhappy_path")
