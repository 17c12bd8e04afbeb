"""Levels through the chat endpoint (Rasa down): which flags alert, and the child's
home-safety number, whose question the portal asks itself."""

from __future__ import annotations

import json

import pytest

from bot.core.safeguarding.assess import assess
from bot.database.models import Message, Respondent
from bot.portal.portal_steps import safe_now_reading
from tests.services.safeguarding.safeguarding_support import (
    all_alerts,
    all_flags,
    new_family,
    worker,
)


@pytest.fixture
def portal_settings(settings):
    """The chat endpoint with both alert channels on (the local receivers)."""
    return settings


@pytest.fixture
async def alice(store):
    return await worker(store, "alice")


async def asked(store, respondent_id: str, question: str) -> None:
    """As if the assistant had just asked `question` (its message in the transcript)."""
    async with store.sessions.begin() as session:
        session.add(Message(respondent_id=respondent_id, sender="bot", text="A question?",
                            data=json.dumps({"custom": {"question": question},
                                             "buttons": [{"title": "Skip",
                                                          "payload": "/skip"}]})))


async def say(client, token: str, text: str) -> tuple[int, dict]:
    _, response = await client.post(f"/api/v1/chat/{token}/messages", json={"text": text})
    return response.status, response.json


async def test_an_adults_known_harm_in_a_worry_answer_is_a_concern_told_at_once(
        client, store, alice):
    family = await new_family(store, alice[0], role="parent")
    await asked(store, family.respondent_id, "worried_about")
    words = "his dad hit him last year, that is why the social worker comes"
    status, body = await say(client, family.token, words)
    (flag,) = await all_flags(store)
    assert (flag.text, flag.level) == (words, "concern")
    # The welcome says a worry about safety reaches the social worker straight away.
    assert {alert.channel for alert in await all_alerts(store)} == {"webhook", "email"}
    assert body["messages"][0]["text"] == ("Thank you for being open about this. "
                                           "Your social worker will read it.")


async def test_danger_now_alerts_at_once(client, store, alice):
    family = await new_family(store, alice[0], role="parent")
    await asked(store, family.respondent_id, "worried_about")
    status, body = await say(client, family.token, "I'm going to kill myself tonight")
    (flag,) = await all_flags(store)
    assert flag.level == "immediate"
    assert {alert.channel for alert in await all_alerts(store)} == {"webhook", "email"}
    assert body["messages"][0]["text"].startswith("Thank you for being open about this.")


async def test_a_childs_concern_alerts_and_still_gives_the_help(client, store, alice):
    family = await new_family(store, alice[0], role="child", name="Tia")
    await asked(store, family.respondent_id, "worries_what")
    status, body = await say(client, family.token,
                             "my dad used to hit me but he moved out last year")
    (flag,) = await all_flags(store)
    assert flag.level == "concern"
    assert {alert.channel for alert in await all_alerts(store)} == {"webhook", "email"}
    assert body["messages"][0]["text"] == (
        "Thank you for telling me. It is not your fault. Your social worker will read it.\n"
        "If you are not safe right now, call 999. Or call Childline free on 0800 1111.")


@pytest.mark.parametrize("text", [
    "i have been taking more of my tablets than i should to make it all stop",
    "nobody has fed me since friday",
])
async def test_an_unsure_reading_of_danger_now_still_brings_the_help(client, store, alice,
                                                                     text):
    family = await new_family(store, alice[0], role="young_person", name="Kai")
    await asked(store, family.respondent_id, "good_life")
    status, body = await say(client, family.token, text)
    (flag,) = await all_flags(store)
    assert flag.level == "immediate"
    assert "0800 1111" in body["messages"][0]["text"]
    assert {alert.channel for alert in await all_alerts(store)} == {"webhook", "email"}


@pytest.mark.parametrize("number", ["0", "1", "2", "two", "0 😢", "1 or 2", "1.5", "-1",
                                    "not safe tbh"])
async def test_a_childs_low_number_is_flagged_and_asks_are_you_safe(client, store, alice,
                                                                    number):
    family = await new_family(store, alice[0], role="child", name="Tia")
    await asked(store, family.respondent_id, "scale")
    await say(client, family.token, number)  # Rasa is down: the portal flags it anyway
    (flag,) = await all_flags(store)
    assert (flag.category, flag.level, flag.text) == ("low_safety_score", "immediate",
                                                      number)
    assert len(await all_alerts(store)) == 2
    async with store.sessions() as session:
        assert (await session.get(Respondent, family.respondent_id)).pending_check == (
            "safe_now")


async def test_not_safe_in_words_brings_the_help_at_once(client, store, alice):
    family = await new_family(store, alice[0], role="child", name="Tia")
    await asked(store, family.respondent_id, "scale")
    status, body = await say(client, family.token, "i dont feel safe at home")
    assert "0800 1111" in body["messages"][0]["text"]
    assert {flag.level for flag in await all_flags(store)} == {"immediate"}


