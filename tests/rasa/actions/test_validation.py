"""How each reply to a question is understood (check_reply, via the form validators)."""

from __future__ import annotations

from typing import Any

import pytest

from actions import forms
from actions.questions import DONE, SKIPPED
from tests.rasa.conftest import (
    CHILDREN,
    CONVERSATION,
    Turn,
    ask,
    make_tracker,
    run_action,
    say,
    validate_slot,
)

ADULT_FORM = forms.ValidateAdultForm()
CHILD_FORM = forms.ValidateChildForm()
_SAME: Any = object()


async def reply(domain: dict, slot: str, text: str, *, who: str = "parent",
                intent: str | None = "inform_strength", confidence: float = 0.9,
                value: Any = _SAME, slots: dict | None = None, **tracker_args: Any) -> Turn:
    """The person answers `slot` with `text`; Rasa's from_text mapping put `value` in it."""
    form = CHILD_FORM if who in CHILDREN else ADULT_FORM
    turn = await validate_slot(form, domain, slot, text if value is _SAME else value,
                               who=who, text=text, intent=intent, confidence=confidence,
                               slots=slots, **tracker_args)
    if form is ADULT_FORM:  # the next question of the person's set (test_question_sets.py)
        turn.slots.pop("requested_slot", None)
    return turn


# Real answers ---------------------------------------------------------------------------

EXACT_WORDS = [
    "He's grate at football ⚽ and luvs his nan",
    "<b>kind</b> & <script>alert(1)</script> funny",
    "She   sings\nall the time 🎤🎶",
    "😊👍",
    "Ellie's 'really' \"brave\" — 100%",
]


@pytest.mark.asyncio
@pytest.mark.parametrize("text", EXACT_WORDS)
async def test_an_answer_is_saved_once_in_the_persons_exact_words(text, domain,
                                                                  fake_portal) -> None:
    turn = await reply(domain, "like_child", text)
    assert turn.slots["like_child"] == text
    assert turn.messages == []  # an answer needs no reply; the next question follows
    assert len(fake_portal.saves) == 1
    _, conversation, key, body = fake_portal.saves[0]
    assert (conversation, key) == (CONVERSATION, "like_child")
    parts = body.pop("parts")
    assert body == {"kind": "item", "question": ask("like_child", "ask", "parent"),
                    "text": text, "value": None, "section": "working_well",
                    "category": "strength", "house": None}
    assert all(part["text"] in text for part in parts)  # each part in the exact words
    assert {part["section"] for part in parts} <= {"working_well", "worries", "needs"}
    assert fake_portal.saved()["like_child"]["text"] == text


@pytest.mark.asyncio
async def test_the_words_come_from_the_metadata_not_from_rasas_text(domain, fake_portal) -> None:
    turn = await reply(domain, "going_well", "Mum and nan", metadata_text="Mum  and nan 💕 ")
    assert fake_portal.saved()["going_well"]["text"] == "Mum  and nan 💕 "
    assert turn.slots["going_well"] == "Mum  and nan 💕 "


@pytest.mark.asyncio
async def test_without_metadata_rasas_text_is_used(domain, fake_portal) -> None:
    await reply(domain, "going_well", "Calmer mornings", metadata_text=None)
    assert fake_portal.saved()["going_well"]["text"] == "Calmer mornings"


@pytest.mark.asyncio
async def test_the_same_answer_sent_twice_is_stored_once(domain, fake_portal) -> None:
    await reply(domain, "harder", "Money is tight")
    await reply(domain, "harder", "Money is tight")
    assert len(fake_portal.saves) == 2
    assert list(fake_portal.saved()) == ["harder"]


