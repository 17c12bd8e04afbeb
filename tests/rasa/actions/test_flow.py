"""The conversation around the questions: welcome, review, change, remove, send, recover."""

from __future__ import annotations

import json

import pytest

from actions import flow, forms
from actions.questions import SKIPPED
from tests.rasa.conftest import (
    CHILD_NAME,
    CONVERSATION,
    NAME,
    PEOPLE,
    make_tracker,
    run_action,
    say,
    validate_slot,
)

BACK = {"title": "Back to my answers", "payload": "/deny"}


# Welcome ----------------------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("role", sorted(PEOPLE))
async def test_welcome_sets_who_is_answering_from_the_portal(role, domain, fake_portal) -> None:
    fake_portal.add_conversation(CONVERSATION, role=role, name="Jo", child_name="Kai")
    tracker = make_tracker(who="parent", text="/start", intent="start",
                           slots={"role": None, "audience": None, "name": None,
                                  "child_name": None})
    turn = await run_action(flow.ActionWelcome(), tracker, domain)
    audience = PEOPLE[role][1]
    assert turn.slots == {"role": role, "audience": audience, "name": "Jo",
                          "child_name": "Kai", "stage": "welcomed",
                          "question_set": role if audience == "adult" else None,
                          "easy_read": False}
    welcome = say("welcome", role, name="Jo", child_name="Kai")
    assert turn.texts == [welcome, say("ready", role)]
    assert welcome.startswith("Hi Jo" if audience != "adult" else "Hello Jo.")
    assert [b["payload"] for b in turn.messages[1]["buttons"]] == ["/affirm", "/deny"]


@pytest.mark.asyncio
async def test_a_child_gets_the_childs_welcome(domain, fake_portal) -> None:
    fake_portal.add_conversation(CONVERSATION, role="child", name="Kai", child_name="Kai")
    turn = await run_action(flow.ActionWelcome(), make_tracker(text="/start", intent="start"),
                            domain)
    assert "Childline" in turn.texts[0] and "0800 1111" in turn.texts[0]
    assert turn.texts[1] == "Are you ready?"
    adult = say("welcome", "parent", name="Kai", child_name="Kai")
    assert turn.texts[0] != adult


# The privacy notice is linked at the bottom of the chat page (chat_base.html).
PRIVACY_LINE = {
    "parent": "The link at the bottom of this page says what happens to your answers.",
    "professional": "The link at the bottom of this page says what happens to your answers.",
    "child": "The link at the bottom says what happens to what you write.",
    "young_person": "The link at the bottom of the page tells you what happens to your words.",
}


@pytest.mark.asyncio
@pytest.mark.parametrize(("role", "line"), sorted(PRIVACY_LINE.items()))
async def test_the_welcome_points_to_the_privacy_notice(role, line, domain, fake_portal) -> None:
    fake_portal.add_conversation(CONVERSATION, role=role, name="Jo", child_name="Kai")
    turn = await run_action(flow.ActionWelcome(), make_tracker(text="/start", intent="start"),
                            domain)
    assert line in turn.texts[0].splitlines()


@pytest.mark.asyncio
@pytest.mark.parametrize("stage", ["welcomed", "mapping", "review", "submitted"])
async def test_a_repeated_start_does_not_undo_progress(stage, domain, fake_portal) -> None:
    tracker = make_tracker(text="/start", intent="start", slots={"stage": stage})
    turn = await run_action(flow.ActionWelcome(), tracker, domain)
    assert "stage" not in turn.slots
    assert turn.slots["role"] == "parent"


@pytest.mark.asyncio
async def test_welcome_when_the_portal_fails(domain, broken_portal) -> None:
    turn = await run_action(flow.ActionWelcome(), make_tracker(text="/start", intent="start"),
                            domain)
    assert turn.events == []
    assert turn.texts == [say("not_saved", "parent")]


@pytest.mark.asyncio
async def test_start_mapping_sets_the_stage(domain) -> None:
    turn = await run_action(flow.ActionStartMapping(), make_tracker(), domain)
    assert turn.slots == {"stage": "mapping"}


# Review -----------------------------------------------------------------------------------

