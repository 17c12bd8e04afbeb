"""Routing a part of an answer: the question's column as strong evidence, moves only
when the columns model is sure, children's words kept in their house, answers split only
where their parts stand apart, and categories that follow the practice brief. The
columns model's reading is given by hand (`columns_read`), so that what routing itself
decides shows; expected values are written by hand."""

from __future__ import annotations

import pytest

from actions import routing
from actions.questions import QUESTIONS
from actions.routing import Part, one_meaning, route
from bot.core.understanding.categories import suggest_category
from bot.core.understanding.columns import load_model


def scores(column: str, sure: float, other: str = "needs") -> dict[str, float]:
    found = dict.fromkeys(("worries", "working_well", "needs"), 0.0)
    found[other] = round(1 - sure, 3)
    found[column] = sure
    return found


@pytest.fixture
def columns_read(monkeypatch):
    """The columns model reading every text as given, with a move threshold of 0.6."""
    def read(found: dict[str, float]) -> None:
        monkeypatch.setattr(routing, "column_scores", lambda text, asked, voice: found)
        monkeypatch.setattr(routing, "move_threshold", lambda voice: 0.6)
    return read


@pytest.fixture
def unsure_model(monkeypatch):
    """The finer-part model (bot/core/understanding/categories.py) not sure of anything."""
    monkeypatch.setattr(routing, "suggest_category", lambda section, text: None)


@pytest.fixture
def model_says(monkeypatch):
    """The finer-part model sure of one category, whatever the words."""
    def say(category: str) -> None:
        monkeypatch.setattr(routing, "suggest_category", lambda section, text: category)
    return say


def test_the_saved_move_thresholds_were_chosen_by_cross_validation() -> None:
    model = load_model()
    for voice in ("adult", "child"):
        assert 0.5 <= model.voices[voice].move_threshold < 1.0  # results/columns-model.md


def test_a_sure_model_moves_an_adults_part_and_says_from_where(columns_read,
                                                                 model_says) -> None:
    columns_read(scores("worries", 0.9))
    model_says("harm")
    part = route("his dad keeps shouting at him", QUESTIONS["going_well"])
    assert (part.section, part.category, part.house) == ("worries", "harm", None)
    assert part.moved_from == "working_well" and part.suggested_section is None
    assert part.as_json()["moved_from"] == "working_well"


@pytest.mark.parametrize("sure", [0.52, 0.55, 0.59])
def test_a_fairly_sure_model_leaves_an_adults_part_in_its_questions_column(
        columns_read, unsure_model, sure: float) -> None:
    # "What needs to happen?" answered with words read as a worry, but not sure enough:
    # the question is the stronger evidence.
    columns_read(scores("worries", sure, other="needs"))
    part = route("The school should phone me first thing if she isn't in",
                 QUESTIONS["safe_needs"])
    assert part.section == "needs" and part.moved_from is None
    # The words read more like another column: no finer part is guessed.
    assert part.category is None


def test_where_the_model_agrees_the_questions_category_stands(columns_read,
                                                              unsure_model) -> None:
    columns_read(scores("working_well", 0.7))
    part = route("she is kind to her brother", QUESTIONS["like_child"])
    assert (part.section, part.category, part.moved_from) == ("working_well", "strength", None)


def test_a_near_miss_answer_describing_harm_is_never_safety(columns_read,
                                                            unsure_model) -> None:
    columns_read(scores("worries", 0.55, other="working_well"))
    part = route("he threw a plate at her", QUESTIONS["near_miss"])
    assert part.section == "working_well" and part.category is None


def test_a_near_miss_answer_describing_harm_moves_when_the_model_is_sure(
        columns_read, model_says) -> None:
    columns_read(scores("worries", 0.99))
    model_says("harm")
    part = route("he threw a plate at her", QUESTIONS["near_miss"])
    assert (part.section, part.category, part.moved_from) == ("worries", "harm", "working_well")


def test_the_model_says_harm_where_the_question_asked_for_complicating(
        columns_read, model_says) -> None:
    columns_read(scores("worries", 0.8))
    model_says("harm")
    part = route("he hit her when the rent was late", QUESTIONS["harder"])
    assert (part.section, part.category) == ("worries", "harm")


def test_an_unsure_parts_model_leaves_the_questions_category(columns_read,
                                                             unsure_model) -> None:
    columns_read(scores("worries", 0.8))
    part = route("we have no money", QUESTIONS["harder"])
    assert (part.section, part.category) == ("worries", "complicating")


@pytest.mark.parametrize(("question", "column", "house", "section"), [
    ("good_life", "worries", "good_things", "working_well"),
    ("worries_what", "needs", "worries", "worries"),
    ("dreams_wish", "working_well", "dreams", "needs")])
def test_a_childs_part_stays_in_the_house_with_a_suggestion(
        columns_read, unsure_model, question, column, house, section) -> None:
    columns_read(scores(column, 0.99, other=section))
    part = route("words", QUESTIONS[question])
    assert (part.house, part.section, part.suggested_section, part.moved_from) == (
        house, section, column, None)
    assert part.category is None  # the words do not fit the house's meaning


def test_a_childs_part_gets_no_suggestion_below_the_threshold(columns_read,
                                                              unsure_model) -> None:
    columns_read(scores("worries", 0.55, other="working_well"))
    part = route("my dad shouts", QUESTIONS["good_life"])
    assert (part.house, part.section, part.suggested_section) == (
        "good_things", "working_well", None)


def test_a_childs_good_thing_keeps_the_houses_category(columns_read, unsure_model) -> None:
    columns_read(scores("working_well", 0.9))
    part = route("my dog Max", QUESTIONS["good_life"])
    assert (part.house, part.section, part.category, part.suggested_section) == (
        "good_things", "working_well", "strength", None)


@pytest.mark.parametrize("question", ["dreams_life", "dreams_wish", "dreams_more"])
def test_dreams_are_the_childs_wishes_not_goals(columns_read, model_says, question) -> None:
    columns_read(scores("needs", 0.99))
    model_says("goal")
    part = route("to live with my nan", QUESTIONS[question])
    assert (part.house, part.section, part.category) == ("dreams", "needs", None)


def _part(section: str, confidence: float) -> Part:
    return Part("words", section, None, None, confidence)


@pytest.mark.parametrize(("parts", "kept_whole"), [
    # Two columns, each very sure: the parts stand apart.
    ([_part("working_well", 0.97), _part("worries", 0.99)], False),
    # One sure part, one unsure ("Not much I can point to yet. Mum has no money."): one
    # meaning, kept whole.
    ([_part("working_well", 0.5), _part("worries", 0.99)], True),
    # Both sure of the same column: one meaning.
    ([_part("worries", 0.99), _part("worries", 0.98)], True),
    # Neither sure.
    ([_part("worries", 0.9), _part("needs", 0.9)], True),
])
def test_an_answer_is_split_only_where_its_parts_stand_apart(parts, kept_whole) -> None:
    assert one_meaning(parts) is kept_whole


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
