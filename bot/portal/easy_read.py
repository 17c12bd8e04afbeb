"""Easy Read (issue 23): the simple pictures beside MapBot's messages.

The pictures are MapBot's own, drawn in the page as inline SVG
(`templates/easy_read_pictures.html`): no symbol set, nothing from elsewhere. They are
decorative (`aria-hidden`): the words carry the meaning. Which picture goes with a
message is chosen here, from what the message is (its `custom`): the question it asks,
or the help, the sending, or MapBot speaking.
"""

from __future__ import annotations

from typing import Any

from bot.core.texts import easy_read_applies
from bot.core.vocabulary import audience_for

# Each picture, with what it shows (for people reading the templates, not the page).
PICTURES = {
    "mapbot": "MapBot: a friendly computer",
    "good": "a heart: good things",
    "worry": "a rain cloud: worries",
    "safe": "a shield with a tick: keeping safe",
    "people": "two people: who helps",
    "work": "a bag for work: what a professional sees",
    "number": "a row of bars from low to high: a number from 0 to 10",
    "next": "a path with an arrow: what happens next",
    "talk": "a speech bubble: telling us more",
    "sent": "a letter with a tick: sent",
    "help": "a phone: help now",
}
QUESTION_PICTURES = {
    **dict.fromkeys(["like_child", "going_well", "before_problem", "child_would_say",
                     "settled", "seen_well"], "good"),
    **dict.fromkeys(["worried_about", "worker_worried", "future_danger", "know_worries",
                     "harder"], "worry"),
    **dict.fromkeys(["near_miss", "could_do", "safe_needs", "common_scale"], "safe"),
    **dict.fromkeys(["helpers", "how_help", "call_first", "family_contact"], "people"),
    **dict.fromkeys(["what_you_see", "attendance_health", "service_offer"], "work"),
    **dict.fromkeys(["scale", "scale_why", "scale_higher"], "number"),
    "first_sign": "next",
    **dict.fromkeys(["ease", "ease_comment", "new_text"], "talk"),
}
assert set(QUESTION_PICTURES.values()) <= set(PICTURES)


def shows_pictures(respondent: Any) -> bool:
    """Pictures go with Easy Read wording: adults invited with it."""
    return easy_read_applies(audience_for(respondent.role), bool(respondent.easy_read))


def picture_for(custom: dict | None) -> str:
    """The picture for one of MapBot's messages, by what it is."""
    custom = custom if isinstance(custom, dict) else {}
    question = custom.get("question")
    if isinstance(question, str) and question in QUESTION_PICTURES:
        return QUESTION_PICTURES[question]
    if custom.get("status") == "submitted":
        return "sent"
    if custom.get("safeguarding"):
        return "help"
    return "mapbot"


def with_pictures(respondent: Any, messages: list[dict]) -> list[dict]:
    """The chat endpoint's messages, each with its picture's name in `custom.picture`
    for an Easy Read reader (the page draws it from its own set)."""
    if not shows_pictures(respondent):
        return messages
    return [message | {"custom": (message.get("custom") or {})
                       | {"picture": picture_for(message.get("custom"))}}
            for message in messages]
