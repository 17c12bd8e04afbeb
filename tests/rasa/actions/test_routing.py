"""Routing a part of an answer by the NLU's confidence, and suggested categories."""

from __future__ import annotations

import pytest

from actions.questions import QUESTIONS
from actions.routing import CONFIDENCE_THRESHOLD, route, section_scores
from bot.core.understanding.categories import suggest_category


def parse(intent: str, confidence: float, other: str = "inform_need") -> dict:
    return {"intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence},
                               {"name": other, "confidence": round(1 - confidence, 3)}]}


def test_a_sure_nlu_moves_the_part_to_its_section() -> None:
    part = route("his dad keeps shouting at him", parse("inform_worry", 0.93),
                 QUESTIONS["going_well"])
    assert (part.section, part.house, part.confidence) == ("worries", None, 0.93)
    assert part.category == "harm"


def test_an_unsure_nlu_keeps_the_questions_section_and_says_so() -> None:
    unsure = CONFIDENCE_THRESHOLD - 0.1
    part = route("the dog", parse("inform_worry", unsure, other="inform_strength"),
                 QUESTIONS["like_child"])
    assert part.section == "working_well" and part.category == "strength"
    assert part.confidence < CONFIDENCE_THRESHOLD  # how the item says it is unsure


def test_control_intents_give_no_section_confidence() -> None:
    assert section_scores(parse("greet", 0.99, other="chitchat")) == {
        "working_well": 0.0, "worries": 0.0, "needs": 0.0}


def test_no_parse_at_all_keeps_the_question() -> None:
    part = route("something", {}, QUESTIONS["safe_needs"])
    assert (part.section, part.category, part.confidence) == ("needs", "goal", 0.0)


@pytest.mark.parametrize(("question", "intent", "house"), [
    ("good_life", "inform_worry", "worries"), ("worries_what", "inform_need", "dreams"),
    ("dreams_wish", "inform_strength", "good_things")])
def test_a_childs_part_moves_to_the_house_of_its_section(question, intent, house) -> None:
    part = route("words", parse(intent, 0.95), QUESTIONS[question])
    assert part.house == house


@pytest.mark.parametrize(("section", "text", "category"), [
    ("worries", "we have no money for food", "complicating"),
    ("worries", "the flat is damp", "complicating"),
    ("worries", "he hit her last year", "harm"),
    ("worries", "I worry he will get hurt", "danger"),
    ("working_well", "when his dad got angry I took the kids to my mum's", "safety"),
    ("working_well", "she is kind", "strength"),
    ("needs", "I will ring the school next week", "next_step"),
    ("needs", "for the shouting to stop", "goal"),
])
def test_suggested_categories(section: str, text: str, category: str) -> None:
    assert suggest_category(section, text) == category