# (slot, who, expected key, kind, section, category, house)
FILED = [
    ("like_child", "parent", "like_child", "item", "working_well", "strength", None),
    ("going_well", "professional", "going_well", "item", "working_well", "strength", None),
    ("before_problem", "parent", "before_problem", "item", "working_well", "strength", None),
    ("near_miss", "parent", "near_miss", "item", "working_well", "safety", None),
    ("child_would_say", "parent", "child_would_say", "item", "working_well", "strength", None),
    ("worried_about", "parent", "worried_about", "item", "worries", None, None),
    ("worker_worried", "carer", "worker_worried", "item", "worries", None, None),
    ("harder", "parent", "harder", "item", "worries", "complicating", None),
    ("helpers", "parent", "helpers", "network", None, None, None),
    ("how_help", "carer", "how_help", "network_how", None, None, None),
    ("future_danger", "network", "future_danger", "item", "worries", "danger", None),
    ("settled", "carer", "settled", "item", "working_well", "strength", None),
    ("family_contact", "carer", "family_contact", "item", "working_well", None, None),
    ("seen_well", "network", "seen_well", "item", "working_well", "strength", None),
    ("know_worries", "network", "know_worries", "item", "worries", None, None),
    ("could_do", "network", "could_do", "item", "needs", "next_step", None),
    ("call_first", "network", "call_first", "network", None, None, None),
    ("what_you_see", "professional", "what_you_see", "item", "working_well", None, None),
    ("attendance_health", "professional", "attendance_health", "item", "worries", None, None),
    ("service_offer", "professional", "service_offer", "item", "needs", "next_step", None),
    ("ease_comment", "parent", "ease_comment", "feedback", None, None, None),
    ("safe_needs", "parent", "safe_needs", "item", "needs", "goal", None),
    ("first_sign", "parent", "first_sign", "item", "needs", "goal", None),
    ("scale_why", "parent", "scale_why", "scale_why", None, None, None),
    ("scale_higher", "parent", "scale_higher", "scale_higher", None, None, None),
    ("scale_higher", "child", "scale_higher", "scale_higher", None, None, None),
    ("scale_why", "young_person", "scale_why", "scale_why", None, None, None),
    ("good_life", "child", "good_life", "item", None, "strength", "good_things"),
    ("good_people", "young_person", "good_people", "item", None, "strength", "good_things"),
    ("good_doing", "child", "good_doing", "item", None, "strength", "good_things"),
    ("good_more", "child", "good_more_1", "item", None, "strength", "good_things"),
    ("worries_what", "child", "worries_what", "item", None, None, "worries"),
    ("worries_feelings", "young_person", "worries_feelings", "item", None, None, "worries"),
    ("worries_more", "child", "worries_more_1", "item", None, None, "worries"),
    ("dreams_life", "child", "dreams_life", "item", None, None, "dreams"),
    ("dreams_wish", "young_person", "dreams_wish", "item", None, None, "dreams"),
    ("dreams_more", "child", "dreams_more_1", "item", None, None, "dreams"),
    ("trusted_adults", "child", "trusted_adults", "network", None, None, None),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("slot", "who", "key", "kind", "section", "category", "house"), FILED)
async def test_each_question_is_filed_where_the_map_needs_it(
        slot, who, key, kind, section, category, house, domain, fake_portal) -> None:
    text = "Going to the park with Nan on Sundays"
    await reply(domain, slot, text, who=who, slots={"scale_value": 6.0})
    stored = fake_portal.saved()[key]  # the fake also checks the endpoint would accept it
    assert stored == {"key": key, "kind": kind, "question": ask(slot, "ask", who, scale_value=6),
                      "text": text, "value": None, "section": section,
                      "category": category, "house": house, "private": False}


# Skips and non-answers ---------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["parent", "child", "young_person"])
@pytest.mark.parametrize(("text", "intent", "confidence"), [
    ("/skip", "skip", 1.0), ("skip", "skip", 0.93), ("Skip", "skip", 0.88),
    ("skip this one", "skip", 0.9),
])
async def test_skip_is_kind_and_saves_nothing(text, intent, confidence, who, domain,
                                              fake_portal) -> None:
    slot = "good_life" if who in CHILDREN else "like_child"
    turn = await reply(domain, slot, text, who=who, intent=intent, confidence=confidence)
    assert turn.slots[slot] == SKIPPED
    assert turn.texts == [say("skipped", who)]
    assert fake_portal.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["carer", "child"])