def _store_everything(fake) -> None:
    fake.add_answer("like_child", "She's <b>kind</b> & funny 😊", section="working_well")
    fake.add_answer("worried_about", "his temper\nat night", section="worries")
    fake.add_answer("helpers", "Nan, Mrs Patel", kind="network", section=None)
    fake.add_answer("how_help", "school runs", kind="network_how", section=None)
    fake.add_answer("safe_needs", "a bigger flat", section="needs", category="goal")
    fake.add_answer("scale", "about a six", kind="scale", section=None, value=6)
    fake.add_answer("scale_why", "we talk more", kind="scale_why", section=None)
    fake.add_answer("going_well", "calmer mornings", section="working_well")


@pytest.mark.asyncio
async def test_review_groups_answers_under_headings_and_quotes_them_exactly(
        domain, fake_portal) -> None:
    _store_everything(fake_portal)
    turn = await run_action(flow.ActionReview(), make_tracker(text="/affirm"), domain)
    assert turn.texts == [
        say("review_intro", "parent"),
        "What's working well:\n• She's <b>kind</b> & funny 😊\n• calmer mornings",
        "What you are worried about:\n• his temper\nat night",
        "What needs to happen:\n• a bigger flat",
        "People who help:\n• Nan, Mrs Patel\n• school runs",
        "Your answers to the number questions:\n• about a six (6)\n• we talk more",
        say("review_question", "parent"),
    ]
    assert [b["payload"] for b in turn.messages[-1]["buttons"]] == [
        "/send", "/change", "/remove", "/choose_private"]  # the last, answered by the portal
    assert turn.slots == {"stage": "review", "edit_target": None, "new_text": None,
                          "simpler": False}


@pytest.mark.asyncio
async def test_review_marks_an_answer_kept_from_the_family(domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "She is kind")
    fake_portal.add_answer("going_well", "We argue less", private=True)
    turn = await run_action(flow.ActionReview(), make_tracker(text="/affirm"), domain)
    assert turn.texts[1] == ("What's working well:\n• She is kind\n"
                             "• We argue less (you asked to keep this from your family)")


@pytest.mark.asyncio
async def test_review_for_a_child_shows_the_houses(domain, fake_portal) -> None:
    fake_portal.add_answer("dreams_life", "no more shouting", section=None, house="dreams")
    fake_portal.add_answer("good_life", "my cat", section=None, house="good_things")
    fake_portal.add_answer("worries_what", "the dark", section=None, house="worries")
    fake_portal.add_answer("trusted_adults", "Miss Jones", kind="network", section=None)
    fake_portal.add_answer("good_more_1", "{child_name} swims", section=None,
                           house="good_things")
    turn = await run_action(flow.ActionReview(), make_tracker(who="child"), domain,
                            check_texts=False)
    assert turn.texts[1:-1] == [
        "House of good things:\n• my cat\n• {child_name} swims",  # never filled in
        "House of worries:\n• the dark",
        "House of dreams:\n• no more shouting",
        "Grown-ups you trust:\n• Miss Jones",
    ]
    assert turn.texts[0] == say("review_intro", "child")


@pytest.mark.asyncio
async def test_review_with_no_answers(domain, fake_portal) -> None:
    turn = await run_action(flow.ActionReview(), make_tracker(who="young_person"), domain)
    assert turn.texts == [say("review_empty", "young_person"),
                          say("review_question", "young_person")]


@pytest.mark.asyncio
async def test_review_when_the_portal_fails(domain, broken_portal) -> None:
    turn = await run_action(flow.ActionReview(), make_tracker(), domain)
    assert turn.texts == [say("not_saved", "parent")]
    assert turn.slots == {"stage": "review"}


# Submit -----------------------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["carer", "child"])
async def test_submit_sends_and_tells_the_chat_page(who, domain, fake_portal) -> None:
    turn = await run_action(flow.ActionSubmit(), make_tracker(who=who, text="/send",
                                                              intent="send"), domain)
    assert fake_portal.calls == [("submit", CONVERSATION)]
    assert turn.slots == {"stage": "submitted"}
    assert turn.texts == [say("submitted", who)]
    assert turn.messages[0]["custom"] == {"status": "submitted"}


