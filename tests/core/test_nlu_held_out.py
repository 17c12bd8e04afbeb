"""The held-out NLU sets stay held out: no training example copies one of them.

A held-out answer that is also in the training data (or nearly so) measures memory, not
understanding (issue 18 found 9 word-for-word copies and 32 near copies). This fails when
any example in `tests/nlu/` (single answers, control intents, and each mixed answer and
each of its parts) is a copy or a near copy of an intent example in `data/nlu/`.

Near copy, stated: after normalising (lower case, apostrophes dropped, every run of
letters and digits a word), the two sets of words have a Jaccard similarity of at least
0.8 (shared words / all words). Identical normalised texts are copies.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TRAINING = sorted((ROOT / "data" / "nlu").glob("*.yml"))
HELD_OUT = ROOT / "tests" / "nlu"
NLU_SETS = ("answers_test.yml", "control_test.yml")
MIXED = "mixed_answers.yml"
NEAR = 0.8
_ANNOTATION = re.compile(r"\[([^\]]*)\]\{[^}]*\}|\[([^\]]*)\]\([^)]*\)")


def _plain(example: str) -> str:
    """The text of an example without entity markup: "[nan](person)" -> "nan"."""
    return _ANNOTATION.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2),
                           example)


def words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", re.sub(r"['\u2019`]", "", text.lower())))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def intent_examples(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu") or []:
        if "intent" in block:
            found += [_plain(line[2:].strip()) for line in block["examples"].splitlines()
                      if line.strip().startswith("- ")]
    return found


def held_out_texts() -> list[tuple[str, str]]:
    """(file, text) for every held-out example the README's figures come from."""
    texts = [(name, text) for name in NLU_SETS for text in intent_examples(HELD_OUT / name)]
    for case in yaml.safe_load((HELD_OUT / MIXED).read_text(encoding="utf-8")):
        texts.append((MIXED, case["text"]))
        texts += [(MIXED, part["text"]) for part in case["parts"]]
    return texts


def copies(training: list[tuple[str, str]], held_out: list[tuple[str, str]]) -> list[str]:
    """Each training example that copies or nearly copies a held-out text."""
    held = [(name, text, words(text)) for name, text in held_out]
    found = []
    for source, example in training:
        mine = words(example)
        for name, text, theirs in held:
            if similarity(mine, theirs) >= NEAR:
                found.append(f"{source}: {example!r} ~ {name}: {text!r}")
    return found


def _training() -> list[tuple[str, str]]:
    return [(path.name, text) for path in TRAINING for text in intent_examples(path)]


def test_the_held_out_sets_are_all_read() -> None:
    names = {name for name, _ in held_out_texts()}
    assert names == {*NLU_SETS, MIXED}
    # Every file under tests/nlu/ is one of the sets checked here.
    assert {path.name for path in HELD_OUT.glob("*.yml")} == {*NLU_SETS, MIXED}
    assert len(_training()) > 1000


def test_no_training_example_copies_a_held_out_one() -> None:
    found = copies(_training(), held_out_texts())
    assert not found, f"{len(found)} held-out copies in data/nlu/:\n" + "\n".join(found[:40])


@pytest.mark.parametrize(("a", "b", "near"), [
    ("he's really kind", "Hes really kind!", True),  # a copy once normalised
    ("my nan picks me up from school every day", "my nan picks me up from school each day",
     True),  # 8 shared words of 10
    ("my nan picks me up", "my nan takes me to school", False),
    ("[nan](person) helps", "nan helps", True),  # entity markup is not part of the words
])
def test_near_copies_are_found(a: str, b: str, near: bool) -> None:
    assert bool(copies([("train", _plain(a))], [("held", b)])) is near
