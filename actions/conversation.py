"""Who the assistant is talking to, and how it speaks to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.replies import Said


@dataclass
class Person:
    role: str | None
    audience: str | None
    values: dict[str, Any] = field(default_factory=dict)
    # Easy Read wording (the invitation's option; only adults get it: bot/core/texts.py).
    easy_read: bool = False


def person(tracker: Tracker, **extra: Any) -> Person:
    values = {"name": tracker.get_slot("name") or "",
              "child_name": tracker.get_slot("child_name") or "the child",
              "scale_value": _whole(tracker.get_slot("scale_value")),
              "old_text": tracker.get_slot("old_text") or ""} | extra
    # An adult is spoken to with their question set's wording (their role's, or the
    # worker's choice at invitation); a child with their role's.
    role = tracker.get_slot("question_set") or tracker.get_slot("role")
    return Person(role, tracker.get_slot("audience"), values,
                  tracker.get_slot("easy_read") is True)


def _whole(number: Any) -> Any:
    """Rasa keeps numbers as floats; people read "6", not "6.0"."""
    return int(number) if isinstance(number, float) and number.is_integer() else number


def utter(dispatcher: CollectingDispatcher, who: Person, key: str,
          custom: dict[str, Any] | None = None, **extra: Any) -> None:
    """Say `key`'s text; `custom` goes with it to the portal (never shown as words)."""
    text, buttons = texts.say(key, who.role, who.audience, who.values | extra, who.easy_read)
    dispatcher.utter_message(text=text, buttons=buttons or None, json_message=custom)


def said(tracker: Tracker) -> Said:
    """The latest message: the person's exact words as the portal received them."""
    message = tracker.latest_message or {}
    metadata = message.get("metadata") or {}
    text = metadata.get("text") if isinstance(metadata.get("text"), str) else None
    intent = message.get("intent") or {}
    return Said(text if text is not None else message.get("text") or "",
                intent.get("name"), float(intent.get("confidence") or 0.0))


def rasa_text(tracker: Tracker) -> str:
    """The text Rasa saw (for button payloads), as opposed to the person's words."""
    return (tracker.latest_message or {}).get("text") or ""
