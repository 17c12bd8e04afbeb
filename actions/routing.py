"""Sorting each part of an answer into the map's columns and finer parts.

Pure functions: an answer's words and its question come in, map items go out. Two small
trained models decide (`bot/core/understanding/`): the columns model reads the words
together with the question's column, the parts model the finer part within a column.
The question a person was answering is strong evidence of where their words belong
(people answer the question they were asked), so:
- an adult's part leaves its question's column only when the columns model is sure of
  another column (its `move_threshold`, chosen by cross-validation so that moves are
  right at least 90% of the time: results/columns-model.md); the item then keeps
  `moved_from`, the question's column, and the board says so;
- a child's or young person's part never leaves the house the child chose; where the
  model is as sure that the words belong elsewhere, the column is only suggested
  (`suggested_section`), for the worker to apply or not;
- an answer is split only where its parts stand apart (`one_meaning`).
The question's own category stands only where the model agrees the words fit its column;
where the words do not say clearly enough, the category is left null ("not sorted yet"):
a blank beats a wrong label.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.questions import Question
from bot.core.understanding.categories import suggest_category
from bot.core.understanding.columns import column_scores, move_threshold

SECTION_OF_INTENT = {"inform_strength": "working_well", "inform_worry": "worries",
                     "inform_need": "needs"}
HOUSE_OF_SECTION = {"working_well": "good_things", "worries": "worries", "needs": "dreams"}
SECTION_OF_HOUSE = {house: section for section, house in HOUSE_OF_SECTION.items()}
# How sure the columns model must be of two different columns before an answer is split
# between them (`one_meaning`): only where the parts clearly stand apart.
SPLIT_THRESHOLD = 0.95


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


def own_section(question: Question) -> str:
    """The column of the question itself (a child's question: the column of its house)."""
    own = SECTION_OF_HOUSE[question.house] if question.house else question.section
    if own is None:  # only item questions are routed, and each has a section or a house
        raise ValueError(f"question without a section or a house: {question}")
    return own


def sure_elsewhere(scores: dict[str, float], own: str, threshold: float) -> str | None:
    """The other column the scores are very sure of, if any."""
    best = max(scores, key=lambda name: scores[name])
    return best if best != own and scores[best] >= threshold else None


def _agrees(scores: dict[str, float], section: str) -> bool:
    """The model reads the words as belonging to this column more than to any other."""
    return scores[section] > 0 and scores[section] == max(scores.values())


def _category(text: str, section: str, scores: dict[str, float],
              question_category: str | None) -> str | None:
    """The finer part, or None where the words do not say it clearly enough.

    The trained suggestion decides when it is sure (it tells harm from a complicating
    factor, whatever the question asked); the question's own category stands only where
    the columns model agrees that the words fit the question's column: a near-miss answer that
    describes harm is never "safety", a dream that reads as a worry is no goal."""
    if not _agrees(scores, section):
        return None
    return suggest_category(section, text) or question_category


def one_meaning(parts: list[Part]) -> bool:
    """Whether an answer's parts say one thing, to be kept as one item.

    Parts stand alone only where the columns model is very sure (SPLIT_THRESHOLD) that at
    least two of them belong to different columns ("He's great at football. His dad drinks too
    much."). Otherwise splitting breaks meaning: on the blind sorting set, 274 of 312 adult
    answers, each written with one meaning, were cut into items the parts model could not
    sort ("Not much I can point to yet. Mum is 19 and has no money for the meter")."""
    sure = {part.section for part in parts if part.confidence >= SPLIT_THRESHOLD}
    return len(sure) < 2


def route(text: str, question: Question) -> Part:
    own = own_section(question)
    voice = "child" if question.house else "adult"
    scores = column_scores(text, own, voice)
    elsewhere = sure_elsewhere(scores, own, move_threshold(voice))
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