@pytest.mark.asyncio
async def test_submit_when_the_portal_fails_is_not_submitted(domain, broken_portal) -> None:
    turn = await run_action(flow.ActionSubmit(), make_tracker(text="/send", intent="send"),
                            domain)
    assert turn.events == []
    assert turn.texts == [say("not_saved", "parent")]
    assert all(m["custom"] == {} for m in turn.messages)


# Choosing an answer to change or remove ---------------------------------------------------

def _payload_key(payload: str, intent: str) -> str:
    assert payload.startswith(f"/{intent}{{")
    return json.loads(payload[len(intent) + 1:])["answer_key"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("intent", "wanted", "key"), [
    ("change", "change_answer", "pick_to_change"), ("remove", "remove_answer", "pick_to_remove"),
])
async def test_list_answers_offers_one_button_per_answer(intent, wanted, key, domain,
                                                         fake_portal) -> None:
    long_text = "He is really good at building things with Lego and he helps his sister"
    fake_portal.add_answer("like_child", long_text)
    fake_portal.add_answer("good_more_2", "  my\ncat   ", section=None, house="good_things")
    fake_portal.add_answer("scale", "7", kind="scale", section=None, value=7)
    tracker = make_tracker(text=f"/{intent}", intent=intent, slots={"stage": "review"})
    turn = await run_action(flow.ActionListAnswers(), tracker, domain)
    assert turn.events == []
    assert turn.texts == [say(key, "parent")]
    buttons = turn.messages[0]["buttons"]
    assert buttons[-1] == BACK
    assert [_payload_key(b["payload"], wanted) for b in buttons[:-1]] == [
        "like_child", "good_more_2", "scale"]
    titles = [b["title"] for b in buttons[:-1]]
    assert titles[1:] == ["my cat", "7"]
    assert len(titles[0]) == 40 and titles[0].endswith("…")
    assert long_text.startswith(titles[0][:-1])


@pytest.mark.asyncio
async def test_a_title_of_exactly_40_characters_is_not_cut(domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "x" * 40)
    turn = await run_action(flow.ActionListAnswers(), make_tracker(text="/change",
                                                                   intent="change"), domain)
    assert turn.messages[0]["buttons"][0]["title"] == "x" * 40


@pytest.mark.asyncio
async def test_list_answers_with_nothing_to_pick(domain, fake_portal) -> None:
    turn = await run_action(flow.ActionListAnswers(), make_tracker(text="/change",
                                                                   intent="change"), domain)
    assert turn.texts == [say("nothing_to_pick", "parent"), say("review_question", "parent")]


@pytest.mark.asyncio
async def test_list_answers_when_the_portal_fails(domain, broken_portal) -> None:
    turn = await run_action(flow.ActionListAnswers(), make_tracker(text="/change",
                                                                   intent="change"), domain)
    assert turn.texts == [say("not_saved", "parent")]


def _picked(key: str, intent: str = "change_answer", **kw):
    return make_tracker(text=f'/{intent}{{"answer_key": "{key}"}}', intent=intent,
                        entities=[{"entity": "answer_key", "value": key}],
                        slots={"stage": "review"}, **kw)


@pytest.mark.asyncio
async def test_start_edit_remembers_the_answer(domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "She sings")
    turn = await run_action(flow.ActionStartEdit(), _picked("like_child"), domain)
    assert turn.slots == {"edit_target": "like_child", "old_text": "She sings",
                          "new_text": None, "last_asked": None}
    assert turn.messages == []


@pytest.mark.asyncio
@pytest.mark.parametrize("key", ["no_such_answer", "like_child_1"])
async def test_start_edit_with_an_unknown_answer_ends_the_edit(key, domain,
                                                               fake_portal) -> None:
    fake_portal.add_answer("like_child", "She sings")
    turn = await run_action(flow.ActionStartEdit(), _picked(key), domain)
    assert turn.slots == {"new_text": SKIPPED}
    assert turn.texts == [say("not_found_answer", "parent")]


@pytest.mark.asyncio
async def test_start_edit_without_a_key(domain, fake_portal) -> None:
    tracker = make_tracker(text="/change_answer", intent="change_answer")
    turn = await run_action(flow.ActionStartEdit(), tracker, domain)
    assert turn.slots == {"new_text": SKIPPED}


