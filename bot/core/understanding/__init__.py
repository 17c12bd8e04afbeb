"""Pure-Python reading of families' answers: scale numbers, people, parts, non-answers."""

from __future__ import annotations

from .non_answers import is_non_answer, normalise
from .people import Person, is_nobody, parse_people
from .scale import ScaleReading, parse_scale
from .splitting import answer_parts, split_answer

__all__ = [
    "answer_parts",
    "Person",
    "ScaleReading",
    "is_non_answer",
    "is_nobody",
    "normalise",
    "parse_people",
    "parse_scale",
    "split_answer",
]
