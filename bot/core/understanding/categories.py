"""A suggested finer category for an item, from its section and its words.

Only a suggestion for the worker to confirm: the section comes from the NLU; within a
section, a few plain signals separate the finer parts the practice brief describes.
"""

from __future__ import annotations

import re

# Things that make life harder but are not harm: money, housing, health, isolation.
_COMPLICATING = re.compile(
    r"\b(money|debt|bills?|rent|benefits?|skint|broke|afford|job|work|unemploy\w*|"
    r"hous\w*|flat|damp|mou?ld|evict\w*|homeless|overcrowd\w*|ill|illness|sick|"
    r"disab\w*|health|depress\w*|anxi\w*|mental|alone|lonely|isolat\w*|no family|"
    r"no one to help|car|transport|bus|visa|immigration|court|pregnan\w*|carer)\b", re.I)
# Worry about what may happen if nothing changes.
_DANGER = re.compile(r"\b(will|might|may|could|going to|gonna|scared that|afraid that|"
                     r"worr(y|ied|ies) (that|he|she|they|it)|if (he|she|they|nothing))\b",
                     re.I)
# Protection that already happened when there was danger.
_SAFETY = re.compile(r"\b(when|whenever|if)\b.*\b(i|we|nan|mum|dad|they|she|he)\b.*\b("
                     r"took|take|takes|call(ed|s)?|ring|rang|left|leave|leaves|stay(ed|s)?|"
                     r"check(ed|s)?|make sure|made sure|keep|kept|lock(ed)?|walk(ed)?)\b", re.I)
# Who will do what next, rather than how things should be.
_NEXT_STEP = re.compile(r"\b(appointment|referr\w*|meeting|course|class|assessment|"
                        r"ring|call|visit|apply|sign up|start (going|seeing)|next week|"
                        r"tomorrow|i will|i'll|we will|we'll|going to)\b", re.I)


def suggest_category(section: str, text: str) -> str:
    if section == "worries":
        if _COMPLICATING.search(text):
            return "complicating"
        return "danger" if _DANGER.search(text) else "harm"
    if section == "working_well":
        return "safety" if _SAFETY.search(text) else "strength"
    return "next_step" if _NEXT_STEP.search(text) else "goal"
