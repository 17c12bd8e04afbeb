"""The child's form: the chosen house first, and how the choice of house is understood."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import forms
from actions.questions import DONE, SKIPPED
from tests.rasa.conftest import make_tracker, say, validate_slot

CHILD_FORM = forms.ValidateChildForm()
GOOD = ["good_life", "good_people", "good_doing", "good_more"]
WORRIES = ["worries_what", "worries_feelings", "worries_more", "check_in"]
DREAMS = ["dreams_life", "dreams_wish", "dreams_more"]
TAIL = ["trusted_adults", "scale", "scale_why", "scale_higher", "with_you", "ease",
        "ease_comment"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("first_house", "order"), [
    (None, ["first_house", *GOOD, *WORRIES, *DREAMS, *TAIL]),
    ("good_things", ["first_house", *GOOD, *WORRIES, *DREAMS, *TAIL]),
    ("worries", ["first_house", *WORRIES, *DREAMS, *GOOD, *TAIL]),
    ("dreams", ["first_house", *DREAMS, *GOOD, *WORRIES, *TAIL]),
    ("garden", ["first_house", *GOOD, *WORRIES, *DREAMS, *TAIL]),
])
async def test_required_slots_start_with_the_chosen_house(first_house, order, domain) -> None:
    tracker = make_tracker(who="child", slots={"first_house": first_house})
    slots = await CHILD_FORM.required_slots(
        domain["forms"]["child_form"]["required_slots"], CollectingDispatcher(), tracker, domain)
    assert slots == order


async def choose(domain, text: str, *, value: str | None = None, intent: str = "choose_house",
                 confidence: float = 0.95, entities=None, who: str = "child", **kw):
    return await validate_slot(CHILD_FORM, domain, "first_house",
                               text if value is None else value, who=who, text=text,
                               intent=intent, confidence=confidence, entities=entities, **kw)


@pytest.mark.asyncio
@pytest.mark.parametrize(("house", "next_slot"), [("dreams", "dreams_life"),
                                                  ("worries", "worries_what")])
async def test_a_house_button_picks_the_house_and_its_first_question(house, next_slot, domain,
                                                                   fake_portal) -> None:
    payload = f'/choose_house{{"house": "{house}"}}'
    turn = await choose(domain, payload, value=house,
                        entities=[{"entity": "house", "value": house}])
    assert turn.slots == {"first_house": house, "requested_slot": next_slot}
    assert turn.messages == [] and fake_portal.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "house"), [
    ("dreams please", "dreams"), ("Dreams!!", "dreams"), ("the worries one", "worries"),
    ("WORRIES", "worries"), ("i wish", "dreams"), ("good things", "good_things"),
    ("House of good things", "good_things"),
])
async def test_typed_words_pick_a_house(text: str, house: str, domain, fake_portal) -> None:
    turn = await choose(domain, text, intent="inform_strength", confidence=0.5)
    assert turn.slots["first_house"] == house
    # Good things is the usual order, which rasa-sdk leaves to Rasa (no requested_slot).
    assert turn.slots.get("requested_slot", "good_life") == {
        "dreams": "dreams_life", "worries": "worries_what", "good_things": "good_life"}[house]
    assert turn.messages == [] and fake_portal.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["child", "young_person"])
@pytest.mark.parametrize(("text", "intent", "key"), [
    ("pizza", "inform_strength", "house_reask"),
    ("good or dreams", "inform_strength", "house_reask"),
    ("/skip", "skip", "house_reask"),
    ("dunno", "dont_know", "house_reask"),
    ("hello", "greet", "hello_again"),
    ("do you like cats", "chitchat", "not_a_person"),
    ("/affirm", "affirm", "stray_button"),
])
async def test_anything_else_asks_for_a_house_again(text, intent, key, who, domain,
                                                    fake_portal) -> None:
    turn = await choose(domain, text, intent=intent, who=who)
    assert turn.slots["first_house"] is None
    assert turn.slots.get("requested_slot", "first_house") == "first_house"
    assert turn.texts == [say(key, who)]
    assert fake_portal.calls == []


@pytest.mark.asyncio
async def test_what_do_you_mean_explains_the_houses(domain, fake_portal) -> None:
    turn = await choose(domain, "what are the houses?", intent="explain")
    assert turn.slots["first_house"] is None and turn.slots["simpler"] is True
    assert turn.messages == []


@pytest.mark.asyncio
async def test_a_chosen_house_survives_the_form_resuming(domain, fake_portal) -> None:
    turn = await choose(domain, "/deny", value="worries", intent="deny", confidence=1.0,
                        slots={"first_house": "worries"})
    assert turn.slots["first_house"] == "worries"
    assert turn.messages == []


@pytest.mark.asyncio
async def test_after_the_first_house_the_next_house_follows(domain, fake_portal) -> None:
    filled = {"first_house": "dreams", "dreams_life": "no school", "dreams_wish": "a dog",
              "repeat": 1.0}
    turn = await validate_slot(CHILD_FORM, domain, "dreams_more", "/deny", who="child",
                               text="/deny", intent="deny", confidence=1.0, slots=filled)
    assert turn.slots == {"dreams_more": DONE, "repeat": 0, "requested_slot": "good_life"}


@pytest.mark.asyncio
async def test_a_skipped_scale_goes_on_to_the_last_question(domain, fake_portal) -> None:
    everything = dict.fromkeys([*GOOD, *WORRIES, *DREAMS, "trusted_adults"], SKIPPED)
    turn = await validate_slot(CHILD_FORM, domain, "scale", "/skip", who="young_person",
                               text="/skip", intent="skip", confidence=1.0,
                               slots=everything | {"first_house": "worries"})
    assert turn.slots["scale"] == SKIPPED and turn.slots["scale_higher"] == SKIPPED
    assert turn.slots["scale_why"] == SKIPPED
    assert turn.slots["requested_slot"] == "with_you"  # the last questions, then the review
    assert turn.texts == [say("skipped", "young_person")]
