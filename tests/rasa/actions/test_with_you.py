"""'Was anyone with you while you answered?' (issue 23) in the action server: asked of
everyone just before "Was this easy to do?", answered by payload buttons, handed to the
portal in the worker's words, skippable, never read back nor offered to change."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import flow, forms
from actions.questions import SKIPPED
from tests.rasa.conftest import make_tracker, run_action, say, validate_slot

ADULT_FORM = forms.ValidateAdultForm()
CHILD_FORM = forms.ValidateChildForm()
ASK = next(action() for action in forms.ASK_ACTIONS if action().slot == "with_you")
STOP = {"title": "Stop for now", "payload": "/stop"}


@pytest.mark.asyncio
@pytest.mark.parametrize("question_set", ["parent", "carer", "network", "professional"])
async def test_every_adult_is_asked_it_just_before_ease(question_set, domain) -> None:
    tracker = make_tracker(who="parent", slots={"question_set": question_set})
    order = await ADULT_FORM.required_slots([], CollectingDispatcher(), tracker, domain)
    assert order[-3:] == ["with_you", "ease", "ease_comment"]


@pytest.mark.asyncio
@pytest.mark.parametrize("first_house", [None, "worries", "dreams"])
async def test_every_child_is_asked_it_just_before_ease(first_house, domain) -> None:
    tracker = make_tracker(who="child", slots={"first_house": first_house})
    order = await CHILD_FORM.required_slots([], CollectingDispatcher(), tracker, domain)
    assert order[-4:] == ["scale_higher", "with_you", "ease", "ease_comment"]


@pytest.mark.asyncio
async def test_an_adult_gets_plain_words_and_payload_buttons(domain) -> None:
    turn = await run_action(ASK, make_tracker(who="parent"), domain)
    assert turn.texts == ["Was anyone with you while you answered? You can skip this."]
    assert turn.messages[-1]["buttons"] == [
        {"title": "No, I was on my own", "payload": '/with_you{"with_you": "nobody"}'},
        {"title": "Someone helped me", "payload": '/with_you{"with_you": "helped"}'},
        {"title": "Someone was there", "payload": '/with_you{"with_you": "present"}'},
        {"title": "Skip this question", "payload": "/skip"}, STOP]


@pytest.mark.asyncio
async def test_a_child_gets_their_own_words(domain) -> None:
    turn = await run_action(ASK, make_tracker(who="child"), domain)
    assert turn.texts == ["Was anyone with you when you answered? You can skip this."]
    assert [b["title"] for b in turn.messages[-1]["buttons"]] == [
        "No, just me", "Someone helped me", "Someone was with me", "Skip this question",
        "Stop for now"]


def _pressed(code: str) -> dict:
    return {"text": f'/with_you{{"with_you": "{code}"}}', "intent": "with_you",
            "confidence": 1.0, "entities": [{"entity": "with_you", "value": code}]}


@pytest.mark.asyncio
@pytest.mark.parametrize(("who", "form", "code", "words"), [
    ("parent", ADULT_FORM, "nobody", "No one"),
    ("professional", ADULT_FORM, "helped", "Someone helped them answer"),
    ("child", CHILD_FORM, "present", "Someone was there"),
    ("young_person", CHILD_FORM, "helped", "Someone helped them answer")])
async def test_a_button_is_handed_to_the_portal_in_the_workers_words(who, form, code, words,
                                                                    domain, fake_portal):
    turn = await validate_slot(form, domain, "with_you", code, who=who, **_pressed(code))
    stored = fake_portal.saved()["with_you"]
    assert (stored["kind"], stored["text"], stored["value"]) == ("with_you", words, None)
    assert stored["section"] is None and stored["house"] is None and "parts" not in stored
    assert stored["question"].startswith("Was anyone with you")
    assert turn.slots["with_you"] == words


@pytest.mark.asyncio
async def test_skip_skips_it_and_stores_nothing(domain, fake_portal) -> None:
    turn = await validate_slot(ADULT_FORM, domain, "with_you", "/skip", text="/skip",
                               intent="skip", confidence=1.0)
    assert turn.slots["with_you"] == SKIPPED
    assert turn.messages[0]["custom"] == {"skipped": "with_you"}
    assert fake_portal.saves == []


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["someone was there", "present", "my mum sat with me"])
async def test_typed_words_are_asked_again_and_never_stored(text, domain, fake_portal) -> None:
    turn = await validate_slot(CHILD_FORM, domain, "with_you", text, who="child", text=text,
                               intent="inform_strength", confidence=0.9)
    assert turn.slots["with_you"] is None
    assert turn.texts == [say("ease_reask", "child")]
    assert fake_portal.saves == []


@pytest.mark.asyncio
async def test_a_value_that_is_not_a_code_is_asked_again(domain, fake_portal) -> None:
    turn = await validate_slot(ADULT_FORM, domain, "with_you", "everyone",
                               **_pressed("everyone"))
    assert turn.slots["with_you"] is None
    assert fake_portal.saves == []


@pytest.mark.asyncio
async def test_it_is_not_read_back_nor_offered_to_change(domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "She is funny")
    fake_portal.add_answer("with_you", "Someone was there", kind="with_you", section=None)
    review = await run_action(flow.ActionReview(), make_tracker(text="/affirm"), domain)
    assert "Someone was there" not in "".join(review.texts)
    listed = await run_action(flow.ActionListAnswers(), make_tracker(
        text="/change", intent="change", slots={"stage": "review"}), domain)
    assert [b["title"] for b in listed.messages[0]["buttons"]][:-1] == ["She is funny"]