@pytest.mark.parametrize(("answer", "level"), [("/safe_now_yes", "concern"),
                                               ("/safe_now_no", "immediate"),
                                               ("/safe_now_unsure", "immediate"),
                                               ("dunno", "immediate")])
async def test_the_answer_to_are_you_safe_sets_the_level(client, store, alice, answer,
                                                         level):
    family = await new_family(store, alice[0], role="young_person", name="Kai")
    await asked(store, family.respondent_id, "scale")
    await say(client, family.token, "1")
    status, body = await say(client, family.token, answer)
    assert status == 200
    (flag,) = await all_flags(store)
    assert flag.level == level
    said = "\n".join(m["text"] for m in body["messages"])
    assert ("0800 1111" in said) is (level == "immediate")
    if level == "concern":  # Rasa is down, so nothing was held: the last question again
        assert said.endswith("A question?") and "Are you safe" not in said


async def test_a_seven_or_an_adults_zero_raises_nothing(client, store, alice):
    child = await new_family(store, alice[0], role="child", name="Tia", reference="A")
    await asked(store, child.respondent_id, "scale")
    await say(client, child.token, "7")
    parent = await new_family(store, alice[0], role="parent", reference="B")
    await asked(store, parent.respondent_id, "scale")
    await say(client, parent.token, "0")
    assert await all_flags(store) == []


def test_reading_the_answer_to_are_you_safe() -> None:
    assert [safe_now_reading(t) for t in ["yes", "Yeah", "I'm safe", "/safe_now_yes",
                                          "yes!"]] == ["yes"] * 5
    assert [safe_now_reading(t) for t in ["no", "nope", "not safe", "/safe_now_no"]] == [
        "no"] * 4
    # Anything but a plain yes or no is "not sure": the reading that brings the help.
    assert [safe_now_reading(t) for t in [
        "idk", "maybe", "yes but not at night", "", "ok", "yeah kind of", "i am scared",
        "yes but im scared"]] == ["unsure"] * 8


@pytest.mark.parametrize("text", [
    "I'm going to kill myself",
    "i am scared to go home tonight",
    "he is hitting her right now, please help",
])
def test_danger_now_is_immediate_in_any_question(text: str) -> None:
    for question in (None, "like_child", "worried_about", "worries_what"):
        found = assess(text, question)
        assert found is not None and found.level == "immediate", (text, question)


def test_what_the_rules_find_is_immediate_outside_a_worry_question() -> None:
    text = "his dad hit him last year, that is why the social worker comes"
    assert assess(text, "worried_about").level == "concern"
    found = assess(text, "like_child")
    assert found is not None and found.by_rules and found.level == "immediate"


def test_a_button_payload_is_read_by_the_rules_alone() -> None:
    assert assess('/keep_private{"answer_key": "worried_about"}', "like_child") is None
    assert assess("/carry_on", None) is None


@pytest.mark.parametrize("number", ["0", "1", "0 😢", "two", "3/10", "7 out of 10"])
def test_a_bare_number_has_no_words_for_the_learned_check(number: str) -> None:
    assert assess(number, "scale") is None


def test_the_held_out_report_is_the_one_this_model_makes() -> None:
    """results/safeguarding-heldout.md must describe the model that ships (regenerate it
    with `make safeguarding-report` after retraining; never tune on it)."""
    from tests.services.safeguarding.heldout import REPORT, figures, report

    assert REPORT.read_text(encoding="utf-8") == report(figures())


def test_a_wish_that_names_the_danger_is_for_the_worker_to_read() -> None:
    found = assess("Dad staying away when he has been drinking", "scale_higher")
    assert found is not None and not found.by_rules
    assert (found.level, found.sure) == ("concern", False)  # a look, no word, no alert
    urgent = assess("I'm going to kill myself tonight", "safe_needs")
    assert urgent is not None and urgent.level == "immediate"


@pytest.mark.parametrize("text", ["hello", "Hi!", "hey 👋", "hiya", "Good morning",
                                  "hello there :)"])
def test_a_greeting_alone_raises_no_flag(text: str) -> None:
    assert assess(text, None) is None


@pytest.mark.parametrize("text", ["hi my dad hits me", "hello, he hit me last night"])
def test_a_greeting_does_not_hide_what_follows(text: str) -> None:
    found = assess(text, None)
    assert found is not None and found.level == "immediate"


@pytest.mark.parametrize("text", ["He is kind", "Mohammed helps me", "lots", "football",
                                  "im scared", "not safe", "he's back", "mum drunk again"])
def test_a_few_words_read_unsurely_never_interrupt(text: str) -> None:
    """Up to three words the learned check has little to read: an unsure reading is a
    flag for the worker to look at, never the help reply."""
    from bot.core.safeguarding.learned import load_model

    model = load_model()
    found = assess(text, None)
    if found is not None and not found.by_rules and found.level == "immediate":
        assert model.scores(text).harm >= model.threshold  # only a sure reading
    assert assess("He is kind", None) is None  # a strength is not a possible disclosure
