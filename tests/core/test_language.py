"""Every message the assistant sends is plain English: measured, not hoped for.

Children's messages: Flesch-Kincaid grade 3 or lower and at most 15 words a sentence.
Adults' messages: grade 6 or lower (reading age 9 is the public-service standard).
Where the formula misjudges a text, the reason is written beside it in texts.yml.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
import textstat
import yaml

from actions.questions import QUESTION_SETS, child_order
from bot.config import ROOT

TEXTS = ROOT / "actions" / "texts.yml"
SAFEGUARDING = ROOT / "bot" / "core" / "safeguarding" / "patterns.yml"
VALUES = {"name": "Sam", "child_name": "Jamie", "scale_value": 6, "old_text": "my cat"}
LIMITS = {"child": (3.0, 15), "young_person": (6.0, 20), "adult": (6.0, 25)}
# Every adult question set is read with its own wording (adults' limits).
READERS = {**{name: "adult" for name in QUESTION_SETS}, "child": "child",
           "young_person": "young_person"}
# Names the formula counts as long words, though every reader here knows them: the
# assistant's name, the helpline, and "social worker" (every child here has one).
FAMILIAR = {"MapBot": "Bot", "Childline": "line", "social worker": "helper"}


@lru_cache(maxsize=1)
def catalogue() -> dict:
    return yaml.safe_load(TEXTS.read_text(encoding="utf-8"))


def _pick(value, reader: str):
    """A reader is an adult question set (its wording, then the adults') or a child's."""
    if not isinstance(value, dict):
        return value
    keys = [reader, "adult", "default"] if READERS[reader] == "adult" else [reader, "default"]
    return next((value[key] for key in keys if key in value), None)


def _asked_of(reader: str) -> list[str]:
    """Only the questions this reader is ever asked."""
    order = QUESTION_SETS[reader] if READERS[reader] == "adult" else child_order(None)
    return [*order, "new_text"]


def messages(reader: str) -> list[tuple[str, str]]:
    found = []
    for key, entry in catalogue()["say"].items():
        text = _pick(entry["text"] if isinstance(entry, dict) and "text" in entry else entry,
                     reader)
        if text:
            found.append((f"say.{key}", text))
    safeguarding = yaml.safe_load(SAFEGUARDING.read_text(encoding="utf-8"))
    who = "adult" if READERS[reader] == "adult" else "child"
    for section in ("replies", "offers"):
        found.append((f"safeguarding.{section}", safeguarding[section][who]))
    for key in _asked_of(reader):
        for part, value in catalogue()["questions"][key].items():
            text = _pick(value, reader)
            if text:
                found.append((f"questions.{key}.{part}", text))
    return found


def _plain(text: str) -> str:
    text = text.format(**VALUES)
    for word, short in FAMILIAR.items():
        text = text.replace(word, short)
    return text


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


CASES = [(reader, key, text) for reader in READERS for key, text in messages(reader)]


@pytest.mark.parametrize(("reader", "key", "text"), CASES,
                         ids=[f"{a}:{k}" for a, k, _ in CASES])
def test_message_is_easy_to_read(reader: str, key: str, text: str) -> None:
    max_grade, max_words = LIMITS[READERS[reader]]
    audience = reader
    plain = _plain(text)
    for paragraph in re.split(r"\n", plain):  # short lines and bubbles are read one by one
        grade = textstat.flesch_kincaid_grade(paragraph)
        assert grade <= max_grade, f"{key} ({audience}) is grade {grade}: {paragraph!r}"
    for sentence in sentences(plain):
        assert len(sentence.split()) <= max_words, f"{key}: too long: {sentence!r}"


def test_every_child_text_has_its_own_wording_where_questions_differ() -> None:
    """The children's questions are written for children, not shared with adults."""
    for key in ["good_life", "worries_what", "dreams_life", "trusted_adults", "first_house"]:
        question = catalogue()["questions"][key]["ask"]
        assert {"child", "young_person"} <= set(question), key


def test_no_message_promises_a_secret() -> None:
    forbidden = re.compile(r"secret|confidential|between (us|you and me)|won'?t tell|"
                           r"will not tell|nobody will know|no one will know", re.I)
    for reader in READERS:
        for key, text in messages(reader):
            assert not forbidden.search(text), f"{key}: {text!r}"
