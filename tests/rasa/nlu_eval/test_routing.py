"""How well the trained assistant sorts answers into the map's sections.

Runs in the Rasa environment against the trained model (models/mapbot.tar.gz) on
held-out answers it never trained on (tests/nlu/). Fails below the bars of issue 4:
90% of single answers in the right section, 80% of mixed answers split into the right
parts with every part in the right section. Writes results/nlu-routing.md.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

from actions.routing import CONFIDENCE_THRESHOLD, SECTION_OF_INTENT, section_scores
from bot.core.understanding.non_answers import is_non_answer
from bot.core.understanding.splitting import split_answer

ROOT = Path(__file__).resolve().parents[3]
MODEL = Path(os.environ.get("MAPBOT_EVAL_MODEL", ROOT / "models" / "mapbot.tar.gz"))
SINGLE = ROOT / "tests" / "nlu" / "answers_test.yml"
MIXED = ROOT / "tests" / "nlu" / "mixed_answers.yml"
REPORT = ROOT / "results" / "nlu-routing.md"


@pytest.fixture(scope="module")
def parse():
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test trains it first)")
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    loop = asyncio.new_event_loop()
    yield lambda text: loop.run_until_complete(agent.parse_message(text))
    loop.close()


def _single_answers() -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(SINGLE))
    return [(example.get("text"), SECTION_OF_INTENT[example.get("intent")])
            for example in data.training_examples
            if example.get("intent") in SECTION_OF_INTENT]


def best_section(parse_result: dict) -> tuple[str, float]:
    scores = section_scores(parse_result)
    best = max(scores, key=scores.get)
    return best, scores[best]


def test_single_answers_land_in_the_right_section(parse) -> None:
    answers = _single_answers()
    assert len(answers) >= 180
    assert min(Counter(section for _, section in answers).values()) >= 60
    results = [(expected, *best_section(parse(text))) for text, expected in answers]
    accuracy = sum(expected == got for expected, got, _ in results) / len(results)
    _write_report(results, accuracy)
    assert accuracy >= 0.90, f"only {accuracy:.1%} of single answers in the right section"


def test_mixed_answers_are_split_and_sorted(parse) -> None:
    cases = yaml.safe_load(MIXED.read_text(encoding="utf-8"))
    assert len(cases) >= 50
    right = 0
    misses = []
    for case in cases:
        pieces = [p for p in split_answer(case["text"]) if not is_non_answer(p)]
        got = [(piece, best_section(parse(piece))[0]) for piece in pieces]
        expected = [(part["text"], part["section"]) for part in case["parts"]]
        if got == expected:
            right += 1
        else:
            misses.append((case["text"], got, expected))
    rate = right / len(cases)
    with REPORT.open("a", encoding="utf-8") as report:
        report.write(f"\n## Mixed answers\n\n{right} of {len(cases)} ({rate:.1%}) split into "
                     f"the right parts with each part in the right section.\n")
    assert rate >= 0.80, f"only {rate:.1%} of mixed answers right; e.g. {misses[:3]}"


def _write_report(results: list[tuple[str, str, float]], accuracy: float) -> None:
    lines = ["# How the assistant sorts answers (held-out data)", "",
             f"Single answers in the right section: {accuracy:.1%} of {len(results)}.", "",
             "| section | precision | recall | answers |", "|---|---|---|---|"]
    for section in SECTION_OF_INTENT.values():
        predicted = [r for r in results if r[1] == section]
        actual = [r for r in results if r[0] == section]
        precision = sum(r[0] == section for r in predicted) / max(len(predicted), 1)
        recall = sum(r[1] == section for r in actual) / max(len(actual), 1)
        lines.append(f"| {section} | {precision:.2f} | {recall:.2f} | {len(actual)} |")
    lines += ["", "Threshold: below it, an item keeps its question's section.", "",
              "| confidence at least | share of answers | right among those |", "|---|---|---|"]
    for threshold in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        above = [r for r in results if r[2] >= threshold]
        share = len(above) / len(results)
        right = sum(r[0] == r[1] for r in above) / max(len(above), 1)
        marker = " (in use)" if threshold == CONFIDENCE_THRESHOLD else ""
        lines.append(f"| {threshold:.1f}{marker} | {share:.0%} | {right:.1%} |")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
