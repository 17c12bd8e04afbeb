"""The parts of an answer are read by the Rasa server in the turn itself, and the action
routes each part by that reading instead of calling back into Rasa."""

from __future__ import annotations

from typing import Any

import pytest

from actions.forms import ValidateAdultForm, understood_parts
from actions.nlu import Nlu
from actions.questions import QUESTIONS
from bot.core.understanding.splitting import PARTS_KEY, WHOLE_KEY
from bot.rasa_plugins.answer_parts import parts_to_read, read_parts
from tests.rasa.conftest import FakePortal, validate_slot


def ranking(intent: str, confidence: float) -> dict[str, Any]:
    return {"intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}]}


class FakeAgent:
    """What `read_parts` uses of Rasa's agent: its NLU."""

    def __init__(self) -> None:
        self.read: list[str] = []

    async def parse_message(self, text: str) -> dict[str, Any]:
        self.read.append(text)
        worry = "worry" in text
        return ranking("inform_worry" if worry else "inform_strength", 0.9) | {
            "text": text, "entities": []}


@pytest.mark.parametrize(("text", "parts"), [
    ("He's kind and funny. He loves football.", ["He's kind and funny.", "He loves football."]),
    ("She is kind", []),  # one part, the whole message: the turn reads it anyway
    ("/skip", []),
    ("   ", []),
    ("6", []),
])
def test_the_parts_to_read(text: str, parts: list[str]) -> None:
    assert parts_to_read(text) == parts


async def test_each_part_is_read_once_and_the_given_metadata_kept() -> None:
    agent = FakeAgent()
    words = "She is kind. I worry about school. She is kind."
    metadata = await read_parts(agent, {"text": words, "turn": 4,
                                        PARTS_KEY: {"forged": {"intent": {}}}}, words)
    assert agent.read == ["She is kind.", "I worry about school."]
    assert metadata["text"] == words and metadata["turn"] == 4
    assert set(metadata[PARTS_KEY]) == {"She is kind.", "I worry about school."}
    assert metadata[PARTS_KEY]["I worry about school."]["intent"]["name"] == "inform_worry"


async def test_a_childs_answer_has_no_parts_read() -> None:
    agent = FakeAgent()
    words = "I love my dad. I worry when he drinks."
    metadata = await read_parts(agent, {"text": words, "turn": 2, WHOLE_KEY: True}, words)
    assert agent.read == [] and PARTS_KEY not in metadata


async def test_the_persons_own_words_are_read_not_rasas_text() -> None:
    agent = FakeAgent()
    metadata = await read_parts(agent, {"text": "Kind. Funny."}, "\u2060Kind. Funny.")
    assert agent.read == ["Kind.", "Funny."]
    assert "\u2060" not in "".join(metadata[PARTS_KEY])


async def test_the_action_routes_each_part_by_the_turns_reading() -> None:
    question = QUESTIONS["like_child"]
    text = "He is kind. I worry he is sad."
    parsed = {"text": text, **ranking("inform_strength", 0.5), "metadata": {
        "text": text, PARTS_KEY: {"He is kind.": ranking("inform_strength", 0.95),
                                  "I worry he is sad.": ranking("inform_worry", 0.97)}}}
    parts = await understood_parts(question, text, parsed)  # the NLU client is unavailable
    assert [(p["text"], p["section"], p["confidence"]) for p in parts] == [
        ("He is kind.", "working_well", 0.95), ("I worry he is sad.", "worries", 0.97)]


async def test_a_part_rasa_did_not_read_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    async def parse(self: Nlu, text: str) -> dict:
        asked.append(text)
        return ranking("inform_need", 0.98)

    monkeypatch.setattr(Nlu, "parse", parse)
    text = "He is kind. He needs a tutor."
    parsed = {"text": text, **ranking("inform_strength", 0.5), "metadata": {
        "text": text, PARTS_KEY: {"He is kind.": ranking("inform_strength", 0.95)}}}
    parts = await understood_parts(QUESTIONS["like_child"], text, parsed)
    assert asked == ["He needs a tutor."]
    assert [p["section"] for p in parts] == ["working_well", "needs"]


async def test_the_stored_answer_carries_the_routed_parts(domain: dict,
                                                         fake_portal: FakePortal) -> None:
    text = "He is kind. I worry he is sad."
    latest = {"text": text, **ranking("inform_strength", 0.5), "entities": [],
              "message_id": "m-1", "metadata": {
                  "text": text, PARTS_KEY: {"He is kind.": ranking("inform_strength", 0.95),
                                            "I worry he is sad.": ranking("inform_worry", 0.97)}}}
    await validate_slot(ValidateAdultForm(), domain, "like_child", text, text=text,
                        latest_message=latest)
    (_, _, _, body), = fake_portal.saves
    assert [(p["text"], p["section"]) for p in body["parts"]] == [
        ("He is kind.", "working_well"), ("I worry he is sad.", "worries")]


async def test_a_part_that_cannot_be_read_is_left_to_the_action() -> None:
    class Failing(FakeAgent):
        async def parse_message(self, text: str) -> dict[str, Any]:
            if "worry" in text:
                raise RuntimeError("the model failed")
            return await super().parse_message(text)

    words = "She is kind. I worry about school."
    metadata = await read_parts(Failing(), {"text": words}, words)
    assert set(metadata[PARTS_KEY]) == {"She is kind."}  # the turn goes on