@pytest.mark.asyncio
async def test_start_edit_when_the_portal_fails_says_so(domain, broken_portal) -> None:
    turn = await run_action(flow.ActionStartEdit(), _picked("like_child"), domain)
    assert turn.slots == {"new_text": SKIPPED}  # the edit still ends at once
    assert turn.texts == [say("not_saved", "parent")]


@pytest.mark.asyncio
async def test_remove_answer(domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "She sings")
    fake_portal.add_answer("harder", "money", section="worries")
    turn = await run_action(flow.ActionRemoveAnswer(), _picked("like_child", "remove_answer",
                                                               who="child"), domain)
    assert turn.texts == [say("removed", "child")]
    assert list(fake_portal.saved()) == ["harder"]
    again = await run_action(flow.ActionRemoveAnswer(), _picked("like_child", "remove_answer"),
                             domain)
    assert again.texts == [say("not_found_answer", "parent")]


@pytest.mark.asyncio
async def test_remove_answer_without_a_key(domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "She sings")
    turn = await run_action(flow.ActionRemoveAnswer(),
                            make_tracker(text="/remove_answer", intent="remove_answer"), domain)
    assert turn.texts == [say("not_found_answer", "parent")]
    assert list(fake_portal.saved()) == ["like_child"]


@pytest.mark.asyncio
async def test_remove_answer_when_the_portal_fails_says_so(domain, broken_portal) -> None:
    turn = await run_action(flow.ActionRemoveAnswer(), _picked("like_child", "remove_answer"),
                            domain)
    assert turn.texts == [say("not_saved", "parent")]


# Changing an answer (edit_form) -----------------------------------------------------------

EDIT_FORM = forms.ValidateEditForm()


async def _new_text(domain, text: str, *, target: str = "like_child", intent="inform_strength",
                    confidence=0.9, value=None, who="parent", **kw):
    return await validate_slot(EDIT_FORM, domain, "new_text", text if value is None else value,
                               who=who, text=text, intent=intent, confidence=confidence,
                               slots={"edit_target": target, "old_text": "old"}, **kw)


@pytest.mark.asyncio
async def test_a_changed_answer_replaces_the_old_one_in_place(domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "She sings", category="strength", question="Q1?")
    fake_portal.add_answer("harder", "money", section="worries")
    turn = await _new_text(domain, "She sings and dances 💃 <i>loads</i>")
    assert turn.slots == {"new_text": "She sings and dances 💃 <i>loads</i>"}
    assert turn.texts == [say("changed", "parent")]
    assert list(fake_portal.saved()) == ["like_child", "harder"]  # same place, same key
    assert fake_portal.saved()["like_child"] | {"text": "x"} == {
        "key": "like_child", "kind": "item", "question": "Q1?", "text": "x", "value": None,
        "section": "working_well", "category": "strength", "house": None, "private": False}
    assert fake_portal.saved()["like_child"]["text"] == "She sings and dances 💃 <i>loads</i>"


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "value", "said"), [("about an eight", 8, "changed"),
                                                     ("11", 6, "scale_reask"),
                                                     ("lots", 6, "scale_reask")])
async def test_changing_the_scale_reads_the_number_again(text, value, said, domain,
                                                         fake_portal) -> None:
    fake_portal.add_answer("scale", "6", kind="scale", section=None, value=6)
    turn = await _new_text(domain, text, target="scale")
    assert fake_portal.saved()["scale"]["value"] == value
    assert turn.texts == [say(said, "parent")]
    assert turn.slots == {"new_text": text if said == "changed" else None}


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "intent"), [("/skip", "skip"), ("dunno", "dont_know"),
                                              ("keep it", "skip")])
async def test_keep_it_as_it_was(text, intent, domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "She sings")
    turn = await _new_text(domain, text, intent=intent, who="child")
    assert turn.slots == {"new_text": SKIPPED}
    assert turn.texts == [say("kept", "child")]
    assert fake_portal.saved()["like_child"]["text"] == "She sings"
    assert fake_portal.saves == []


@pytest.mark.asyncio
async def test_editing_an_answer_that_is_gone(domain, fake_portal) -> None:
    turn = await _new_text(domain, "new words", target="like_child")
    assert turn.slots == {"new_text": SKIPPED}
    assert turn.texts == [say("not_found_answer", "parent")]
    assert fake_portal.saved() == {}


