"""The finer parts of the map from the trained model (bot/core/understanding/parts.py).

Expected parts are written by hand from the practice brief's rules ("harm is not a
complicating factor; strengths are not safety"), on wording that is not in the training
files (bot/core/understanding/training/).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.core.understanding import parts_train
from bot.core.understanding.categories import suggest_category
from bot.core.understanding.parts import PARTS_OF_SECTION, load_model, predict_part

TRAINING = Path(parts_train.__file__).with_name("training")


@pytest.mark.parametrize(("text", "part"), [
    ("he gets so angry he punches the walls", "harm"),
    ("his anger when he's had a drink", "harm"),
    ("she went missing overnight at the weekend", "harm"),
    ("my ex might come back", "danger"),
    ("I'm frightened her dad will turn up and take her", "danger"),
    ("we haven't got enough money for the electric", "complicating"),
    ("the house is damp and too small for us", "complicating"),
])
def test_worries_follow_the_practice_rules(text: str, part: str) -> None:
    assert suggest_category("worries", text) == part


@pytest.mark.parametrize("text", [
    "he gets so angry he punches the walls",
    "she went missing overnight at the weekend",
    "I'm scared my ex will come back",
    "he screams at the kids when he loses his temper",
])
def test_anger_missing_and_fear_of_return_are_never_complicating(text: str) -> None:
    assert suggest_category("worries", text) != "complicating"


@pytest.mark.parametrize("text", ["he always says sorry after",
                                  "she buys them presents after a row"])
def test_a_pattern_of_harm_is_harm_or_danger(text: str) -> None:
    assert suggest_category("worries", text) in ("harm", "danger")


@pytest.mark.parametrize(("text", "part"), [
    ("keeps his appointments", "strength"),
    ("she takes the baby to every clinic appointment", "strength"),
    ("he's a lovely boy and really good at football", "strength"),
    ("when he's drinking I take the kids to my mum's, every time", "safety"),
    ("whenever she's had a drink her nan comes and has the kids", "safety"),
])
def test_strengths_are_not_safety(text: str, part: str) -> None:
    assert suggest_category("working_well", text) == part


@pytest.mark.parametrize(("text", "part"), [
    ("for the kids to feel safe at home", "goal"),
    ("I wish we could all live together again", "goal"),
    ("I'll ring the housing on Monday", "next_step"),
    ("the social worker will refer mum to the alcohol service", "next_step"),
])
def test_goals_and_next_steps(text: str, part: str) -> None:
    assert suggest_category("needs", text) == part


def test_an_unsure_reading_gives_no_part() -> None:
    # Nothing in "ok" says which part it is: the worker sees "Not sorted yet".
    model = load_model().sections["worries"]
    found = model.probabilities("ok")
    best = max(found, key=lambda part: found[part])
    assert found[best] < model.thresholds[best]
    assert suggest_category("worries", "ok") is None
    assert predict_part("needs", "  ...  ") is None


def test_every_section_has_its_parts_and_a_measured_threshold() -> None:
    saved = json.loads(Path(parts_train.MODEL_PATH).read_text(encoding="utf-8"))
    for section, parts in PARTS_OF_SECTION.items():
        entry = saved["sections"][section]
        assert tuple(entry["parts"]) == parts
        assert all(1 / len(parts) < entry["thresholds"][part] < 1 for part in parts)
        # The bar, on the cross-validated training data at least.
        assert entry["cross_validation"]["right_among_given"] >= 0.90
        assert entry["cross_validation"]["unsorted"] <= 0.10


def test_parts_that_would_break_a_practice_rule_need_more_certainty() -> None:
    sections = load_model().sections
    for section, guarded, other in (("worries", "complicating", "harm"),
                                    ("working_well", "safety", "strength")):
        thresholds = sections[section].thresholds
        assert thresholds[guarded] >= thresholds[other]
        # In cross-validation, few examples written for the other part were given it
        # (measured: 5 of 222 harm examples as complicating, 1 of 148 strengths as safety;
        # results/parts-model.md). Not none: the threshold may not leave over 10% unsorted.
        saved = json.loads(Path(parts_train.MODEL_PATH).read_text(encoding="utf-8"))
        confusion = saved["sections"][section]["cross_validation"]["confusion"]
        written = sum(confusion[other].values())
        assert confusion[other][guarded] <= max(2, 0.03 * written), (section, confusion)


def test_the_saved_weights_match_the_training_data() -> None:
    assert parts_train.main(["--check"]) == 0


def test_the_check_fails_when_the_training_data_changes(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture) -> None:
    copy = tmp_path / "training"
    shutil.copytree(TRAINING, copy)
    with (copy / "harm.txt").open("a", encoding="utf-8") as harm:
        harm.write("a new example someone added\n")
    monkeypatch.setattr(parts_train, "TRAINING", copy)
    assert parts_train.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err


def test_each_part_has_enough_training_examples() -> None:
    for parts in PARTS_OF_SECTION.values():
        for part in parts:
            assert len(parts_train.examples_of(part)) >= 150, part


def test_near_miss_answers_are_sorted_by_their_words_not_filed_as_safety() -> None:
    from actions.questions import QUESTIONS  # the action server's questions (no Rasa needed)
    from actions.routing import route

    # Harm told in answer to the near-miss question: moved to the worries as harm, or,
    # where the columns model is not sure enough to move it, left unsorted; never "safety".
    harm = route("he hit her that night and she had a black eye", QUESTIONS["near_miss"])
    assert harm.category != "safety"
    assert (harm.section, harm.category) in (("worries", "harm"), ("working_well", None))
    assert suggest_category("working_well", "I just kept going, I'm a strong person") != "safety"
    assert suggest_category(
        "working_well", "the night he came home drunk I took the kids to my mum's") == "safety"
