"""How sure must the NLU be before an adult's words leave their question's column?

Measured on answers the model never trained on (tests/nlu/answers_test.yml), each
given to a question of a column, as people give them:
- to a question of its own column (the usual case): any move is a wrong move;
- to a question of another column (words that belong elsewhere): a move to the right
  column is a right move, a move to the third column a wrong one, staying a miss that
  the worker sorts by hand.
For each threshold it counts wrong and right moves and writes
results/routing-threshold.md. The threshold chosen (actions/routing.py MOVE_THRESHOLD)
is the lowest where wrong moves are rare: a wrong move costs more than a miss, since the
board says the words were moved and the worker trusts the move.

Run in the Rasa environment with a trained model:
    PYTHONPATH=$PWD .venv-rasa/bin/python -m tests.rasa.nlu_eval.routing_threshold
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from actions.routing import MOVE_THRESHOLD, SECTION_OF_INTENT, section_scores

ROOT = Path(__file__).resolve().parents[3]
MODEL = Path(os.environ.get("MAPBOT_EVAL_MODEL", ROOT / "models" / "mapbot.tar.gz"))
HELD_OUT = ROOT / "tests" / "nlu" / "answers_test.yml"
REPORT = ROOT / "results" / "routing-threshold.md"
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99)
# "Rare": at most one in a hundred answers given to a question of their own column (as
# people mostly answer) moved away from it.
RARE = 0.01


@dataclass(frozen=True)
class Reading:
    section: str  # the column the answer belongs to (its label)
    best: str  # the column the NLU reads it as
    confidence: float


@dataclass(frozen=True)
class Count:
    threshold: float
    own_total: int  # answers given to a question of their own column
    own_wrong: int  # ...moved away all the same
    other_total: int  # answers given to a question of another column
    other_right: int  # ...moved to the column they belong to
    other_wrong: int  # ...moved to the third column


def held_out() -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(HELD_OUT))
    return [(example.get("text"), SECTION_OF_INTENT[example.get("intent")])
            for example in data.training_examples
            if example.get("intent") in SECTION_OF_INTENT]


def read_all(answers: list[tuple[str, str]]) -> list[Reading]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    loop = asyncio.new_event_loop()
    try:
        readings = []
        for text, section in answers:
            scores = section_scores(loop.run_until_complete(agent.parse_message(text)))
            best = max(scores, key=lambda name: scores[name])
            readings.append(Reading(section, best, scores[best]))
        return readings
    finally:
        loop.close()


def count(readings: list[Reading], threshold: float) -> Count:
    """Every answer given once to a question of each column."""
    columns = sorted({"worries", "working_well", "needs"})
    own_wrong = other_right = other_wrong = other_total = 0
    for reading in readings:
        for column in columns:
            moves = reading.best != column and reading.confidence >= threshold
            if column == reading.section:
                own_wrong += moves
                continue
            other_total += 1
            if moves:
                other_right += reading.best == reading.section
                other_wrong += reading.best != reading.section
    return Count(threshold, len(readings), own_wrong, other_total, other_right, other_wrong)


def chosen(counts: list[Count]) -> Count:
    """The lowest threshold where wrong moves are rare: answers given to a question of
    their own column are moved away at most RARE of the time."""
    rare = [c for c in counts if c.own_wrong / c.own_total <= RARE]
    return min(rare, key=lambda c: c.threshold) if rare else counts[-1]


def report(counts: list[Count], best: Count) -> str:
    lines = [
        "# How sure the NLU must be to move an adult's words",
        "",
        "Made by `tests/rasa/nlu_eval/routing_threshold.py` on the held-out answers "
        f"(`{HELD_OUT.relative_to(ROOT)}`, {counts[0].own_total} single answers the model "
        "did not train on), each given once to a question of each column.",
        "",
        "- *own column*: the answer given to a question of the column it belongs to, as "
        "people usually answer; every move away is wrong.",
        "- *other column*: the answer given to a question of another column; a move to "
        "the column it belongs to is right, a move to the third column is wrong, and "
        "staying is left for the worker to sort.",
        "",
        "| threshold | wrong moves (own column) | wrong moves (other column) | right moves "
        "(other column) | moves that are right |",
        "|---|---|---|---|---|",
    ]
    for c in counts:
        moves = c.own_wrong + c.other_wrong + c.other_right
        share = f"{c.other_right / moves:.1%}" if moves else "no moves"
        lines.append(f"| {c.threshold:.2f} | {c.own_wrong} of {c.own_total} "
                     f"({c.own_wrong / c.own_total:.1%}) | {c.other_wrong} of {c.other_total} "
                     f"| {c.other_right} of {c.other_total} | {share} |")
    lines += [
        "",
        "Caveat: issue 18 found copies and near copies of the training data among these "
        "held-out answers, which makes the model look surer than it is on new words; "
        "re-run this after the held-out set is cleaned and the model retrained.",
        "",
        f"Lowest threshold where at most {RARE:.0%} of answers given to their own column's "
        "question are moved away: "
        f"**{best.threshold:.2f}**. In use (`actions/routing.py` MOVE_THRESHOLD): "
        f"**{MOVE_THRESHOLD:.2f}**.",
        "",
        "Below the threshold an adult's words stay in their question's column; a child's "
        "words always stay in the house the child chose, and at or above it the column the "
        "words suggest is shown to the worker, never applied by itself.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    if not MODEL.exists():
        print("no trained model: run `make train` first", file=sys.stderr)
        return 1
    readings = read_all(held_out())
    counts = [count(readings, threshold) for threshold in THRESHOLDS]
    best = chosen(counts)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(report(counts, best), encoding="utf-8")
    print(REPORT.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