@pytest.mark.asyncio
async def test_editing_when_the_portal_fails(domain, broken_portal) -> None:
    turn = await _new_text(domain, "new words")
    assert turn.slots == {"new_text": None}
    assert turn.texts == [say("not_saved", "parent")]


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "intent", "slots", "said"), [
    ("what do you mean", "explain", {"new_text": None, "simpler": True}, None),
    ("hello", "greet", {"new_text": None}, "hello_again"),
    ("/affirm", "affirm", {"new_text": None}, "stray_button"),
])
async def test_edit_interruptions(text, intent, slots, said, domain, fake_portal) -> None:
    fake_portal.add_answer("like_child", "She sings")
    turn = await _new_text(domain, text, intent=intent)
    assert turn.slots == slots
    assert turn.texts == ([say(said, "parent")] if said else [])
    assert fake_portal.saves == []


@pytest.mark.asyncio
async def test_an_edit_value_from_an_earlier_turn_passes_through(domain, fake_portal) -> None:
    turn = await _new_text(domain, "/deny", value="She sings loudly", intent="deny")
    assert turn.slots == {"new_text": "She sings loudly"}
    assert fake_portal.calls == []


# Recovery and the one-line actions -----------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize(("stage", "who", "followup", "said"), [
    (None, "parent", "action_welcome", None),
    ("welcomed", "parent", "action_listen", "ready"),
    ("mapping", "carer", "adult_form", "resume"),
    ("mapping", "child", "child_form", "resume"),
    ("mapping", "young_person", "child_form", "resume"),
    ("review", "child", "action_review", None),
    ("submitted", "network", "action_listen", "already_sent"),
])
async def test_recover_carries_on_from_the_stage(stage, who, followup, said, domain) -> None:
    tracker = make_tracker(who=who, text="blah", intent="chitchat", confidence=0.2,
                           slots={"stage": stage})
    turn = await run_action(flow.ActionRecover(), tracker, domain)
    assert turn.followups == [followup]
    assert turn.texts == ([say(said, who)] if said else [])


@pytest.mark.asyncio
@pytest.mark.parametrize("action", [cls() for cls in flow.SAY_ACTIONS],
                         ids=lambda a: a.name())
@pytest.mark.parametrize("who", sorted(PEOPLE))
async def test_say_actions_say_their_text(action, who, domain) -> None:
    turn = await run_action(action, make_tracker(who=who), domain)
    assert turn.events == []
    assert turn.texts == [say(action.key, who)]
    assert action.name() == f"action_say_{action.key}"


# The test above compares with the catalogue through the same renderer the actions use;
# these are the words themselves, written out, for a sample: a broken catalogue or renderer
# that gave everyone the same (or no) words would pass the comparison alone.
SAID = [
    ("ready", "parent", "Are you ready to start?"),
    ("ready", "child", "Are you ready?"),
    ("already_sent", "parent", "Your answers have already been sent to your social worker. "
     "If you want to add something, please tell your social worker."),
    ("already_sent", "child",
     "You have sent your answers. If you want to say more, tell your social worker."),
    ("not_ready", "child",
     "That's OK. You can come back any time. Just say hello when you are ready."),
    ("stopped", "young_person", "OK, we have stopped. Your answers so far are saved. When "
     "you want to carry on, open the same link and say hello."),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("key", "who", "words"), SAID)
async def test_say_actions_say_these_words(key, who, words, domain) -> None:
    [action] = [cls() for cls in flow.SAY_ACTIONS if cls().key == key]
    turn = await run_action(action, make_tracker(who=who), domain)
    assert turn.texts == [words]


@pytest.mark.asyncio
@pytest.mark.parametrize("action", [cls() for cls in flow.SAY_ACTIONS],
                         ids=lambda a: a.name())
async def test_say_actions_speak_to_a_child_in_other_words(action, domain) -> None:
    child = await run_action(action, make_tracker(who="child"), domain)
    adult = await run_action(action, make_tracker(who="parent"), domain)
    assert child.texts and adult.texts and child.texts != adult.texts


def test_the_tracker_defaults_are_what_the_tests_assume() -> None:
    tracker = make_tracker()
    assert (tracker.get_slot("name"), tracker.get_slot("child_name")) == (NAME, CHILD_NAME)
