"""Scores on the latest blind set (SET, tests/data/safeguarding/heldout-SET/): rules alone,
the learned check alone, and the two combined as the portal runs them. Each set is scored
blind once (its README keeps those figures); after that it is development data, the check
trains on it, the report says so, and a new blind set is written to measure.

    .venv/bin/python -m tests.services.safeguarding.heldout
    # (writes results/safeguarding-heldout.md)

Only messages on which both labellers agree are scored. Each message was written as an
answer to a question; the question's wording is mapped to the question it stands for,
so the level is decided as it would be in the chat.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.core.safeguarding.assess import WORRY_QUESTIONS, assess
from bot.core.safeguarding.detector import detect
from bot.core.safeguarding.learned import load_model
from bot.core.safeguarding.train import DEVELOPMENT_SETS
from bot.core.vocabulary import CHILD_ROLES

ROOT = Path(__file__).resolve().parents[3]
SET = 7  # the latest blind set (its README says whether it is development data now)
HELDOUT = ROOT / "tests" / "data" / "safeguarding" / f"heldout-{SET}" / "messages.jsonl"
REPORT = ROOT / "results" / "safeguarding-heldout.md"
# The wording a writer used for a question -> the question slot it stands for.
QUESTION_SLOTS = [
    (r"social worker.*worr|worker.*worried", "worker_worried"),
    (r"worr|sad, mad or scared|scared", "worried_about"),
    (r"harder", "harder"),
    (r"before the problem|life like before|before", "before_problem"),
    (r"could have gone wrong|gone wrong but", "near_miss"),
    (r"0 to 10|0-10|scale|how safe", "scale"),
    (r"helps|who would you call|trust|listens", "helpers"),
    (r"needs to happen|first sign|getting better|wish|dreams|worries were gone",
     "safe_needs"),
]
CHILD_SLOTS = {"worried_about": "worries_what", "worker_worried": "worries_what",
               "helpers": "trusted_adults", "safe_needs": "dreams_wish"}


@dataclass(frozen=True)
class Row:
    id: str
    voice: str
    speaker: str
    question: str
    text: str
    label: str  # the label both labellers gave


def question_slot(question: str, speaker: str) -> str | None:
    for pattern, slot in QUESTION_SLOTS:
        if re.search(pattern, question, re.I):
            return CHILD_SLOTS.get(slot, slot) if speaker in CHILD_ROLES else slot
    return None


def load() -> tuple[list[Row], int, Counter]:
    """The rows both labellers agree on, how many rows there are, and the pairs."""
    agreed, total, pairs = [], 0, Counter()
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        total += 1
        pairs[(raw["labeller_a"], raw["labeller_b"])] += 1
        if raw["labeller_a"] == raw["labeller_b"]:
            agreed.append(Row(raw["id"], raw["voice"], raw["speaker"], raw["question"],
                              raw["text"], raw["labeller_a"]))
    return agreed, total, pairs


def kappa(pairs: Counter) -> float:
    total = sum(pairs.values())
    observed = sum(n for (a, b), n in pairs.items() if a == b) / total
    first, second = Counter(), Counter()
    for (a, b), n in pairs.items():
        first[a] += n
        second[b] += n
    expected = sum(first[k] * second[k] for k in first) / total / total
    return (observed - expected) / (1 - expected)


@dataclass
class Verdicts:
    rules: bool
    model: bool  # the learned check's higher threshold (counts like a rule)
    model_any: bool  # either of its thresholds
    combined: bool
    sure: bool  # flagged by the rules or the higher threshold
    level: str | None


def judge(row: Row) -> Verdicts:
    found = assess(row.text, question_slot(row.question, row.speaker))
    model = load_model()
    harm = model.scores(row.text).harm
    return Verdicts(rules=detect(row.text) is not None, model=harm >= model.threshold,
                    model_any=harm >= model.threshold_possible,
                    combined=found is not None, sure=found is not None and found.sure,
                    level=found.level if found else None)


COLUMNS = ("rules", "model", "model_any", "sure", "combined")


def figures() -> dict:
    rows, total, pairs = load()
    verdicts = {row.id: judge(row) for row in rows}
    harm = [r for r in rows if r.label != "none"]
    safe = [r for r in rows if r.label == "none"]
    past_adult_worry = [r for r in rows if r.label == "concern"
                        and r.speaker not in CHILD_ROLES
                        and question_slot(r.question, r.speaker) in WORRY_QUESTIONS]
    immediate = [r for r in rows if r.label == "immediate"]

    def share(subset: list[Row], test) -> tuple[int, int]:
        return sum(1 for r in subset if test(verdicts[r.id])), len(subset)

    return {
        "total": total, "agreed": len(rows), "kappa": kappa(pairs), "pairs": pairs,
        "by_label": Counter(r.label for r in rows),
        "recall": {name: share(harm, lambda v, n=name: getattr(v, n)) for name in COLUMNS},
        "false_flags": {name: share(safe, lambda v, n=name: getattr(v, n))
                        for name in COLUMNS},
        "immediate_kept": share(immediate, lambda v: v.level == "immediate"),
        "past_worry_immediate": share(past_adult_worry, lambda v: v.level == "immediate"),
        "missed": [r for r in harm if not verdicts[r.id].combined],
        "false": [r for r in safe if verdicts[r.id].combined],
        "by_voice": {voice: share([r for r in harm if r.voice == voice],
                                  lambda v: v.combined)
                     for voice in sorted({r.voice for r in rows})},
    }


def _pct(pair: tuple[int, int]) -> str:
    done, of = pair
    return f"{done}/{of} ({100 * done / of:.1f}%)" if of else "0/0"


def report(found: dict) -> str:
    model = load_model()
    development = HELDOUT in DEVELOPMENT_SETS
    lines = [
        f"# Safeguarding check on set {SET}"
        + (" (development data since its blind scoring)" if development else ""),
        "",
        "Made by `make safeguarding-report` (`python -m tests.services.safeguarding.heldout`) "
        f"from `tests/data/safeguarding/heldout-{SET}/`; how it was written and labelled, "
        "blind, is in its README. "
        + ("It was scored blind once (its README keeps those figures); since then the "
           "check trains on it: these are development figures, not a measure. A new blind "
           "set is needed to measure the check that runs now." if development else
           "Never trained or tuned on: the model, its thresholds and the rules were fixed "
           "before the set was scored."),
        "",
        f"Learned check: trained on {model.trained_on[:12]} (digest of "
        f"`bot/core/safeguarding/training/`, the regression corpora and sets 1 to "
        f"{len(DEVELOPMENT_SETS)}); "
        f"thresholds "
        f"{model.threshold} (sure), {model.threshold_possible} (possible) and "
        f"{model.threshold_possible_urgent} (possible and urgent); "
        f"present-over-past factor {model.present_over_past}.",
        "",
        f"Messages: {found['total']}; both labellers agree on {found['agreed']} "
        f"(Cohen's kappa {found['kappa']:.3f}); only those are scored. Agreed labels: "
        + ", ".join(f"{k} {v}" for k, v in sorted(found["by_label"].items())) + ".",
        "",
        "| | rules alone | learned check alone, sure | learned check alone, sure or "
        "possible | combined, sure | combined (what runs) |",
        "|---|---|---|---|---|---|",
        "| must-flag messages flagged (immediate or concern) | "
        + " | ".join(_pct(found["recall"][n]) for n in COLUMNS) + " |",
        "| must-not messages flagged | "
        + " | ".join(_pct(found["false_flags"][n]) for n in COLUMNS) + " |",
        "",
        "\"Sure\": the rules, or the learned check above its higher threshold (or between "
        "its thresholds when it reads danger now); these bring the help (or, for known "
        "harm in a worry answer, the calm acknowledgement) and the alerts. \"Possible\": "
        "the rest of what the learned check finds between its thresholds; flagged for "
        "the worker to read, without a word to the person.",
        "",
        f"- Immediate messages flagged `immediate`: {_pct(found['immediate_kept'])}.",
        "- Adults' answers to worry questions that describe past or known harm, flagged "
        f"`immediate` (target at most 1 in 10): {_pct(found['past_worry_immediate'])}.",
        "- Must-flag messages flagged, by writer: " + ", ".join(
            f"{voice} {_pct(pair)}" for voice, pair in found["by_voice"].items()) + ".",
        "",
        "## Missed must-flag messages",
        "",
    ]
    lines += [f"- `{r.id}` ({r.speaker}, {r.label}): {r.text}" for r in found["missed"]] or [
        "None."]
    lines += ["", "## Must-not messages flagged", ""]
    lines += [f"- `{r.id}` ({r.speaker}): {r.text}" for r in found["false"]] or ["None."]
    return "\n".join(lines) + "\n"


def main() -> None:
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(report(figures()), encoding="utf-8")
    print(REPORT.read_text(encoding="utf-8").split("## Missed")[0])


if __name__ == "__main__":
    main()
