"""Routing a part of an answer: the question's column as strong evidence, moves only
when the NLU is very sure, children's words kept in their house, and categories that
follow the practice brief. Expected values are written by hand."""

from __future__ import annotations

import pytest

from actions import routing
from actions.questions import QUESTIONS
from actions.routing import MOVE_THRESHOLD, route, section_scores
from bot.core.understanding.categories import suggest_category


def parse(intent: str, confidence: float, other: str = "inform_need") -> dict:
    return {"intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence},
                               {"name": other, "confidence": round(1 - confidence, 3)}]}


@pytest.fixture
def unsure_model(monkeypatch):
    """The finer-part model (bot/core/understanding/categories.py) not sure of anything,
    so that what routing itself decides shows."""
    monkeypatch.setattr(routing, "suggest_category", lambda section, text: None)


@pytest.fixture
def model_says(monkeypatch):
    """The finer-part model sure of one category, whatever the words."""
    def say(category: str) -> None:
        monkeypatch.setattr(routing, "suggest_category", lambda section, text: category)
    return say


def test_the_threshold_is_the_measured_one() -> None:
    assert MOVE_THRESHOLD == 0.95  # results/routing-threshold.md


def test_a_very_sure_nlu_moves_an_adults_part_and_says_from_where(model_says) -> None:
    model_says("harm")
    part = route("his dad keeps shouting at him", parse("inform_worry", 0.97),
                 QUESTIONS["going_well"])
    assert (part.section, part.category, part.house) == ("worries", "harm", None)
    assert part.moved_from == "working_well" and part.suggested_section is None
    assert part.as_json()["moved_from"] == "working_well"


@pytest.mark.parametrize("confidence", [0.6, 0.9, 0.94])
def test_a_fairly_sure_nlu_leaves_an_adults_part_in_its_questions_column(
        unsure_model, confidence: float) -> None:
    # "What needs to happen?" answered with words the NLU reads as a past harm, but not
    # sure enough: the question is the stronger evidence.
    part = route("The school should phone me first thing if she isn't in",
                 parse("inform_worry", confidence, other="inform_need"),
                 QUESTIONS["safe_needs"])
    assert part.section == "needs" and part.moved_from is None
    # The words read more like another column: no finer part is guessed.
    assert part.category is None


def test_where_the_nlu_agrees_the_questions_category_stands(unsure_model) -> None:
    part = route("she is kind to her brother", parse("inform_strength", 0.7),
                 QUESTIONS["like_child"])
    assert (part.section, part.category, part.moved_from) == ("working_well", "strength", None)


def test_a_near_miss_answer_describing_harm_is_never_safety(unsure_model) -> None:
    part = route("he threw a plate at her", parse("inform_worry", 0.9,
                                                  other="inform_strength"),
                 QUESTIONS["near_miss"])
    assert part.section == "working_well" and part.category is None


def test_a_near_miss_answer_describing_harm_moves_when_the_nlu_is_very_sure(
        model_says) -> None:
    model_says("harm")
    part = route("he threw a plate at her", parse("inform_worry", 0.99), QUESTIONS["near_miss"])
    assert (part.section, part.category, part.moved_from) == ("worries", "harm", "working_well")


def test_the_model_says_harm_where_the_question_asked_for_complicating(model_says) -> None:
    model_says("harm")
    part = route("he hit her when the rent was late", parse("inform_worry", 0.8),
                 QUESTIONS["harder"])
    assert (part.section, part.category) == ("worries", "harm")


def test_an_unsure_model_leaves_the_questions_category(unsure_model) -> None:
    part = route("we have no money", parse("inform_worry", 0.8), QUESTIONS["harder"])
    assert (part.section, part.category) == ("worries", "complicating")


def test_control_intents_give_no_section_confidence() -> None:
    assert section_scores(parse("greet", 0.99, other="chitchat")) == {
        "working_well": 0.0, "worries": 0.0, "needs": 0.0}


def test_no_parse_at_all_keeps_the_column_but_sorts_nothing(unsure_model) -> None:
    part = route("something", {}, QUESTIONS["safe_needs"])
    assert (part.section, part.category, part.confidence, part.moved_from) == (
        "needs", None, 0.0, None)


@pytest.mark.parametrize(("question", "intent", "house", "section", "suggested"), [
    ("good_life", "inform_worry", "good_things", "working_well", "worries"),
    ("worries_what", "inform_need", "worries", "worries", "needs"),
    ("dreams_wish", "inform_strength", "dreams", "needs", "working_well")])
def test_a_childs_part_stays_in_the_house_with_a_suggestion(
        unsure_model, question, intent, house, section, suggested) -> None:
    part = route("words", parse(intent, 0.99), QUESTIONS[question])
    assert (part.house, part.section, part.suggested_section, part.moved_from) == (
        house, section, suggested, None)
    assert part.category is None  # the words do not fit the house's meaning


def test_a_childs_part_gets_no_suggestion_below_the_threshold(unsure_model) -> None:
    part = route("my dad shouts", parse("inform_worry", 0.9, other="inform_strength"),
                 QUESTIONS["good_life"])
    assert (part.house, part.section, part.suggested_section) == (
        "good_things", "working_well", None)


def test_a_childs_good_thing_keeps_the_houses_category(unsure_model) -> None:
    part = route("my dog Max", parse("inform_strength", 0.9), QUESTIONS["good_life"])
    assert (part.house, part.section, part.category, part.suggested_section) == (
        "good_things", "working_well", "strength", None)


@pytest.mark.parametrize("question", ["dreams_life", "dreams_wish", "dreams_more"])
def test_dreams_are_the_childs_wishes_not_goals(model_says, question) -> None:
    model_says("goal")
    part = route("to live with my nan", parse("inform_need", 0.99), QUESTIONS[question])
    assert (part.house, part.section, part.category) == ("dreams", "needs", None)


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
