"""A tracker's copy made from its state, instead of by replaying all its events.

Rasa 3.6 copies the tracker before every action it runs (`_run_action`), and its
`copy()` replays every event of the conversation into a new tracker: two or three times
a turn, over a conversation of ~200 events (4% of the Rasa server's busy time,
bench/FINDINGS.md). A tracker's state is by design what replaying its events gives
(`DialogueStateTracker.__init__`: "MUST be re-creatable by processing all the
events"), so the copy takes that state directly: the same events, copies of the slots,
the active loop and the latest action, the same latest messages.
"""

from __future__ import annotations

import copy
import dataclasses
import math

from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

stock_copy = DialogueStateTracker.copy


def _copy(self: DialogueStateTracker) -> DialogueStateTracker:
    if isinstance(self.slots, AnySlotDict) or any(
            not event.timestamp <= math.inf for event in self.events):
        # A tracker without a domain's slots, or an event Rasa's copy would stop at.
        return stock_copy(self)
    new = self.init_copy()
    new.events = new._create_events(list(self.events))
    new.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
    new._paused = self._paused
    new.followup_action = self.followup_action
    new.latest_action = copy.copy(self.latest_action)
    new.latest_message = self.latest_message
    new.latest_bot_utterance = self.latest_bot_utterance
    new.active_loop = dataclasses.replace(self.active_loop) if self.active_loop else None
    return new


def install() -> None:
    DialogueStateTracker.copy = _copy
