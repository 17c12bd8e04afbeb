"""A suggested finer category for an item, from its section and its words.

Only a suggestion for the worker to confirm: the section comes from the NLU; within a
section, a small trained model (`parts.py`) picks the finer part the practice brief
describes. None when the model is not sure enough: the worker sees "Not sorted yet".
"""

from __future__ import annotations

from bot.core.understanding.parts import predict_part


def suggest_category(section: str, text: str) -> str | None:
    return predict_part(section, text)
