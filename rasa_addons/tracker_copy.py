"""A tracker's copy made from its state, instead of by replaying all its events.

Rasa 3.6 copies the tracker before every action it runs (`_run_action`), and its
`copy()` replays every event of the conversation into a new tracker: two or three times
a turn, over a conversation of ~200 events (4% of the Rasa server's busy time,
bench/FINDINGS.md). A tracker's state is by design what replaying its events gives
(`DialogueStateTracker.__init__`: "MUST be re-creatable by processing all the
events"), so the copy takes that state directly: the same events, copies of the slots, the
active loop and the latest action, the same latest messages.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections import deque
from typing import TypeVar

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

T = TypeVar("T")

stock_copy = DialogueStateTracker.copy


def _copy(self: DialogueStateTracker) -> DialogueStateTracker:
    if isinstance(self.slots, AnySlotDict) or any(
            not event.timestamp <= math.inf for event in self.events):
        # A tracker without a domain's slots, or an event Rasa's copy would stop at.
        return stock_copy(self)
    new = _shallow(self)
    new.sender_id = self.sender_id or DEFAULT_SENDER_ID
    new.events = deque(self.events, self._max_event_history)
    new.slots = {name: _shallow(slot) for name, slot in self.slots.items()}
    new.latest_action = copy.copy(self.latest_action)
    new.active_loop = dataclasses.replace(self.active_loop) if self.active_loop else None
    # What `init_copy` leaves out, Rasa's copy has not either.
    new.sender_source = new.model_id = new.assistant_id = None
    return new


def _shallow(thing: T) -> T:
    """`copy.copy` of a plain object, without its generic machinery (~40 slots a copy)."""
    new = object.__new__(type(thing))
    new.__dict__.update(thing.__dict__)
    return new


def install() -> None:
    DialogueStateTracker.copy = _copy
