"""Splitting only where the parts stand alone, non-answers that end a list, and the map's
items from a child's answer (issue 18). Expected values written by hand."""

from __future__ import annotations

import pytest

from bot.core.draft_map import items_from_answer, parts_problem, public
from bot.core.understanding import answer_parts, is_non_answer, split_answer
from bot.core.understanding.splitting import is_continuation

# --- splitting --------------------------------------------------------------------------

KEPT_WHOLE = [
    # A condition and what the person did about it: the existing safety of the brief.
    "When she's had a drink I take the kids to my sister's. I've done it every time",
    "When she's had a drink I take the kids to my sister's. I've done it every time.",
    "If he starts shouting I take them upstairs. It worked.",
    "I rang my mum when he came back drunk. That helped a lot.",
    "Nan had them for the weekend. She did too",
    "We went to the park when things got bad. Every time.",
    "When dad has been drinking, he shouts",
]


@pytest.mark.parametrize("text", KEPT_WHOLE)
def test_a_sentence_that_carries_on_stays_with_the_one_before(text: str) -> None:
    assert split_answer(text) == [text.strip()]


@pytest.mark.parametrize(("text", "parts"), [
    ("He shouts. He drinks.", ["He shouts.", "He drinks."]),
    ("Dad drinks. It makes me scared.", ["Dad drinks.", "It makes me scared."]),
    ("She is kind. It is hard for her at school.",
     ["She is kind.", "It is hard for her at school."]),
    ("I take them to my sister's when she drinks. I've done it every time. Money is tight.",
     ["I take them to my sister's when she drinks. I've done it every time.",
      "Money is tight."]),
    ("my teacher is nice, i get bullied", ["my teacher is nice", "i get bullied"]),
])
def test_parts_that_stand_alone_are_still_split(text: str, parts: list[str]) -> None:
    assert split_answer(text) == parts


@pytest.mark.parametrize("sentence", [
    "I've done it every time", "It worked.", "She did too", "That helped", "So did I.",
    "Me too", "every time", "It always works", "I do it every week"])
def test_continuations(sentence: str) -> None:
    assert is_continuation(sentence)


@pytest.mark.parametrize("sentence", [
    "It is hard.", "It makes me scared.", "She helps with tea", "He shouts at night",
    "I take them to school every time it rains and they love it"])
def test_not_continuations(sentence: str) -> None:
    assert not is_continuation(sentence)


# --- non-answers ------------------------------------------------------------------------

THATS_ALL = ["no, that's everything", "that's all", "thats it", "nothing else", "no more",
             "no thanks that's all", "No thanks, that is all.", "That’s all!", "thats all thanks",
             "no that's it", "nothing more", "Nope, that's all"]


@pytest.mark.parametrize("text", THATS_ALL)
def test_thats_all_is_a_non_answer(text: str) -> None:
    assert is_non_answer(text)


@pytest.mark.parametrize("text", [
    "no more shouting", "nothing else matters to him but football", "no school for him",
    "that's all he eats", "ok he shouts", "no one listens to me at home"])
def test_words_with_content_are_answers(text: str) -> None:
    assert not is_non_answer(text)


def test_thats_all_after_an_answer_is_dropped() -> None:
    assert answer_parts("She helps with tea. That's all.") == ["She helps with tea."]


# --- a child's answer on the map --------------------------------------------------------

def test_a_childs_answer_is_never_split_even_without_the_assistants_reading() -> None:
    text = "I love my dad but he scares me when he drinks. He shouts."
    [item] = items_from_answer(text, "What is good in your life?", None, "strength",
                               "good_things")
    assert (item.text, item.house, item.section) == (text, "good_things", "working_well")


def test_a_childs_item_follows_its_house_whatever_its_parts_say() -> None:
    parts = [{"text": "my dad shouts", "section": "worries", "category": None,
              "house": "worries", "confidence": 0.99, "suggested_section": "worries",
              "moved_from": "working_well"}]
    [item] = items_from_answer("my dad shouts", "What is good in your life?", None,
                               "strength", "good_things", parts)
    assert (item.house, item.section, item.suggested_section, item.moved_from) == (
        "good_things", "working_well", "worries", None)


def test_an_adults_moved_part_keeps_where_it_came_from() -> None:
    parts = [{"text": "he hit her", "section": "worries", "category": "harm", "house": None,
              "confidence": 0.99, "moved_from": "working_well", "suggested_section": None}]
    [item] = items_from_answer("he hit her", "What's going well?", "working_well",
                               "strength", None, parts)
    assert (item.section, item.category, item.moved_from) == ("worries", "harm",
                                                              "working_well")


@pytest.mark.parametrize(("field", "value"), [("moved_from", "kitchen"),
                                               ("suggested_section", "good_things")])
def test_parts_with_an_unknown_column_are_refused(field: str, value: str) -> None:
    part = {"text": "words", "section": "worries", "category": None, field: value}
    assert parts_problem("words", [part]) == f"{field} must be a section or null"


def test_moved_from_stays_inside_mapbot() -> None:
    draft = {"respondents": [], "scales": [], "network": [], "flags": [],
             "items": [{"id": "i1", "section": "worries", "suggested_section": None,
                        "moved_from": "working_well"}]}
    assert public(draft)["items"] == [{"id": "i1", "section": "worries",
                                       "suggested_section": None}]
