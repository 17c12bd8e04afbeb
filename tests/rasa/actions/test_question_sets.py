"""Questions made for each person (issue 19): each adult's question set, the common
scale, "Was this easy to do?", and the child's check-in after the house of worries."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import flow, forms
from actions.questions import DONE, SKIPPED
from tests.rasa.conftest import (
    CONVERSATION,
    ask,
    make_tracker,
    run_action,
    say,
    validate_slot,
)

ADULT_FORM = forms.ValidateAdultForm()
CHILD_FORM = forms.ValidateChildForm()
ASKERS = {action().slot: action() for action in forms.ASK_ACTIONS}
LAST = ["scale", "scale_why", "scale_higher", "common_scale", "with_you", "ease",
        "ease_comment"]

# Each set's questions, written out: a question added or moved shows up here.
ORDERS = {
    "parent": ["like_child", "going_well", "before_problem", "child_would_say",
               "worried_about", "worker_worried", "future_danger", "near_miss", "harder",
               "helpers", "how_help", "safe_needs", "first_sign", *LAST],
    "carer": ["like_child", "settled", "child_would_say", "worried_about", "worker_worried",
              "future_danger", "family_contact", "harder", "helpers", "how_help",
              "safe_needs", "first_sign", *LAST],
    "network": ["like_child", "seen_well", "know_worries", "future_danger", "could_do",
                "call_first", "safe_needs", *LAST],
    "professional": ["what_you_see", "attendance_health", "worried_about", "going_well",
                     "future_danger", "service_offer", "safe_needs", *LAST],
}


@pytest.mark.asyncio
@pytest.mark.parametrize("question_set", sorted(ORDERS))
async def test_each_adult_is_asked_their_own_sets_questions(question_set, domain) -> None:
    tracker = make_tracker(who="parent", slots={"question_set": question_set})
    slots = await ADULT_FORM.required_slots(
        domain["forms"]["adult_form"]["required_slots"], CollectingDispatcher(), tracker, domain)
    assert slots == ORDERS[question_set]


@pytest.mark.asyncio
async def test_the_parents_near_miss_comes_after_the_danger_and_is_about_it(domain) -> None:
    order = ORDERS["parent"]
    assert order.index("near_miss") == order.index("future_danger") + 1
    asked = await run_action(ASKERS["near_miss"], make_tracker(slots={
        "last_asked": "near_miss"}), domain)
    assert asked.texts == ["Was there a time when what you worry about could have happened, "
                           "but didn't? What was different? What did you or others do?"]
    danger = await run_action(ASKERS["future_danger"], make_tracker(slots={
        "last_asked": "future_danger"}), domain)
    assert danger.texts == ["If nothing changed, what are you worried could happen to Ellie?"]


@pytest.mark.asyncio
async def test_the_parents_scale_no_longer_reads_as_you_are_at_zero(domain) -> None:
    turn = await run_action(ASKERS["scale"], make_tracker(who="parent"), domain)
    intro = turn.texts[0]
    assert "0 means things could not be any worse for your family." in intro
    assert "right now" not in intro


@pytest.mark.asyncio
async def test_a_carer_gets_anchors_for_a_child_who_lives_with_them(domain) -> None:
    turn = await run_action(ASKERS["scale"], make_tracker(who="carer"), domain)
    assert "cannot stay at home" not in turn.texts[0]
    assert "10 means Ellie is settled and safe with you" in turn.texts[0]


@pytest.mark.asyncio
@pytest.mark.parametrize(("who", "slot", "words"), [
    ("carer", "family_contact", "How does Ellie get on when they see their parents or other "
                                "family? What helps, and what is hard?"),
    ("network", "could_do", "What could you do to help keep Ellie safe? When could you do it?"),
    ("network", "call_first", "If you were worried about Ellie, who would you call first?"),
    ("professional", "what_you_see", "What do you see of Ellie in your work? How often do "
                                     "you see them?"),
    ("professional", "worried_about", "What have you seen or heard that worries you about "
                                      "Ellie? Please say what happened, in plain words."),
    ("child", "scale_why", "You picked 6. What makes it that number and not lower?"),
    # A practitioner's read (docs/practitioner-read-questions.md): no "the problems".
    ("parent", "before_problem", "Think of a time before things got hard. What was life "
                                 "like for your family then?"),
])
async def test_each_person_is_asked_in_their_own_words(who, slot, words, domain) -> None:
    turn = await run_action(ASKERS[slot], make_tracker(who=who, slots={
        "last_asked": slot, "scale_value": 6.0}), domain)
    assert turn.texts == [words]


@pytest.mark.asyncio
async def test_the_worker_chosen_set_decides_the_wording(domain, fake_portal) -> None:
    # A carer who is also the parent's sister, asked as family and friends are.
    fake_portal.add_conversation(CONVERSATION, role="carer", name="Kelly", child_name="Kai",
                                 questions="network")
    tracker = make_tracker(text="/start", intent="start", slots={"role": None})
    turn = await run_action(flow.ActionWelcome(), tracker, domain)
    assert (turn.slots["role"], turn.slots["question_set"]) == ("carer", "network")
    asked = await run_action(ASKERS["like_child"], make_tracker(
        who="carer", slots={"question_set": "network", "last_asked": "seen_well",
                            "child_name": "Kai"}), domain)
    assert asked.messages[-1]["custom"]["progress"] == {"step": 1, "of": 14}


# The common scale -----------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["parent", "carer", "network", "professional"])
async def test_every_adult_is_asked_the_same_common_scale(who, domain, fake_portal) -> None:
    asked = await run_action(ASKERS["common_scale"], make_tracker(who=who), domain)
    assert asked.texts[-1] == ("From 0 to 10, how safe is Ellie from the worries? "
                               "0 means not safe at all. 10 means completely safe.")
    assert [b["payload"] for b in asked.messages[-1]["buttons"]][:11] == [
        str(n) for n in range(11)]
    turn = await validate_slot(ADULT_FORM, domain, "common_scale", "about a 5", who=who,
                               text="about a 5", intent="inform_strength",
                               slots={"scale_value": 8.0})
    stored = fake_portal.saved()["common_scale"]
    assert (stored["kind"], stored["value"], stored["text"]) == ("scale", 5, "about a 5")
    assert stored["question"].endswith("how safe is Ellie from the worries? 0 means not "
                                       "safe at all. 10 means completely safe.")
    assert "scale_value" not in turn.slots  # the own scale's follow-ups keep its number


# "Was this easy to do?" ------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize(("who", "text", "value", "title"), [
    ("parent", "Yes, it was easy", 2, "Yes, it was easy"),
    ("parent", "Partly", 1, "Partly"),
    ("professional", "No, it was hard", 0, "No, it was hard"),
    ("network", "it was ok", 1, "Partly"),
    ("child", "Some of it", 1, "Some of it"),
    ("young_person", "yes easy", 2, "Yes, it was easy"),
])
async def test_ease_is_stored_as_feedback_with_its_number(who, text, value, title, domain,
                                                         fake_portal) -> None:
    form = CHILD_FORM if who in ("child", "young_person") else ADULT_FORM
    turn = await validate_slot(form, domain, "ease", text, who=who, text=text,
                               intent="affirm", confidence=0.9)
    stored = fake_portal.saved()["ease"]
    assert (stored["kind"], stored["value"], stored["text"]) == ("feedback", value, title)
    assert stored["section"] is None and stored["house"] is None
    assert turn.slots["ease"] == title


@pytest.mark.asyncio
async def test_ease_offers_its_buttons_and_a_skip(domain) -> None:
    turn = await run_action(ASKERS["ease"], make_tracker(who="parent"), domain)
    assert [b["title"] for b in turn.messages[-1]["buttons"]] == [
        "Yes, it was easy", "Partly", "No, it was hard", "Skip this question", "Stop for now"]
    assert turn.texts == ["One last question, to help us make this chat better. "
                          "Was this easy to do?"]


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["not easy", "I liked the colours on the page a lot"])
async def test_words_that_are_not_a_choice_are_asked_again_kindly(text, domain,
                                                                 fake_portal) -> None:
    turn = await validate_slot(ADULT_FORM, domain, "ease", text, text=text,
                               intent="inform_strength", confidence=0.9)
    assert turn.slots["ease"] is None
    assert turn.texts == [say("ease_reask", "parent")]
    assert fake_portal.saves == []


@pytest.mark.asyncio
async def test_skipping_ease_skips_its_comment_too(domain, fake_portal) -> None:
    turn = await validate_slot(ADULT_FORM, domain, "ease", "/skip", text="/skip",
                               intent="skip", confidence=1.0)
    assert turn.slots["ease"] == SKIPPED and turn.slots["ease_comment"] == SKIPPED
    assert fake_portal.saves == []


@pytest.mark.asyncio
async def test_the_comment_is_feedback_in_the_persons_words(domain, fake_portal) -> None:
    text = "The number question was hard to answer"
    await validate_slot(ADULT_FORM, domain, "ease_comment", text, text=text,
                        intent="inform_worry", confidence=0.9)
    stored = fake_portal.saved()["ease_comment"]
    assert (stored["kind"], stored["value"], stored["text"]) == ("feedback", None, text)
    assert "parts" not in stored


@pytest.mark.asyncio
async def test_feedback_is_not_read_back_nor_offered_to_change(domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "She is funny")
    fake_portal.add_answer("ease", "Partly", kind="feedback", section=None, value=1)
    fake_portal.add_answer("ease_comment", "Too long", kind="feedback", section=None)
    review = await run_action(flow.ActionReview(), make_tracker(text="/affirm"), domain)
    assert "Partly" not in "".join(review.texts) and "Too long" not in "".join(review.texts)
    assert "What's working well:\n• She is funny" in review.texts
    listed = await run_action(flow.ActionListAnswers(), make_tracker(
        text="/change", intent="change", slots={"stage": "review"}), domain)
    assert [b["title"] for b in listed.messages[0]["buttons"]][:-1] == ["She is funny"]


# The child's check-in and "not lower?" ---------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["child", "young_person"])
async def test_a_gentle_check_in_after_the_house_of_worries(who, domain) -> None:
    turn = await run_action(ASKERS["check_in"], make_tracker(who=who), domain)
    assert turn.texts[-1].endswith("Are you OK to carry on?")
    assert turn.messages[-1]["buttons"] == [{"title": "Yes, carry on", "payload": "/affirm"},
                                           {"title": "I want a break", "payload": "/stop"}]


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "intent"), [("/affirm", "affirm"), ("yes", "affirm"),
                                              ("ok i guess", "affirm")])
async def test_carrying_on_stores_nothing(text, intent, domain, fake_portal) -> None:
    turn = await validate_slot(CHILD_FORM, domain, "check_in", text, who="child", text=text,
                               intent=intent, confidence=0.9,
                               slots={"first_house": "worries", "worries_what": "spiders",
                                      "worries_feelings": SKIPPED, "worries_more": DONE})
    assert turn.slots["check_in"] == DONE
    assert turn.slots["requested_slot"] == "dreams_life"
    assert fake_portal.saves == []


@pytest.mark.asyncio
async def test_no_is_met_kindly_with_the_way_to_take_a_break(domain, fake_portal) -> None:
    turn = await validate_slot(CHILD_FORM, domain, "check_in", "no", who="child", text="no",
                               intent="deny", confidence=0.9)
    assert turn.slots["check_in"] is None
    assert turn.texts == [say("check_in_break", "child")]
    assert fake_portal.saves == []


@pytest.mark.asyncio
async def test_the_childs_number_is_followed_by_not_lower(domain, fake_portal) -> None:
    await validate_slot(CHILD_FORM, domain, "scale", "7", who="child", text="7",
                        intent="inform_strength", confidence=0.9)
    assert fake_portal.saved()["scale"]["value"] == 7
    assert ask("scale_why", "ask", "child", scale_value=7) == (
        "You picked 7. What makes it that number and not lower?")
