"""Sorting a whole answer (issue 18): a child's answer kept whole in the house the child
chose, an adult's condition and what they did kept as one item, and "that's all" kept
off the map. Through the form validators, with the portal faked and the NLU's readings
given in the message; expected values written by hand."""

from __future__ import annotations

from typing import Any

import pytest

from actions import forms, routing
from actions.questions import DONE, SKIPPED
from tests.rasa.conftest import validate_slot

ADULT_FORM = forms.ValidateAdultForm()
CHILD_FORM = forms.ValidateChildForm()


def reading(intent: str, confidence: float) -> dict[str, Any]:
    rest = round(1 - confidence, 3)
    others = [name for name in ("inform_strength", "inform_worry", "inform_need")
              if name != intent]
    return {"intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence},
                               {"name": others[0], "confidence": rest},
                               {"name": others[1], "confidence": 0.0}]}


def message(text: str, intent: str, confidence: float,
            parts: dict[str, dict] | None = None) -> dict[str, Any]:
    """The latest message as Rasa hands it over, with the parts it read in the turn."""
    metadata: dict[str, Any] = {"text": text}
    if parts:
        metadata["parts_read"] = parts
    return {"text": text, **reading(intent, confidence), "entities": [],
            "message_id": "m-1", "metadata": metadata}


@pytest.fixture(autouse=True)
def unsure_model(monkeypatch):
    """The finer-part model (another part of issue 18) left out: it is unsure here."""
    monkeypatch.setattr(routing, "suggest_category", lambda section, text: None)


def parts_sent(fake_portal, key: str) -> list[dict[str, Any]]:
    """The parts of the last answer sent to the portal under `key`."""
    return [body for _, _, sent, body in fake_portal.saves if sent == key][-1]["parts"]


async def answer(domain, slot: str, text: str, who: str, latest: dict[str, Any],
                 **slots: Any):
    form = CHILD_FORM if who in ("child", "young_person") else ADULT_FORM
    return await validate_slot(form, domain, slot, text, who=who, text=text,
                               latest_message=latest, slots=slots)


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["child", "young_person"])
async def test_a_childs_answer_is_never_split(domain, fake_portal, who) -> None:
    text = "I love my dad but he scares me when he drinks"
    # Even where the Rasa server read two parts, the child's words stay one item.
    parts = {"I love my dad": reading("inform_strength", 0.99),
             "he scares me when he drinks": reading("inform_worry", 0.99)}
    await answer(domain, "good_life", text, who,
                 message(text, "inform_worry", 0.6, parts))
    stored = parts_sent(fake_portal, "good_life")
    assert [(p["text"], p["house"], p["section"], p["suggested_section"]) for p in stored] == [
        (text, "good_things", "working_well", None)]


@pytest.mark.asyncio
async def test_a_childs_worry_in_the_good_things_house_stays_with_a_suggestion(
        domain, fake_portal) -> None:
    text = "my dad shouts at me every night"
    await answer(domain, "good_life", text, "child", message(text, "inform_worry", 0.99))
    [part] = parts_sent(fake_portal, "good_life")
    assert (part["house"], part["section"], part["suggested_section"], part["category"],
            part["moved_from"]) == ("good_things", "working_well", "worries", None, None)


@pytest.mark.asyncio
async def test_an_adults_words_move_only_when_the_nlu_is_very_sure(domain, fake_portal) -> None:
    text = "If nothing changes she'll get kicked out of school"
    await answer(domain, "worried_about", text, "parent", message(text, "inform_need", 0.9))
    [part] = parts_sent(fake_portal, "worried_about")
    assert (part["section"], part["moved_from"]) == ("worries", None)


@pytest.mark.asyncio
async def test_a_moved_adult_part_keeps_its_questions_column(domain, fake_portal) -> None:
    text = "his dad hit him last week"
    await answer(domain, "going_well", text, "parent", message(text, "inform_worry", 0.99))
    [part] = parts_sent(fake_portal, "going_well")
    assert (part["section"], part["moved_from"], part["house"]) == (
        "worries", "working_well", None)


@pytest.mark.asyncio
async def test_a_condition_and_what_was_done_is_one_item(domain, fake_portal) -> None:
    text = "When she's had a drink I take the kids to my sister's. I've done it every time"
    await answer(domain, "near_miss", text, "parent", message(text, "inform_strength", 0.8))
    [part] = parts_sent(fake_portal, "near_miss")
    assert (part["text"], part["section"], part["category"]) == (
        text, "working_well", "safety")


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["no, that's everything", "that's all", "thats it",
                                  "nothing else", "no more", "no thanks that's all"])
@pytest.mark.parametrize("slot", ["good_more", "worries_more", "dreams_more"])
async def test_thats_all_ends_a_childs_anything_else_without_an_item(
        domain, fake_portal, text, slot) -> None:
    # Read by the NLU as something else than "no", with no confidence to speak of.
    turn = await answer(domain, slot, text, "child", message(text, "inform_strength", 0.4))
    assert turn.slots[slot] == DONE
    assert fake_portal.saves == []


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["no, that's everything", "that's all", "nothing else"])
async def test_thats_all_to_an_adults_question_is_no_item(domain, fake_portal, text) -> None:
    turn = await answer(domain, "going_well", text, "parent",
                        message(text, "inform_strength", 0.5))
    assert turn.slots["going_well"] == SKIPPED
    assert fake_portal.saves == []


@pytest.mark.asyncio
async def test_thats_all_after_an_answer_is_not_an_item(domain, fake_portal) -> None:
    text = "She helps with the cooking. That's all."
    await answer(domain, "going_well", text, "parent", message(text, "inform_strength", 0.9))
    parts = parts_sent(fake_portal, "going_well")
    assert [p["text"] for p in parts] == ["She helps with the cooking."]


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["Nobody", "I don't trust any grown-ups",
                                  "my nan but not when dad is there"])
async def test_a_childs_trusted_adults_answer_is_kept_whole(domain, fake_portal, text) -> None:
    await answer(domain, "trusted_adults", text, "child", message(text, "inform_strength", 0.5))
    stored = fake_portal.saved()["trusted_adults"]
    assert (stored["kind"], stored["text"]) == ("network", text)
