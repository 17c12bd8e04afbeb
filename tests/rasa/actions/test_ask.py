"""The action_ask_<slot> actions: wording per person, intro once, buttons, progress."""

from __future__ import annotations

from typing import Any

import pytest

from actions import forms
from actions.questions import QUESTIONS, adult_order, child_order
from tests.rasa.conftest import ADULTS, CHILDREN, Turn, ask, make_tracker, run_action

ASKERS = {action().slot: action() for action in forms.ASK_ACTIONS}
SKIP = {"title": "Skip this question", "payload": "/skip"}
STOP = {"title": "Stop for now", "payload": "/stop"}
NO_MORE = {"title": "No, that's all", "payload": "/deny"}


def _cases() -> list[tuple[str, str]]:
    cases = [(slot, who) for who in ADULTS for slot in adult_order(who)]
    cases += [(slot, who) for slot in child_order(None) for who in CHILDREN]
    return cases + [("new_text", who) for who in (*ADULTS, *CHILDREN)]


async def _ask(slot: str, domain: dict, who: str = "parent", **slots: Any) -> Turn:
    tracker = make_tracker(who=who, slots=slots, text="/affirm", intent="affirm")
    return await run_action(ASKERS[slot], tracker, domain)


def test_there_is_one_ask_action_per_question() -> None:
    assert set(ASKERS) == {*QUESTIONS, "new_text"}
    for slot, action in ASKERS.items():
        assert action.name() == f"action_ask_{slot}"


@pytest.mark.asyncio
@pytest.mark.parametrize(("slot", "who"), _cases())
async def test_asks_in_the_words_for_this_person(slot: str, who: str, domain) -> None:
    # last_asked == slot: not the first time, so no intro; the question is the last message.
    turn = await _ask(slot, domain, who, last_asked=slot, scale_value=6.0,
                      old_text="He likes Lego")
    assert turn.texts == [ask(slot, "ask", who, scale_value=6, old_text="He likes Lego")]
    assert turn.messages[-1]["custom"]["question"] == slot
    assert turn.slots == {}  # nothing changed: no events to store

    first = await _ask(slot, domain, who, last_asked="something_else", simpler=True)
    assert first.slots == {"simpler": False, "last_asked": slot}


