"""MapBot's speed-ups inside the Rasa server change nothing the trained model says: the
NLU reading and the next action predicted are the same with Rasa's own code.

Runs in the Rasa environment against the trained model (models/mapbot.tar.gz).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_patches
from bot.rasa_patches import graph_runner, intent_features, rule_matching

ROOT = Path(__file__).resolve().parents[3]
MODEL = Path(os.environ.get("MAPBOT_EVAL_MODEL", ROOT / "models" / "mapbot.tar.gz"))
HELD_OUT = ROOT / "tests" / "nlu" / "answers_test.yml"
TEXTS = ["hello", "yes please", "what do you mean?", "skip this one", "/skip",
         "the house of good things", "dreams first", "Dunno", "6",
         "He's kind and funny 😊. He lovs football.", "Money is tight and the flat is damp"]


def held_out(count: int = 60) -> list[str]:
    data = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))
    lines = [line.strip()[2:] for block in data["nlu"]
             for line in block["examples"].splitlines() if line.strip().startswith("- ")]
    return lines[::max(1, len(lines) // count)][:count]


@pytest.fixture(scope="module", autouse=True)
def patched() -> object:
    """The patches installed as at Rasa's start (run_rasa); stock Rasa again after."""
    rasa_patches.install(environ={})
    yield
    rasa_patches.uninstall()


@pytest.fixture(scope="module")
def agent() -> Agent:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test trains it first)")
    return Agent.load(str(MODEL))


def stock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DaskGraphRunner, "run", graph_runner.stock_run)
    monkeypatch.setattr(LogisticRegressionClassifier, "_create_X",
                        intent_features.stock_create_X)
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", rule_matching.stock_get_possible_keys)


def readings(agent: Agent, texts: list[str]) -> list[dict]:
    async def parse_all() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse_all())


def test_the_nlu_reads_every_message_as_rasa_does(agent: Agent) -> None:
    texts = TEXTS + held_out()
    ours = readings(agent, texts)
    with pytest.MonkeyPatch.context() as patch:
        stock(patch)
        theirs = readings(agent, texts)
    for mine, rasas in zip(ours, theirs, strict=True):
        assert mine["intent"]["name"] == rasas["intent"]["name"], mine["text"]
        assert [(i["name"], pytest.approx(i["confidence"], abs=1e-12))
                for i in mine["intent_ranking"]] == [
            (i["name"], i["confidence"]) for i in rasas["intent_ranking"]], mine["text"]
        assert mine["entities"] == rasas["entities"], mine["text"]


def _predictions(agent: Agent) -> list[tuple[str, float]]:
    async def predict() -> list[tuple[str, float]]:
        domain, found = agent.domain, []
        for text, slots in [("/start", {}), ("yes", {"stage": "welcomed"}),
                            ("She is kind", {"stage": "mapping"})]:
            parse = await agent.parse_message(text)
            events = [ActionExecuted("action_listen")]
            events += [SlotSet(name, value) for name, value in slots.items()]
            events.append(UserUttered(text, parse["intent"], parse["entities"], parse))
            tracker = DialogueStateTracker.from_events("speed", events, domain.slots)
            prediction = agent.processor._predict_next_with_tracker(tracker)
            found.append((domain.action_names_or_texts[prediction.max_confidence_index],
                          prediction.max_confidence))
        return found

    return asyncio.run(predict())


def test_the_next_action_is_predicted_as_rasa_does(agent: Agent) -> None:
    ours = _predictions(agent)
    with pytest.MonkeyPatch.context() as patch:
        stock(patch)
        theirs = _predictions(agent)
    assert ours == theirs
    assert ours[0][0] == "action_welcome"


def _rule_policy(agent: Agent) -> RulePolicy:
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    return next(node._component for node in nodes
                if isinstance(node._component, RulePolicy))


def _parent_conversation(agent: Agent, questions: int) -> DialogueStateTracker:
    """A parent's conversation as Rasa logs it: welcome, then question after question."""
    user = {"name": "inform_strength", "confidence": 0.9}
    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen"),
              UserUttered("/start", {"name": "start", "confidence": 1.0}),
              ActionExecuted("action_welcome"), SlotSet("stage", "welcomed"),
              SlotSet("audience", "adult"), BotUttered("Hello"),
              ActionExecuted("action_listen"),
              UserUttered("yes", {"name": "affirm", "confidence": 1.0}),
              ActionExecuted("action_start_mapping"), SlotSet("stage", "mapping"),
              ActionExecuted("adult_form"), ActiveLoop("adult_form")]
    slots = ["like_child", "going_well", "before_problem", "near_miss", "worried_about",
             "worker_worried", "harder", "safe_needs", "first_sign"]
    for number in range(questions):
        slot = slots[number % len(slots)]
        events += [SlotSet("requested_slot", slot), BotUttered(f"Question {number}"),
                   ActionExecuted("action_listen"),
                   UserUttered(f"answer {number}", user), SlotSet(slot, f"answer {number}"),
                   ActionExecuted("adult_form")]
    return DialogueStateTracker.from_events("long", events, agent.domain.slots)


def test_rules_match_a_long_conversation_as_rasa_matches_them(agent: Agent) -> None:
    policy, domain = _rule_policy(agent), agent.domain
    tracker = _parent_conversation(agent, questions=12)
    states = policy._prediction_states(tracker, domain, rule_only_data=policy._get_rule_only_data())
    for name in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
        lookup = policy.lookup[name]
        reach = rule_matching.longest_rule(policy, lookup)
        assert 0 < reach < len(states)  # the conversation is longer than any rule
        for end in range(1, len(states) + 1):
            assert policy._get_possible_keys(lookup, states[:end]) == (
                rule_matching.stock_get_possible_keys(policy, lookup, states[:end]))
