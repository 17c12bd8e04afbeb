"""Sorting each part of an answer into the map's sections, by the NLU.

Pure functions: the NLU's parse of each part comes in, map items go out.

The question a person was answering is strong evidence of where their words belong
(people answer the question they were asked), so:
- an adult's part leaves its question's column only when the NLU is very sure
  (MOVE_THRESHOLD, measured on held-out answers given to a question of a column:
  tests/rasa/nlu_eval/routing_threshold.py, results/routing-threshold.md); the item then
  keeps `moved_from`, the question's column, and the board says so;
- a child's or young person's part never leaves the house the child chose; where the
  NLU is as sure that the words belong elsewhere, the column is only suggested
  (`suggested_section`), for the worker to apply or not.
The question's own category stands only where the NLU agrees the words fit its column;
where the words do not say clearly enough, the category is left null ("not sorted yet"):
a blank beats a wrong label.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.questions import Question
from bot.core.understanding.categories import suggest_category

SECTION_OF_INTENT = {"inform_strength": "working_well", "inform_worry": "worries",
                     "inform_need": "needs"}
HOUSE_OF_SECTION = {"working_well": "good_things", "worries": "worries", "needs": "dreams"}
SECTION_OF_HOUSE = {house: section for section, house in HOUSE_OF_SECTION.items()}
# How sure the NLU must be to move an adult's words away from the column of the question
# they answered (or to suggest another column for a child's). Measured: below it, moves
# away from the right column outnumber the rare right ones (results/routing-threshold.md).
MOVE_THRESHOLD = 0.95
# Older name, still read by the NLU evaluation (tests/rasa/nlu_eval).
CONFIDENCE_THRESHOLD = MOVE_THRESHOLD


@dataclass(frozen=True)
class Part:
    text: str
    section: str
    category: str | None
    house: str | None
    confidence: float
    moved_from: str | None = None  # the question's column, when the words moved away
    suggested_section: str | None = None  # a child's words: a column, never applied

    def as_json(self) -> dict:
        return {"text": self.text, "section": self.section, "category": self.category,
                "house": self.house, "confidence": round(self.confidence, 3),
                "moved_from": self.moved_from, "suggested_section": self.suggested_section}


def section_scores(parse: dict) -> dict[str, float]:
    """The NLU's confidence for each section, from its intent ranking."""
    scores = dict.fromkeys(HOUSE_OF_SECTION, 0.0)
    ranking = parse.get("intent_ranking") or [parse.get("intent") or {}]
    for intent in ranking:
        section = SECTION_OF_INTENT.get(intent.get("name"))
        if section:
            scores[section] = max(scores[section], float(intent.get("confidence") or 0.0))
    return scores


def own_section(question: Question) -> str:
    """The column of the question itself (a child's question: the column of its house)."""
    own = SECTION_OF_HOUSE[question.house] if question.house else question.section
    if own is None:  # only item questions are routed, and each has a section or a house
        raise ValueError(f"question without a section or a house: {question}")
    return own


def sure_elsewhere(scores: dict[str, float], own: str) -> str | None:
    """The other column the NLU is very sure of, if any."""
    best = max(scores, key=lambda name: scores[name])
    return best if best != own and scores[best] >= MOVE_THRESHOLD else None


def _agrees(scores: dict[str, float], section: str) -> bool:
    """The NLU reads the words as belonging to this column more than to any other."""
    return scores[section] > 0 and scores[section] == max(scores.values())


def _category(text: str, section: str, scores: dict[str, float],
              question_category: str | None) -> str | None:
    """The finer part, or None where the words do not say it clearly enough.

    The trained suggestion decides when it is sure (it tells harm from a complicating
    factor, whatever the question asked); the question's own category stands only where
    the NLU agrees that the words fit the question's column: a near-miss answer that
    describes harm is never "safety", a dream that reads as a worry is no goal."""
    if not _agrees(scores, section):
        return None
    return suggest_category(section, text) or question_category


def route(text: str, parse: dict, question: Question) -> Part:
    own = own_section(question)
    scores = section_scores(parse)
    elsewhere = sure_elsewhere(scores, own)
    if question.house:  # a child's words stay in the house the child chose
        # Dreams are the child's wishes, not the safety goals the adults agree.
        category = (None if question.house == "dreams"
                    else _category(text, own, scores, question.category))
        return Part(text, own, category, question.house, scores[own],
                    suggested_section=elsewhere)
    if elsewhere:
        return Part(text, elsewhere, _category(text, elsewhere, scores, None), None,
                    scores[elsewhere], moved_from=own)
    return Part(text, own, _category(text, own, scores, question.category), None, scores[own])