# `test_asks_in_the_words_for_this_person` compares with the catalogue rendered by the
# same code the actions use; these are the words themselves, for a sample.
ASKED = [
    ("like_child", "parent", "What do you like about Ellie? What are they good at?"),
    ("worried_about", "carer", "What are you worried about for Ellie?"),
    ("good_life", "child", "What is good in your life?"),
    ("good_life", "young_person", "What's good in your life right now?"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("slot", "who", "words"), ASKED)
async def test_asks_these_words(slot: str, who: str, words: str, domain) -> None:
    turn = await _ask(slot, domain, who, last_asked=slot)
    assert turn.texts == [words]


@pytest.mark.asyncio
@pytest.mark.parametrize("slot", [s for s in adult_order("parent") if s in child_order(None)])
async def test_a_question_for_both_is_put_to_a_child_in_other_words(slot: str, domain) -> None:
    child = await _ask(slot, domain, "child", last_asked=slot, scale_value=6.0)
    adult = await _ask(slot, domain, "parent", last_asked=slot, scale_value=6.0)
    assert child.texts and adult.texts and child.texts != adult.texts


@pytest.mark.asyncio
async def test_the_child_and_the_young_person_get_different_words(domain) -> None:
    child = await _ask("good_life", domain, "child", last_asked="good_life")
    young = await _ask("good_life", domain, "young_person", last_asked="good_life")
    assert child.texts == ["What is good in your life?"]
    assert young.texts == ["What's good in your life right now?"]


@pytest.mark.asyncio
@pytest.mark.parametrize("who", CHILDREN)
async def test_the_intro_comes_first_and_only_the_first_time(who: str, domain) -> None:
    first = await _ask("good_life", domain, who, last_asked="first_house")
    assert first.texts == [ask("good_life", "intro", who), ask("good_life", "ask", who)]
    again = await _ask("good_life", domain, who, last_asked="good_life")
    assert again.texts == [ask("good_life", "ask", who)]


@pytest.mark.asyncio
async def test_the_scale_intro_is_the_parents_own_for_a_parent(domain) -> None:
    parent = await _ask("scale", domain, "parent", last_asked="first_sign")
    carer = await _ask("scale", domain, "carer", last_asked="first_sign")
    assert parent.texts[0] == ask("scale", "intro", "parent")
    assert carer.texts[0] == ask("scale", "intro", "carer")
    assert parent.texts[0] != carer.texts[0]
    assert "Ellie" in carer.texts[0]


@pytest.mark.asyncio
async def test_the_carers_zero_does_not_threaten_a_move(domain) -> None:
    """A carer afraid a low number moves the child would not answer honestly."""
    carer = await _ask("scale", domain, "carer", last_asked="first_sign")
    assert carer.texts[0] == (
        "Now a number question, from 0 to 10. 10 means Ellie is settled and safe with you, "
        "and everyone is sure about the future. 0 means things could not be any harder for "
        "Ellie and for you. Most people are somewhere in between.")


@pytest.mark.asyncio
@pytest.mark.parametrize(("slot", "who"), [("like_child", "parent"), ("good_life", "child"),
                                           ("scale", "young_person"), ("scale", "network")])
async def test_simpler_words_after_what_do_you_mean_and_no_intro(slot, who, domain) -> None:
    turn = await _ask(slot, domain, who, simpler=True, last_asked="something_else")
    assert turn.texts == [ask(slot, "explain", who)]
    assert turn.texts[0] != ask(slot, "ask", who)
    assert turn.slots["simpler"] is False  # the next question is plain again


@pytest.mark.asyncio
@pytest.mark.parametrize(("slot", "who"), [("like_child", "parent"), ("how_help", "carer"),
                                           ("good_life", "child"), ("trusted_adults", "child"),
                                           ("scale_higher", "young_person")])
async def test_ordinary_questions_offer_skip_and_stop(slot: str, who: str, domain) -> None:
    turn = await _ask(slot, domain, who, last_asked=slot)
    assert turn.messages[-1]["buttons"] == [SKIP, STOP]


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["parent", "child", "young_person"])
async def test_the_scale_offers_0_to_10_then_skip_and_stop(who: str, domain) -> None:
    buttons = (await _ask("scale", domain, who, last_asked="scale")).messages[-1]["buttons"]
    assert [b["payload"] for b in buttons] == [str(n) for n in range(11)] + ["/skip", "/stop"]
    assert buttons[-2:] == [SKIP, STOP]
    numbers = [b["title"] for b in buttons[:11]]
    if who == "child":
        assert numbers[0] == "0 😢" and numbers[10] == "10 😄"
    else:
        assert numbers == [str(n) for n in range(11)]


@pytest.mark.asyncio
async def test_first_house_offers_the_three_houses_and_stop(domain) -> None:
    buttons = (await _ask("first_house", domain, "child")).messages[-1]["buttons"]
    assert [b["title"] for b in buttons] == ["House of good things", "House of worries",
                                            "House of dreams", "Stop for now"]
    assert buttons[0]["payload"] == '/choose_house{"house": "good_things"}'
    assert SKIP not in buttons


@pytest.mark.asyncio
@pytest.mark.parametrize("slot", ["good_more", "worries_more", "dreams_more"])
async def test_anything_else_questions_offer_no_thats_all(slot: str, domain) -> None:
    turn = await _ask(slot, domain, "young_person", last_asked=slot)
    assert turn.messages[-1]["buttons"] == [NO_MORE, STOP]


