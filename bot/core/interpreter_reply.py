"""The reply to an answer in another language: in English, and in theirs when we have it.

The texts live in interpreter_replies.yml (their own file: each needs a translator's
review, apart from the assistant's English texts). Which languages are offered is the
council's choice (MAPBOT_INTERPRETER_LANGUAGES): the commonest in its area.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

REPLIES = Path(__file__).with_name("interpreter_replies.yml")


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict]:
    with REPLIES.open(encoding="utf-8") as file:
        return dict(yaml.safe_load(file))


def language_name(code: str) -> str:
    """"Polish" for "pl"; a language we have no text for by its code."""
    entry = _texts().get(code)
    return str(entry["name"]) if entry else code


def offered(setting: str) -> tuple[str, ...]:
    """The configured languages that have a text (MAPBOT_INTERPRETER_LANGUAGES)."""
    codes = (code.strip().lower() for code in setting.split(","))
    return tuple(code for code in codes if code in _texts() and code != "en")


def reply(language: str, setting: str) -> list[dict]:
    """The English message, then the same in their language when it is offered; each
    with its language, so the page marks it (`lang`) for screen readers and read-aloud."""
    messages = [{"text": _texts()["en"]["text"], "custom": {"lang": "en",
                                                            "interpreter": True}}]
    if language in offered(setting):
        messages.append({"text": _texts()[language]["text"],
                         "custom": {"lang": language, "interpreter": True}})
    return messages
