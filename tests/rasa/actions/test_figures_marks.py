"""What the action server marks for the managers' figures (bot/services/stats.py): a
question left without an answer, and one asked again after "I don't understand".
Only the question's key goes with the reply, never the person's words."""

from __future__ import annotations

import pytest

from tests.rasa.actions.test_ask import _ask
from tests.rasa.actions.test_validation import reply


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "intent"), [("/skip", "skip"), ("dunno", "dont_know")])
async def test_a_skipped_question_is_marked_with_its_key(text, intent, domain,
                                                         fake_portal) -> None:
    turn = await reply(domain, "going_well", text, intent=intent, confidence=0.99)
    assert [m.get("custom") for m in turn.messages] == [{"skipped": "going_well"}]


@pytest.mark.asyncio
async def test_an_answer_is_not_marked(domain, fake_portal) -> None:
    turn = await reply(domain, "going_well", "We went to the park together on Sunday")
    assert all("skipped" not in (m.get("custom") or {}) for m in turn.messages)


@pytest.mark.asyncio
@pytest.mark.parametrize("who", ["parent", "child"])
async def test_a_question_asked_in_simpler_words_is_marked(who, domain) -> None:
    slot = "good_life" if who == "child" else "near_miss"
    simpler = await _ask(slot, domain, who, last_asked=slot, simpler=True)
    assert simpler.messages[-1]["custom"]["question"] == slot
    assert simpler.messages[-1]["custom"]["simpler"] is True
    plain = await _ask(slot, domain, who, last_asked=slot)
    assert "simpler" not in plain.messages[-1]["custom"]
