"""Read a 0-10 scale answer ("about a six", "7/10", button payload "7")."""

from __future__ import annotations

import re
from dataclasses import dataclass

OUT_OF_RANGE = "out_of_range"
NO_NUMBER = "no_number"
AMBIGUOUS = "ambiguous"  # "between 5 and 6", "3 or 4", "3-4": the person should choose
NOT_WHOLE = "not_whole"  # "5.5", "six and a half": never rounded, the person picks a side


@dataclass(frozen=True)
class ScaleReading:
    """value is set exactly when problem is None, so callers test one field."""

    value: int | None
    problem: str | None


_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen"
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORDS: dict[str, int] = {w: i for i, w in enumerate(_UNITS + _TEENS)}
_WORDS.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})
_WORDS.update({"nought": 0, "naught": 0, "nil": 0, "hundred": 100})
# Common typos only; fuzzy matching would turn "to", "for", "won" and "tree" into numbers.
_WORDS.update({"thre": 3, "fith": 5, "fiv": 5, "sevn": 7, "sevan": 7, "eigth": 8, "eigt": 8})
_WORDS.update({"nien": 9, "tenn": 10})
# "one" is a pronoun after these ("no one", "that one") or before "of".
_NOT_NUMBER_BEFORE_ONE = {"no", "the", "this", "that", "every", "any", "each", "which", "some"}

# "/10" and "out of ten" name the scale, not a reading, so they are removed first.
_DENOMINATOR = re.compile(r"(?:/|\bout of\b|\boutta\b)\s*(?:10|ten)\b")
_DIGITS = re.compile(r"(?<![\w.])(minus\s+|-)?(\d+(?:\.\d+)?)(\s*(?:%|per\s?cent\b))?")
_WORD_PERCENT = re.compile(r"\b([a-z]+)\s*(?:%|per\s?cent\b)")
_HALF = re.compile(r"\band a half\b|½")
_MAX_DIGITS = 6  # longer digit strings are far off the scale; capping keeps float() finite


def _digit_numbers(text: str) -> tuple[list[float], list[float]]:
    """Numbers written with digits, split into (plain, percentages)."""
    plain: list[float] = []
    percent: list[float] = []
    for m in _DIGITS.finditer(text):
        raw = m.group(2)
        number = 10.0**_MAX_DIGITS if len(raw) > _MAX_DIGITS else float(raw)
        number = -number if m.group(1) else number
        (percent if m.group(3) else plain).append(number)
    return plain, percent


def _word_numbers(text: str) -> list[float]:
    """Numbers written as words; "twenty five" and "twenty-five" become 25."""
    tokens = re.findall(r"[a-z]+", text)
    numbers: list[float] = []
    for i, token in enumerate(tokens):
        value = _WORDS.get(token)
        prev = tokens[i - 1] if i else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if value is None or (token == "one" and (prev in _NOT_NUMBER_BEFORE_ONE or nxt == "of")):
            continue
        if 1 <= value <= 9 and prev in _TENS:
            numbers[-1] += value
            continue
        numbers.append(-value if prev == "minus" else value)
    return numbers


def parse_scale(text: str) -> ScaleReading:
    """Understand one scale answer; see the module constants for the problems reported."""
    low = _DENOMINATOR.sub(" ", text.lower())
    # "ten percent" is a percentage like "10%", not a 10 on the scale.
    low = _WORD_PERCENT.sub(lambda m: f"{_WORDS[m[1]]}%" if m[1] in _WORDS else m[0], low)
    plain, percent = _digit_numbers(low)
    plain += _word_numbers(low)
    if not plain:
        # "100%" is a number, but not a point on this scale.
        return ScaleReading(None, OUT_OF_RANGE if percent else NO_NUMBER)
    if len(set(plain)) > 1:
        return ScaleReading(None, AMBIGUOUS)
    value = plain[0] + (0.5 if _HALF.search(low) else 0)
    if not 0 <= value <= 10:
        return ScaleReading(None, OUT_OF_RANGE)
    if value != int(value):
        return ScaleReading(None, NOT_WHOLE)
    return ScaleReading(int(value), None)