@pytest.mark.parametrize(("text", "intent", "confidence"), [
    ("dunno", "dont_know", 0.99), ("I dunno", "dont_know", 0.95), ("nothing", "deny", 0.7),
    ("n/a", "dont_know", 0.7), ("N/A", "inform_need", 0.3), ("not sure tbh", "dont_know", 0.8),
    ("idk", "chitchat", 0.4), ("...", "explain", 0.3), ("skipp", "inform_worry", 0.4),
])
async def test_dont_know_and_nothing_are_skipped_kindly(text, intent, confidence, who, domain,
                                                        fake_portal) -> None:
    slot = "worries_what" if who in CHILDREN else "settled"
    turn = await reply(domain, slot, text, who=who, intent=intent, confidence=confidence)
    assert turn.slots[slot] == SKIPPED
    assert turn.texts == [say("no_answer", who)]
    assert fake_portal.calls == []


LONG = "I don't know what to do about his temper, he shouts every night"


@pytest.mark.asyncio
@pytest.mark.parametrize("intent", ["dont_know", "skip", "explain", "chitchat", "deny"])
async def test_a_long_message_is_an_answer_whatever_the_nlu_thought(intent, domain,
                                                                     fake_portal) -> None:
    turn = await reply(domain, "worried_about", LONG, intent=intent, confidence=0.9)
    assert turn.slots["worried_about"] == LONG
    assert fake_portal.saved()["worried_about"]["text"] == LONG
    assert turn.messages == []


@pytest.mark.asyncio
async def test_short_content_labelled_dont_know_is_still_an_answer(domain, fake_portal) -> None:
    turn = await reply(domain, "helpers", "I don't know, maybe Mum", intent="dont_know",
                       confidence=0.9)
    assert turn.slots["helpers"] == "I don't know, maybe Mum"
    assert "helpers" in fake_portal.saved()


@pytest.mark.asyncio
async def test_skipping_who_helps_skips_how_they_help(domain, fake_portal) -> None:
    turn = await reply(domain, "helpers", "/skip", intent="skip", confidence=1.0)
    assert turn.slots["helpers"] == SKIPPED
    assert turn.slots["how_help"] == SKIPPED
    assert fake_portal.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "intent"), [("nobody", "dont_know"),
                                              ("no one really", "inform_worry")])
async def test_nobody_helps_is_kept_and_skips_how_they_help(text, intent, domain,
                                                            fake_portal) -> None:
    """"Nobody" matters to a social worker: it is stored (and makes no network entry)."""
    turn = await reply(domain, "helpers", text, intent=intent, confidence=0.9)
    assert turn.slots["helpers"] == text
    assert turn.slots["how_help"] == SKIPPED
    assert [call[0] for call in fake_portal.calls] == ["save"]


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["parent", "child"])
async def test_a_skipped_scale_skips_its_follow_ups(who, domain, fake_portal) -> None:
    turn = await reply(domain, "scale", "/skip", who=who, intent="skip", confidence=1.0)
    assert turn.slots["scale"] == SKIPPED
    assert turn.slots["scale_why"] == SKIPPED
    assert turn.slots["scale_higher"] == SKIPPED
    assert "scale_value" not in turn.slots
    assert fake_portal.calls == []


# Questions about the question, chat, and stray buttons ----------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["network", "young_person"])
async def test_what_do_you_mean_asks_again_in_simpler_words(who, domain, fake_portal) -> None:
    slot = "dreams_life" if who in CHILDREN else "seen_well"
    turn = await reply(domain, slot, "what do you mean?", who=who, intent="explain",
                       confidence=0.97)
    assert turn.slots[slot] is None
    assert turn.slots["simpler"] is True
    assert fake_portal.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["parent", "child"])
