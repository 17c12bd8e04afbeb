"""Spot whole-message non-answers ("dunno", "skip", "?") so the bot can re-ask gently.

"That's all" and its kind ("no, that's everything", "nothing else", "no more") are
non-answers too: to "anything else?" they mean no more, and they are never map items.
"""

from __future__ import annotations

import re
import string

# Compared after normalise() and _squeeze(), so "n/a" -> "na" and "dunnno" -> "duno".
_PHRASES = """dunno|i dunno|dont know|dont no|do not know|idk|dk|dno|not sure|unsure|no idea|
not a clue|no clue|nothing|nothing much|nothing really|nothing to say|nowt|na|not applicable|
none|no one|noone|nobody|no body|skip|pass|next|no comment|not really|cant say|cant think|
cant think of anything|cant remember|dont remember|rather not say|id rather not say|
prefer not to say|no answer|
thats all|thats it|thats everything|that is all|that is it|that is everything|
thats all i can think of|thats all for now|
thats about it|thats all really|nothing else|nothing more|nothing else to say|no more|
not any more|no nothing else|all done|im done|done|finished|im finished|i think thats it|
i think thats all|no thats all|no thats it|no thats everything|nope thats all|no thanks"""
# "no, that's everything", "no thanks that's all", "ok that's it": the leading "no" or
# "thanks" declines more, it says nothing of its own.
_LEAD = re.compile(r"^(?:(?:u+m+|e+r+m*|uh+|h+m+|well|oh|sorry|honestly|i|i just|really|just|"
                   r"no|nope|nah|ok|okay|thanks|thank you)\s+)+")
_TRAIL = re.compile(
    r"(?:\s+(?:really|tbh|sorry|lol|mate|at all|to be honest|either|atm|right now|yet|"
    r"though|thanks|thank you|at the moment|at the min|for now))+$"
)
_PUNCT_ONLY = set(string.punctuation + string.whitespace + "…")
_MAX_LEN = 40  # longer messages carry content; also keeps the fuzzy match cheap


def normalise(text: str) -> str:
    """Lower-case, drop punctuation (so "don't" == "dont", "n/a" == "na"), squash spaces."""
    text = re.sub(r"[^\w\s]", "", text.lower().replace("’", "'"))
    return " ".join(text.split())


def _squeeze(text: str) -> str:
    # Collapsing repeated letters forgives "dunnno", "nothingg", "skipp".
    return re.sub(r"(.)\1+", r"\1", text)


_KNOWN = {_squeeze(" ".join(p.split())) for p in _PHRASES.replace("\n", "").split("|")}


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insert, delete, change or swap."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    swapped = a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :]
    return a[i + 1 :] == b[i + 1 :] or swapped


def is_non_answer(text: str) -> bool:
    """True when the whole message declines or skips the question."""
    if all(ch in _PUNCT_ONLY or not ch.isprintable() for ch in text):
        return True  # "", "-", "?", "...", stray control characters
    norm = normalise(text)
    if not norm or len(norm) > _MAX_LEN:
        return False  # emoji-only or long messages are content for a person to read
    trimmed = _TRAIL.sub("", _LEAD.sub("", norm))
    for candidate in {_squeeze(norm), _squeeze(trimmed)}:
        if candidate in _KNOWN:
            return True
        # Fuzzy only against longer phrases: "none"/"nine" or "pass"/"past" are too close.
        if any(len(p) >= 5 and _one_edit(candidate, p) for p in _KNOWN):
            return True
    return False
