"""Sorting each part of an answer into the map's sections, by the NLU.

Pure functions: the NLU's parse of each part comes in, map items go out. A part goes
where the NLU says when it is sure enough (CONFIDENCE_THRESHOLD, measured on the
held-out answers in tests/nlu/); otherwise it stays under the question's own section,
and its low confidence tells the worker it is unsure.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.questions import Question
from bot.core.understanding.categories import suggest_category

SECTION_OF_INTENT = {"inform_strength": "working_well", "inform_worry": "worries",
                     "inform_need": "needs"}
HOUSE_OF_SECTION = {"working_well": "good_things", "worries": "worries", "needs": "dreams"}
SECTION_OF_HOUSE = {house: section for section, house in HOUSE_OF_SECTION.items()}
# Measured with tests/rasa/nlu_eval (see README, "Understanding answers").
CONFIDENCE_THRESHOLD = 0.6


@dataclass(frozen=True)
class Part:
    text: str
    section: str
    category: str | None
    house: str | None
    confidence: float

    def as_json(self) -> dict:
        return {"text": self.text, "section": self.section, "category": self.category,
                "house": self.house, "confidence": round(self.confidence, 3)}


def section_scores(parse: dict) -> dict[str, float]:
    """The NLU's confidence for each section, from its intent ranking."""
    scores = dict.fromkeys(HOUSE_OF_SECTION, 0.0)
    ranking = parse.get("intent_ranking") or [parse.get("intent") or {}]
    for intent in ranking:
        section = SECTION_OF_INTENT.get(intent.get("name"))
        if section:
            scores[section] = max(scores[section], float(intent.get("confidence") or 0.0))
    return scores


def route(text: str, parse: dict, question: Question) -> Part:
    own = SECTION_OF_HOUSE[question.house] if question.house else question.section
    if own is None:  # only item questions are routed, and each has a section or a house
        raise ValueError(f"question without a section or a house: {question}")
    scores = section_scores(parse)
    best = max(scores, key=lambda name: scores[name])
    section = best if scores[best] >= CONFIDENCE_THRESHOLD else own
    category: str | None  # None: the parts model is not sure ("Not sorted yet")
    if section == own and question.category:
        category = question.category
    else:
        category = suggest_category(section, text)
    house = HOUSE_OF_SECTION[section] if question.house else None
    return Part(text, section, category, house, scores[section])
