"""Easy Read (issue 23): the welcome learns the invitation's option from the portal and
keeps it in the `easy_read` slot; every action then speaks Easy Read to an adult who has
it. Children and young people keep their own wording. Expected words written out."""

from __future__ import annotations

import pytest

from actions import flow, forms
from bot.core.texts import choose
from tests.rasa.conftest import CONVERSATION, make_tracker, run_action

ASKERS = {action().slot: action() for action in forms.ASK_ACTIONS}


@pytest.mark.asyncio
async def test_the_welcome_sets_easy_read_and_speaks_it(domain, fake_portal) -> None:
    fake_portal.add_conversation(CONVERSATION, role="parent", name="Jo", child_name="Kai",
                                 easy_read=True)
    tracker = make_tracker(text="/start", intent="start", slots={"role": None})
    turn = await run_action(flow.ActionWelcome(), tracker, domain)
    assert turn.slots["easy_read"] is True
    assert turn.texts[0].startswith("Hello Jo. I am MapBot. I am a computer, not a person.")
    assert "It is about Kai." in turn.texts[0]
    assert turn.texts[1] == "Are you ready to start?"


@pytest.mark.asyncio
async def test_without_the_option_the_welcome_is_the_usual_one(domain, fake_portal) -> None:
    fake_portal.add_conversation(CONVERSATION, role="parent", name="Jo", child_name="Kai")
    tracker = make_tracker(text="/start", intent="start", slots={"role": None})
    turn = await run_action(flow.ActionWelcome(), tracker, domain)
    assert turn.slots["easy_read"] is False
    assert turn.texts[0].startswith("Hello Jo. I am MapBot. I am a computer helper, not a "
                                    "person.")


@pytest.mark.asyncio
@pytest.mark.parametrize(("who", "slot", "words"), [
    ("parent", "like_child", "What do you like about Ellie? What are they good at?"),
    ("parent", "harder", "What makes things hard for your family? It could be money, "
                         "where you live or health. Or not enough help."),
    ("carer", "harder", "What makes caring for Ellie hard? It could be money, space at "
                        "home or health. Or not enough help."),
    ("professional", "going_well", "What is going well for Ellie? What is going well for "
                                   "the family?"),
    ("network", "safe_needs", "What needs to happen, so we all know Ellie is safe?"),
])
async def test_an_easy_read_adult_is_asked_in_easy_read(who, slot, words, domain) -> None:
    turn = await run_action(ASKERS[slot], make_tracker(who=who, slots={
        "last_asked": slot, "easy_read": True}), domain)
    assert turn.texts == [words]


@pytest.mark.asyncio
async def test_the_scale_intro_and_the_simpler_wording_are_easy_read(domain) -> None:
    turn = await run_action(ASKERS["scale"], make_tracker(who="parent", slots={
        "easy_read": True}), domain)
    assert turn.texts == [
        "Now a number question, from 0 to 10. 10 means you are the parent you always "
        "wanted to be. 0 means things could not be worse for your family. Most people "
        "are in between.",
        "What number would you give things now?"]
    simpler = await run_action(ASKERS["near_miss"], make_tracker(who="parent", slots={
        "easy_read": True, "simpler": True, "last_asked": "near_miss"}), domain)
    assert simpler.texts == ["Think of a time things could have gone wrong for Ellie. But "
                             "they did not. What was different? Who helped?"]


@pytest.mark.asyncio
async def test_a_child_keeps_the_childrens_wording(domain) -> None:
    turn = await run_action(ASKERS["good_life"], make_tracker(who="child", slots={
        "easy_read": True, "last_asked": "good_life"}), domain)
    assert turn.texts == ["What is good in your life?"]


@pytest.mark.asyncio
async def test_sending_is_said_in_easy_read(domain, fake_portal) -> None:
    turn = await run_action(flow.ActionSubmit(), make_tracker(slots={"easy_read": True}),
                            domain)
    assert turn.texts == ["Thank you. Your answers have gone to your social worker. They "
                          "will talk with you about them. You can close this page now."]


def test_the_choice_is_a_plain_function() -> None:
    text = {"default": "usual", "child": "a child's", "professional": "a professional's",
            "easy_read": {"default": "easy", "professional": "easy, professional"}}
    assert choose(text, "parent", "adult", easy_read=True) == "easy"
    assert choose(text, "professional", "adult", easy_read=True) == "easy, professional"
    assert choose(text, "parent", "adult") == "usual"
    assert choose(text, "child", "child", easy_read=True) == "a child's"
    assert choose(text, "young_person", "young_person", easy_read=True) == "usual"
    assert choose({"default": "only usual"}, "parent", "adult", easy_read=True) == "only usual"
    assert choose("one for all", "parent", "adult", easy_read=True) == "one for all"