@pytest.mark.parametrize(("text", "intent", "key"), [
    ("what's the weather like", "chitchat", "not_a_person"),
    ("are you a robot", "chitchat", "not_a_person"),
    ("hello", "greet", "hello_again"),
    ("thanks", "thanks", "thanks_reply"),
])
async def test_chat_gets_a_short_reply_and_the_question_again(text, intent, key, who, domain,
                                                              fake_portal) -> None:
    slot = "good_doing" if who in CHILDREN else "first_sign"
    turn = await reply(domain, slot, text, who=who, intent=intent, confidence=0.9)
    assert turn.slots == {slot: None}
    assert turn.texts == [say(key, who)]
    assert fake_portal.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "intent"), [
    ("/affirm", "affirm"), ("/deny", "deny"), ("/send", "send"), ("/greet", "greet"),
    ('/choose_house{"house": "dreams"}', "choose_house"),
])
async def test_a_stray_button_inside_a_question_is_not_an_answer(text, intent, domain,
                                                                  fake_portal) -> None:
    turn = await reply(domain, "like_child", text, intent=intent, confidence=1.0)
    assert turn.slots == {"like_child": None}
    assert turn.texts == [say("stray_button", "parent")]
    assert fake_portal.calls == []


@pytest.mark.asyncio
async def test_typed_words_that_start_with_a_slash_are_an_answer(domain, fake_portal) -> None:
    typed = "/ he is much calmer at school now and sleeps better"
    rasa_text = "\u2060" + typed  # bot/portal/rasa_client.text_for_rasa
    turn = await reply(domain, "going_well", rasa_text, metadata_text=typed,
                       intent="inform_strength", confidence=0.99)
    assert fake_portal.saved()["going_well"]["text"] == typed
    assert turn.slots["going_well"] == typed


# The scale ---------------------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "value"), [("about a six", 6), ("7", 7), ("8/10", 8),
                                             ("0", 0), ("10", 10), ("Ten!", 10)])
async def test_a_scale_answer_is_saved_with_its_number(text, value, domain, fake_portal) -> None:
    turn = await reply(domain, "scale", text, intent="inform_worry", confidence=0.79)
    assert turn.slots["scale"] == text
    assert turn.slots["scale_value"] == value
    stored = fake_portal.saved()["scale"]
    assert stored["value"] == value and type(stored["value"]) is int
    assert stored["text"] == text and stored["kind"] == "scale"
    # The number only means something with the intro that says what 0 and 10 are.
    assert stored["question"] == (ask("scale", "intro", "parent") + " "
                                  + ask("scale", "ask", "parent"))


@pytest.mark.asyncio
async def test_a_childs_scale_answer_keeps_the_childs_question(domain, fake_portal) -> None:
    await reply(domain, "scale", "6", who="child", intent="inform_worry", confidence=0.79)
    question = fake_portal.saved()["scale"]["question"]
    assert question.startswith(ask("scale", "intro", "child"))
    assert question.endswith("How safe do you feel at home?")


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "intent"), [
    ("11", "inform_worry"), ("lots", "inform_strength"), ("-1", "inform_worry"),
    ("5.5", "inform_worry"), ("3 or 4", "inform_worry"), ("100%", "inform_strength"),
    ("pretty good actually", "inform_strength"),
])
async def test_a_scale_answer_without_one_whole_number_is_asked_again(text, intent, domain,
                                                                     fake_portal) -> None:
    turn = await reply(domain, "scale", text, intent=intent, confidence=0.9)
    assert turn.slots == {"scale": None}
    assert turn.texts == [say("scale_reask", "parent")]
    assert fake_portal.calls == []


# "Anything else?" loops ---------------------------------------------------------------------

