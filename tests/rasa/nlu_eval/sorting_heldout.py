"""Scores on the blind sorting set (tests/data/sorting/heldout-3/): how MapBot sorts answers
it never trained on, with the code the product runs (actions.forms.understood_parts: the
split, the columns model, the finer-parts model, the children's rules).

    .venv-rasa/bin/python -m tests.rasa.nlu_eval.sorting_heldout   # make sorting-report
    # (writes results/sorting-heldout.md)
    .venv-rasa/bin/python -m tests.rasa.nlu_eval.sorting_heldout --set 1 --out /tmp/set1.md
    # a development set (set 1 since its blind scoring), for work in progress

Only answers on which both labellers agree are scored (adults: column and part; children:
column). Never tune on this set: once read, it becomes development data and a new blind
set is written.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from actions.forms import understood_parts
from actions.questions import QUESTIONS

ROOT = Path(__file__).resolve().parents[3]
BLIND_SET = 3  # the set that measures; earlier sets are development data (their READMEs)
REPORT = ROOT / "results" / "sorting-heldout.md"
# The labellers' words for the finer parts -> MapBot's categories (bot/core/draft_map.py).
PART = {"past_harm": "harm", "future_danger": "danger", "complicating": "complicating",
        "strength": "strength", "existing_safety": "safety", "safety_goal": "goal",
        "next_step": "next_step"}
# A child's house -> the map column it stands in.
COLUMN_OF_HOUSE = {"good_things": "working_well", "worries": "worries", "dreams": "needs"}


@dataclass(frozen=True)
class Row:
    id: str
    voice: str  # adult or child
    speaker: str
    question_key: str
    text: str
    column: str  # agreed by both labellers (a child's: the house the meaning belongs to)
    part: str | None  # agreed finer part (adults only)


def answers_file(number: int) -> Path:
    return ROOT / "tests" / "data" / "sorting" / f"heldout-{number}" / "answers.jsonl"


def load(number: int = BLIND_SET) -> tuple[list[Row], dict]:
    rows, agreement = [], Counter()
    for line in answers_file(number).read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        a, b = raw["labeller_a"], raw["labeller_b"]
        voice = raw["voice"]
        agreement[(voice, "total")] += 1
        if a["column"] != b["column"]:
            continue
        agreement[(voice, "column")] += 1
        if voice == "adult" and a["part"] != b["part"]:
            continue
        agreement[(voice, "both")] += 1
        rows.append(Row(raw["id"], voice, raw["speaker"], raw["question_key"], raw["text"],
                        a["column"], a["part"] if voice == "adult" else None))
    return rows, dict(agreement)


def audience(row: Row) -> str:
    return "adult" if row.voice == "adult" else "child"


def sort_all(rows: list[Row]) -> dict[str, list[dict]]:
    """Each answer's parts as the product files them (no Rasa model: the action server
    sorts with its own models)."""
    return {row.id: understood_parts(QUESTIONS[row.question_key], row.text) for row in rows}


def adult_figures(rows: list[Row], parts: dict[str, list[dict]]) -> dict:
    adults = [r for r in rows if r.voice == "adult"]
    column_right = [r for r in adults if all(p["section"] == r.column for p in parts[r.id])]
    given = [r for r in adults if all(p["category"] for p in parts[r.id])]
    part_right = [r for r in given if all(p["category"] == PART[r.part] for p in parts[r.id])]
    harm = [r for r in adults if r.part in ("past_harm", "future_danger")]
    strength = [r for r in adults if r.part == "strength"]
    return {
        "answers": len(adults),
        "column_right": len(column_right),
        "given": len(given),
        "part_right": len(part_right),
        "unsorted": len(adults) - len(given),
        "harm_as_complicating": [r for r in harm if any(
            p["category"] == "complicating" for p in parts[r.id])],
        "strength_as_safety": [r for r in strength if any(
            p["category"] == "safety" for p in parts[r.id])],
        "split": sum(len(parts[r.id]) > 1 for r in adults),
        "column_misses": [r for r in adults if r not in column_right],
        "part_misses": [r for r in given if r not in part_right],
    }


def child_figures(rows: list[Row], parts: dict[str, list[dict]]) -> dict:
    children = [r for r in rows if r.voice == "child"]

    def kept_whole_in_house(row: Row) -> bool:
        house = QUESTIONS[row.question_key].house
        return len(parts[row.id]) == 1 and parts[row.id][0].get("house") == house

    def column(part: dict) -> str:
        return part.get("suggested_section") or part["section"]

    right = [r for r in children if kept_whole_in_house(r)
             and column(parts[r.id][0]) == COLUMN_OF_HOUSE[r.column]]
    drifted = [r for r in children if COLUMN_OF_HOUSE[r.column]
               != COLUMN_OF_HOUSE[QUESTIONS[r.question_key].house]]
    return {
        "answers": len(children),
        "kept": sum(kept_whole_in_house(r) for r in children),
        "column_right": len(right),
        "drifted": len(drifted),
        "drifted_suggested": sum(r in right for r in drifted),
        "misses": [r for r in children if r not in right],
    }


def pct(done: int, of: int) -> str:
    return f"{done}/{of} ({done / of:.1%})" if of else "0/0"


def report(agreement: dict, adults: dict, children: dict,
           parts: dict[str, list[dict]], number: int = BLIND_SET) -> str:
    def shown(row: Row) -> str:
        got = "; ".join(f"{p['section']}/{p['category'] or 'not sorted'}"
                        + (f" (suggests {p['suggested_section']})"
                           if p.get("suggested_section") else "")
                        for p in parts[row.id])
        want = f"{row.column}/{row.part}" if row.part else row.column
        return f"- `{row.id}` ({row.question_key}) {row.text!r}: labelled {want}; got {got}"

    lines = [
        f"# Sorting on {'the blind' if number == BLIND_SET else 'development'} set {number}",
        "",
        "Made by `make sorting-report` (`python -m tests.rasa.nlu_eval.sorting_heldout`) "
        f"from `tests/data/sorting/heldout-{number}/`; how it was written and labelled, "
        "blind, is in its README. Each answer goes through the code the product runs "
        "(`actions.forms.understood_parts`: split, columns model, finer parts, "
        "children's rules). Only answers both labellers agree on are scored.", "",
        f"Agreement: adults, column {agreement.get(('adult', 'column'), 0)}/"
        f"{agreement.get(('adult', 'total'), 0)}, column and part "
        f"{agreement.get(('adult', 'both'), 0)}; children, column "
        f"{agreement.get(('child', 'column'), 0)}/{agreement.get(('child', 'total'), 0)}.", "",
        "| adults (target) | figure |", "|---|---|",
        f"| answers with every part in the right column (≥ 95%) | "
        f"{pct(adults['column_right'], adults['answers'])} |",
        f"| finer part right, among answers given a part (≥ 90%) | "
        f"{pct(adults['part_right'], adults['given'])} |",
        f"| left unsorted (≤ 10%) | {pct(adults['unsorted'], adults['answers'])} |",
        f"| harm or danger filed as complicating (none) | "
        f"{len(adults['harm_as_complicating'])} |",
        f"| strengths filed as safety (none) | {len(adults['strength_as_safety'])} |",
        f"| answers split into more than one item | {adults['split']} |", "",
        "| children and young people | figure |", "|---|---|",
        f"| kept whole, in the house the child chose | "
        f"{pct(children['kept'], children['answers'])} |",
        f"| kept, and the column (the house, or MapBot's suggestion) right (≥ 95%) | "
        f"{pct(children['column_right'], children['answers'])} |",
        f"| answers whose words belong to another house: suggestion right | "
        f"{pct(children['drifted_suggested'], children['drifted'])} |", "",
        "## Adults: column misses", "", *map(shown, adults["column_misses"]), "",
        "## Adults: part misses", "", *map(shown, adults["part_misses"]), "",
        "## Children: misses", "", *map(shown, children["misses"]), "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=int, default=BLIND_SET, dest="number")
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    if args.number != BLIND_SET and args.out == REPORT:
        parser.error("a development set's figures go elsewhere (--out): the report is the "
                     "blind set's")
    rows, agreement = load(args.number)
    parts = sort_all(rows)
    text = report(agreement, adult_figures(rows, parts), child_figures(rows, parts), parts,
                  args.number)
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text.split("## Adults: column misses")[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
