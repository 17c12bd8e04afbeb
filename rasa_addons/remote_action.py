"""Rasa's calls to the action server, made cheaper (bench/FINDINGS.md).

- Rasa 3.6 calls `jsonschema.validate()` on every action-server reply, which checks the
  schema itself again on every call (44% of the Rasa server's busy time under load).
  The same validation, with the same errors, runs here with a validator built once.
- Rasa sends the whole conversation (every event, ~200 by the end) with every call, two
  calls a turn. MapBot's actions read the slots, the latest message and this turn's
  events (rasa-sdk's form validation reads the slot events after the latest message),
  so the events sent are those from the latest user message on; the slots, the latest
  message and the active form go as before.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import rasa
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions import action
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.constants import ACTIVE_LOOP, FOLLOWUP_ACTION
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

_SCHEMA = action.RemoteAction.action_response_format_spec()
_VALIDATOR = validator_for(_SCHEMA)(_SCHEMA)


def _validate_action_result(self: action.RemoteAction, result: dict[str, Any]) -> bool:
    error = best_match(_VALIDATOR.iter_errors(result))  # the error jsonschema.validate raises
    if error is not None:
        error.message += (". Failed to validate Action server response from API, make sure "
                          "your response from the Action endpoint is valid. For more "
                          f"information about the format visit {DOCS_BASE_URL}/custom-actions")
        raise error
    return True


def current_turn(events: list[Event]) -> list[Event]:
    """The events from the latest user message on (all of them before the first)."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index:]
    return events


def tracker_for_action(tracker: DialogueStateTracker) -> dict[str, Any]:
    """`tracker.current_state()` with this turn's events. The active loop is not deep-
    copied (`dataclasses.asdict` copied the whole message that started the form, twice
    a turn): the body is turned into JSON before the tracker changes again."""
    loop = tracker.active_loop
    return {
        "sender_id": tracker.sender_id,
        "slots": tracker.current_slot_values(),
        "latest_message": tracker._latest_message_data(),
        "latest_event_time": tracker.events[-1].timestamp if tracker.events else None,
        FOLLOWUP_ACTION: tracker.followup_action,
        "paused": tracker.is_paused(),
        "events": [event.as_dict() for event in current_turn(list(tracker.events))],
        "latest_input_channel": tracker.get_latest_input_channel(),
        ACTIVE_LOOP: ({field.name: getattr(loop, field.name) for field in fields(loop)}
                      if loop else {}),
        "latest_action": tracker.latest_action,
        "latest_action_name": tracker.latest_action_name,
    }


def _action_call_format(self: action.RemoteAction, tracker: DialogueStateTracker,
                        domain: Domain) -> dict[str, Any]:
    """Rasa's call body, with this turn's events only."""
    call = {"next_action": self._name, "sender_id": tracker.sender_id,
            "tracker": tracker_for_action(tracker), "version": rasa.__version__}
    if (not self._is_selective_domain_enabled()
            or domain.does_custom_action_explicitly_need_domain(self.name())):
        call["domain"] = domain.as_dict()
    return call


def install() -> None:
    action.RemoteAction._validate_action_result = _validate_action_result
    action.RemoteAction._action_call_format = _action_call_format