@pytest.mark.asyncio
async def test_anything_else_answers_are_numbered_and_the_question_repeats(domain,
                                                                          fake_portal) -> None:
    first = await reply(domain, "good_more", "my cat Biscuit", who="child")
    assert first.slots == {"good_more": None, "repeat": 1}
    second = await reply(domain, "good_more", "swimming on Fridays", who="child",
                         slots={"repeat": 1.0})  # Rasa keeps the float slot as a float
    assert second.slots == {"good_more": None, "repeat": 2}
    assert {k: v["text"] for k, v in fake_portal.saved().items()} == {
        "good_more_1": "my cat Biscuit", "good_more_2": "swimming on Fridays"}


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "intent", "confidence"), [
    ("no", "deny", 0.87), ("/deny", "deny", 1.0), ("nothing", "inform_strength", 0.5),
    ("No thats all", "deny", 0.9), ("nope", "deny", 0.8), ("nah", "deny", 0.98),
    ("no one else", "deny", 0.99), ("skip", "skip", 0.9),
])
async def test_no_ends_the_anything_else_loop(text, intent, confidence, domain,
                                              fake_portal) -> None:
    turn = await reply(domain, "worries_more", text, who="young_person", intent=intent,
                       confidence=confidence, slots={"repeat": 2.0})
    assert turn.slots == {"worries_more": DONE, "repeat": 0}
    assert fake_portal.calls == []


@pytest.mark.asyncio
async def test_the_next_house_numbers_from_one_again(domain, fake_portal) -> None:
    await reply(domain, "good_more", "my cat", who="child")
    done = await reply(domain, "good_more", "/deny", who="child", intent="deny", confidence=1.0,
                       slots={"repeat": 1.0})
    await reply(domain, "worries_more", "the dark", who="child",
                slots={"repeat": float(done.slots["repeat"])})
    assert list(fake_portal.saved()) == ["good_more_1", "worries_more_1"]


@pytest.mark.asyncio
async def test_an_unsure_deny_does_not_throw_away_an_anything_else_answer(
        domain, fake_portal) -> None:
    # The trained model reads "no my mum" as deny with confidence 0.56.
    turn = await reply(domain, "good_more", "no my mum", who="child", intent="deny",
                       confidence=0.56)
    assert "good_more_1" in fake_portal.saved()
    assert turn.slots["good_more"] is None


# Re-validation, and a portal that fails ----------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize(("slot", "value"), [
    ("like_child", "He likes Lego"), ("helpers", SKIPPED), ("scale", "about a six"),
    ("good_more", DONE), ("worries_what", "the dark"),
])
async def test_a_value_from_an_earlier_turn_passes_through_unchanged(slot, value, domain,
                                                                     fake_portal) -> None:
    # The form resumes after "No, carry on": Rasa re-validates the slots already filled.
    who = "child" if slot in ("good_more", "worries_what") else "parent"
    turn = await reply(domain, slot, "/deny", who=who, intent="deny", confidence=1.0,
                       value=value)
    assert turn.slots[slot] == value
    assert turn.messages == []
    assert fake_portal.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("slot", "who", "text"), [
    ("like_child", "parent", "She is funny"), ("scale", "carer", "6"),
    ("good_more", "child", "my cat"), ("trusted_adults", "young_person", "Mrs Patel"),
])
async def test_when_the_portal_fails_nothing_is_lost_the_question_is_asked_again(
        slot, who, text, domain, broken_portal) -> None:
    turn = await reply(domain, slot, text, who=who, intent="inform_strength", confidence=0.9)
    assert turn.slots == {slot: None}
    assert turn.texts == [say("not_saved", who)]
    assert [call[0] for call in broken_portal.calls] == ["save"]


@pytest.mark.asyncio
async def test_after_sending_a_new_answer_is_refused_and_said_so(domain, fake_portal) -> None:
    await fake_portal.submit(CONVERSATION)
    turn = await reply(domain, "like_child", "She is funny")
    assert turn.slots == {"like_child": None}
    assert turn.texts == [say("not_saved", "parent")]
    assert fake_portal.saved() == {}


@pytest.mark.asyncio
async def test_a_slot_that_was_not_just_set_is_not_validated(domain, fake_portal) -> None:
    # Only the slots set after the latest user message are checked (slots_to_validate).
    tracker = make_tracker(text="She is funny", slots={"requested_slot": "like_child",
                                                       "like_child": "She is funny"},
                           active_loop="adult_form")
    turn = await run_action(ADULT_FORM, tracker, domain)
    # Only the next question of the parent's set is named (the form is dynamic).
    assert turn.slots == {"requested_slot": "going_well"} and fake_portal.calls == []
