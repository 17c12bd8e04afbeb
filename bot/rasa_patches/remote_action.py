"""Rasa's calls to the action server, made cheaper (bench/FINDINGS.md).

- Rasa 3.6 calls `jsonschema.validate()` on every action-server reply, which checks the
  schema itself again on every call (44% of the Rasa server's busy time under load).
  The same validation, with the same errors, runs here with a validator built once.
- Each event in a reply must match exactly one of the schema's 23 event kinds
  (`oneOf`), so jsonschema tried every kind for every event (~0.4 ms an event, 5% of
  the Rasa server's time). The kinds are told apart by their `event` name, so each
  event is checked against its own kind only, which gives the same verdict; a reply
  that fails is checked again by the whole schema, for jsonschema's own error.
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


class EventKinds:
    """The reply schema split where its event kinds are told apart by name: the schema
    with any object as an event (`shell`), and one validator per event name for the
    checks every event gets plus its own kind's."""

    def __init__(self, schema: dict[str, Any]) -> None:
        cls = validator_for(schema)
        items = schema["properties"]["events"]["items"]
        common = {key: value for key, value in items.items() if key != "oneOf"}
        names = [kind.get("properties", {}).get("event", {}).get("const")
                 for kind in items["oneOf"]]
        if None in names or len(set(names)) != len(names) or "event" not in common.get(
                "required", ()):
            raise ValueError("the event kinds are not told apart by their names")
        shell = {**schema, "properties": {**schema["properties"], "events": {
            **schema["properties"]["events"], "items": common}}}
        self.shell = cls(shell)
        self.kinds = {name: cls(kind) for name, kind in zip(names, items["oneOf"], strict=True)}

    def is_valid(self, reply: Any) -> bool:
        """What the whole schema says of `reply`."""
        if not self.shell.is_valid(reply):
            return False
        # The shell checked that the reply is an object and each event an object with a
        # string `event`; at most one kind has that name, so `oneOf` holds exactly when
        # that kind holds.
        for event in reply.get("events", []):
            kind = self.kinds.get(event["event"])
            if kind is None or not kind.is_valid(event):
                return False
        return True


_EVENT_KINDS = EventKinds(_SCHEMA)


def _validate_action_result(self: action.RemoteAction, result: dict[str, Any]) -> bool:
    if _EVENT_KINDS.is_valid(result):
        return True
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


RASA_VERSIONS = ("3.6.21",)  # checked against: its code and its tests (bot/rasa_patches)
# What it replaces, what else of Rasa it relies on (bot/rasa_patches checks both at start).
TARGETS = {
    "rasa.core.actions.action.RemoteAction._validate_action_result": _validate_action_result,
    "rasa.core.actions.action.RemoteAction._action_call_format": _action_call_format,
}
USES = ("rasa.core.actions.action.RemoteAction.action_response_format_spec",
        "rasa.core.actions.action.RemoteAction._is_selective_domain_enabled",
        "rasa.shared.core.domain.Domain.does_custom_action_explicitly_need_domain",
        "rasa.shared.core.trackers.DialogueStateTracker._latest_message_data",
        "rasa.shared.core.trackers.DialogueStateTracker.current_slot_values")
