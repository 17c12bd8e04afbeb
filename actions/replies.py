"""What kind of reply did the person give to a question? Pure functions, no Rasa.

The NLU intent decides only for short messages and button presses: a long message is
always an answer, so a misread intent can never throw away what someone wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.understanding.non_answers import is_non_answer

ANSWER, SKIP, NO_ANSWER, EXPLAIN, CHITCHAT, GREET, THANKS, NO_MORE, STRAY = (
    "answer", "skip", "no_answer", "explain", "chitchat", "greet", "thanks", "no_more", "stray")
_CONTROL_INTENTS = {"skip": SKIP, "dont_know": NO_ANSWER, "explain": EXPLAIN,
                    "chitchat": CHITCHAT, "greet": GREET, "thanks": THANKS}
# A button press: "/intent" or "/intent{...}". Typed words that merely start with "/"
# are answers like any other.
_PAYLOAD = re.compile(r"^/[a-z_]+(\{.*\})?$", re.DOTALL)
SHORT_WORDS = 6
MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Said:
    text: str
    intent: str | None
    confidence: float


def classify(said: Said, repeats: bool = False) -> str:
    """One of the reply kinds above. `repeats`: the question is "anything else?"."""
    text = said.text.strip()
    if _PAYLOAD.match(text):
        return _button(said.intent, repeats)
    short = len(text.split()) <= SHORT_WORDS
    sure_no = said.intent == "deny" and said.confidence >= MIN_CONFIDENCE
    if repeats and short and (sure_no or is_non_answer(text)):
        return NO_MORE
    if short and said.confidence >= MIN_CONFIDENCE and said.intent in _CONTROL_INTENTS:
        kind = _CONTROL_INTENTS[said.intent]
        # "nothing" said to "what's going well?" is a real non-answer, but "dunno"
        # style intents on words with content are trusted only if they look empty.
        if kind != NO_ANSWER or is_non_answer(text):
            return kind
    if is_non_answer(text):
        return NO_ANSWER
    return ANSWER


def _button(intent: str | None, repeats: bool) -> str:
    if intent == "deny" and repeats:
        return NO_MORE
    if intent in ("skip", "dont_know", "explain"):
        return _CONTROL_INTENTS[intent]
    return STRAY  # e.g. "/affirm" pressed twice: not an answer to this question
