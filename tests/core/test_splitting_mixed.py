"""How well split_answer cuts the held-out mixed answers (tests/nlu/mixed_answers.yml).

Only the parts are checked here (no NLU): an answer counts as right when its parts,
after dropping non-answers ("Nothing", "dunno"), are exactly the expected texts in
order. Whether each part lands in the right section is checked with the trained model
elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.understanding import is_non_answer, split_answer

MIXED = Path(__file__).resolve().parents[1] / "nlu" / "mixed_answers.yml"
SECTIONS = {"worries", "working_well", "needs"}
MIN_RATE = 0.85


def _load() -> list[dict]:
    entries = yaml.safe_load(MIXED.read_text(encoding="utf-8"))
    assert isinstance(entries, list) and entries, "mixed_answers.yml should be a list"
    return entries


def _parts(text: str) -> list[str]:
    return [part for part in split_answer(text) if not is_non_answer(part)]


def test_mixed_file_is_well_formed() -> None:
    entries = _load()
    several = [e for e in entries if len(e["parts"]) > 1 or is_non_answer(e["text"][:12])]
    assert len(entries) >= 60 and len(several) >= 50
    for entry in entries:
        text, pos = entry["text"], 0
        assert entry["parts"], text
        for part in entry["parts"]:
            assert part["section"] in SECTIONS, part
            found = text.find(part["text"], pos)  # exact substrings, in order
            assert found >= 0, (text, part["text"])
            pos = found + len(part["text"])


def test_split_rate_on_mixed_answers() -> None:
    entries = _load()
    misses = []
    for entry in entries:
        expected = [part["text"] for part in entry["parts"]]
        got = _parts(entry["text"])
        if got != expected:
            misses.append(f"{entry['text']!r}\n    expected {expected}\n    got      {got}")
    rate = 1 - len(misses) / len(entries)
    print(f"split rate {rate:.1%} ({len(entries) - len(misses)}/{len(entries)})")
    assert rate >= MIN_RATE, f"split rate {rate:.1%} < {MIN_RATE:.0%}:\n" + "\n".join(misses)


@pytest.mark.parametrize("entry", _load(), ids=lambda e: e["text"][:40])
def test_parts_are_exact_slices(entry: dict) -> None:
    text, pos = entry["text"], 0
    for part in split_answer(text):
        found = text.find(part, pos)
        assert found >= 0, part
        pos = found + len(part)