@pytest.mark.asyncio
async def test_changing_an_answer_offers_keep_it(domain) -> None:
    turn = await _ask("new_text", domain, "parent", old_text="She sings 🎤")
    assert turn.texts == ['You wrote: "She sings 🎤". What would you like to say instead?']
    assert turn.messages[-1]["buttons"] == [{"title": "Keep it as it was",
                                             "payload": "/skip"}, STOP]
    assert "progress" not in turn.messages[-1]["custom"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("who", "slot", "step", "of"), [
    ("carer", "like_child", 1, 19), ("carer", "helpers", 9, 19), ("carer", "scale", 13, 19),
    ("carer", "scale_higher", 15, 19), ("parent", "near_miss", 8, 20),
    ("parent", "common_scale", 17, 20), ("parent", "with_you", 18, 20),
    ("professional", "what_you_see", 1, 14), ("professional", "with_you", 12, 14),
    ("professional", "ease_comment", 14, 14), ("network", "call_first", 6, 14)])
async def test_adult_progress(who: str, slot: str, step: int, of: int, domain) -> None:
    custom = (await _ask(slot, domain, who)).messages[-1]["custom"]
    assert custom["progress"] == {"step": step, "of": of}
    assert "house" not in custom


@pytest.mark.asyncio
@pytest.mark.parametrize(("first_house", "slot", "step", "house"), [
    (None, "first_house", 1, None),
    (None, "good_life", 2, "good_things"),
    ("dreams", "dreams_life", 2, "dreams"),
    ("dreams", "good_life", 5, "good_things"),
    ("dreams", "worries_more", 11, "worries"),
    ("worries", "worries_what", 2, "worries"),
    ("worries", "check_in", 5, None),
    ("good_things", "check_in", 9, None),
    ("worries", "trusted_adults", 13, None),
    ("worries", "scale", 14, None),
    ("worries", "scale_why", 15, None),
    ("good_things", "scale_higher", 16, None),
    ("good_things", "with_you", 17, None),
    ("good_things", "ease", 18, None),
])
async def test_child_progress_follows_the_chosen_house(first_house, slot, step, house,
                                                       domain) -> None:
    custom = (await _ask(slot, domain, "child", first_house=first_house)).messages[-1]["custom"]
    assert custom["progress"] == {"step": step, "of": 19}
    assert custom.get("house") == house


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["parent", "child", "young_person"])
async def test_one_higher_at_the_top_of_the_scale_asks_how_to_stay_there(who, domain) -> None:
    top = await _ask("scale_higher", domain, who, scale_value=10.0, last_asked="scale_higher")
    assert top.texts == [ask("scale_higher", "ask_top", who)]
    assert "10" in top.texts[0]
    middle = await _ask("scale_higher", domain, who, scale_value=6.0, last_asked="scale_higher")
    assert middle.texts == [ask("scale_higher", "ask", who)]
    simpler = await _ask("scale_higher", domain, who, scale_value=10.0, simpler=True)
    assert simpler.texts == [ask("scale_higher", "explain", who)]


@pytest.mark.asyncio
async def test_the_scale_number_is_shown_as_a_whole_number(domain) -> None:
    # Rasa keeps float slots as floats: 6.0 must read "6".
    turn = await _ask("scale_why", domain, "parent", scale_value=6.0, last_asked="scale_why")
    assert turn.texts == [ask("scale_why", "ask", "parent", scale_value=6)]
    assert " 6" in turn.texts[0] and "6.0" not in turn.texts[0]


@pytest.mark.asyncio
async def test_scale_why_at_zero_does_not_ask_why_not_lower(domain) -> None:
    turn = await _ask("scale_why", domain, "parent", scale_value=0.0, last_asked="scale_why")
    assert "not lower" not in turn.texts[0]


@pytest.mark.asyncio
async def test_scale_why_at_eight_is_good_english(domain) -> None:
    turn = await _ask("scale_why", domain, "parent", scale_value=8.0, last_asked="scale_why")
    assert "a 8" not in turn.texts[0]
