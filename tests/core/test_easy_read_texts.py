"""Easy Read (issue 23): every adult text has its Easy Read wording, and every Easy Read
text passes a stricter gate than tests/core/test_language.py, measured with the same
library (textstat) in the same way:

- 12 words or fewer a sentence;
- at most one word of three syllables or more a sentence;
- 5 sentences or fewer a chat bubble (a blank line starts a new bubble);
- Flesch-Kincaid grade 4 or lower a line, and 2 or lower on average.

The texts are read here straight from the YAML files, not through the code that picks
them (tests/rasa/actions/test_easy_read.py checks the picking).
"""

from __future__ import annotations

import re
import statistics
from functools import lru_cache

import pytest
import textstat
import yaml

from actions.questions import QUESTION_SETS
from bot.config import ROOT

TEXTS = ROOT / "actions" / "texts.yml"
SAFEGUARDING = ROOT / "bot" / "core" / "safeguarding" / "patterns.yml"
VALUES = {"name": "Sam", "child_name": "Jamie", "scale_value": 6, "old_text": "my cat"}
MAX_WORDS, MAX_LONG_WORDS, MAX_SENTENCES = 12, 1, 5
MAX_GRADE, MAX_MEAN_GRADE = 4.0, 2.0
# As in test_language.py: names every reader here knows, which the formula counts as
# long words (the assistant's name, the helpline, "social worker").
FAMILIAR = {"MapBot": "Bot", "Childline": "line", "social worker": "helper"}
SECRETS = re.compile(r"secret|confidential|between (us|you and me)|won'?t tell|"
                     r"will not tell|nobody will know|no one will know", re.I)
JUDGING = re.compile(r"\b(bad parent|your fault|to blame|neglect|abuse|aggressive)\b", re.I)


@lru_cache(maxsize=1)
def catalogue() -> dict:
    return yaml.safe_load(TEXTS.read_text(encoding="utf-8"))


def _ordinary(value, reader: str):
    """The adult wording a reader gets without Easy Read: set, "adult", `default`."""
    if not isinstance(value, dict):
        return value
    return next((value[k] for k in (reader, "adult", "default") if k in value), None)


def _entries(reader: str) -> list[tuple[str, object]]:
    """Every text an adult with this question set can be sent, as stored (a string, or
    a map by audience)."""
    found: list[tuple[str, object]] = []
    for key, entry in catalogue()["say"].items():
        found.append((f"say.{key}", entry["text"] if isinstance(entry, dict)
                      and "text" in entry else entry))
    for key in [*QUESTION_SETS[reader], "new_text"]:
        for part, value in catalogue()["questions"][key].items():
            found.append((f"questions.{key}.{part}", value))
    return [(key, value) for key, value in found if _ordinary(value, reader)]


READERS = sorted(QUESTION_SETS)
ENTRIES = [(reader, key, value) for reader in READERS for key, value in _entries(reader)]


@pytest.mark.parametrize(("reader", "key", "value"), ENTRIES,
                         ids=[f"{r}:{k}" for r, k, _ in ENTRIES])
def test_every_adult_text_has_an_easy_read_wording(reader, key, value) -> None:
    assert isinstance(value, dict) and "easy_read" in value, f"{key}: no easy_read"
    easy = value["easy_read"]
    if isinstance(easy, dict):
        assert "default" in easy or reader in easy, f"{key}: nothing for {reader}"
    if reader in value:  # the set's own wording: its Easy Read keeps that meaning
        assert isinstance(easy, dict) and reader in easy, \
            f"{key}: {reader} has its own wording, but no Easy Read of its own"


def _easy(value, reader: str) -> str:
    easy = value["easy_read"]
    return easy if isinstance(easy, str) else easy.get(reader, easy.get("default"))


def easy_texts() -> list[tuple[str, str]]:
    """Every Easy Read text, once, with where it is."""
    found: dict[str, str] = {}
    for reader, key, value in ENTRIES:
        if isinstance(value, dict) and "easy_read" in value:
            found.setdefault(_easy(value, reader), f"{key} ({reader})")
    rules = yaml.safe_load(SAFEGUARDING.read_text(encoding="utf-8"))
    for section in ("replies", "offers"):
        found.setdefault(rules[section]["easy_read"], f"safeguarding.{section}")
    from bot.portal.safeguarding import NOT_SAVED
    found.setdefault(NOT_SAVED["easy_read"], "portal NOT_SAVED")
    return [(where, text) for text, where in found.items()]


def _plain(text: str) -> str:
    text = text.format(**VALUES)
    for word, short in FAMILIAR.items():
        text = text.replace(word, short)
    return text


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def long_words(sentence: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", sentence)
    return [w for w in words if textstat.syllable_count(w) >= 3]


TEXTS_TO_CHECK = easy_texts()


@pytest.mark.parametrize(("where", "text"), TEXTS_TO_CHECK,
                         ids=[where for where, _ in TEXTS_TO_CHECK])
def test_easy_read_text_passes_the_stricter_gate(where: str, text: str) -> None:
    plain = _plain(text)
    for bubble in re.split(r"\n\s*\n", plain):
        assert len(sentences(bubble)) <= MAX_SENTENCES, f"{where}: bubble too long: {bubble!r}"
    for line in plain.split("\n"):
        if line.strip():
            grade = textstat.flesch_kincaid_grade(line)
            assert grade <= MAX_GRADE, f"{where}: grade {grade}: {line!r}"
    for sentence in sentences(plain):
        assert len(sentence.split()) <= MAX_WORDS, f"{where}: too many words: {sentence!r}"
        hard = long_words(sentence)
        assert len(hard) <= MAX_LONG_WORDS, f"{where}: long words {hard}: {sentence!r}"


def test_easy_read_is_grade_2_or_lower_on_average() -> None:
    grades = [textstat.flesch_kincaid_grade(line) for _, text in TEXTS_TO_CHECK
              for line in _plain(text).split("\n") if line.strip()]
    assert len(grades) > 100
    assert statistics.mean(grades) <= MAX_MEAN_GRADE, statistics.mean(grades)


def test_easy_read_is_shorter_than_the_ordinary_wording_overall() -> None:
    ordinary = easy = 0
    for reader, _, value in ENTRIES:
        ordinary += len(str(_ordinary(value, reader)).split())
        easy += len(_easy(value, reader).split())
    assert easy < ordinary * 0.9, (easy, ordinary)


@pytest.mark.parametrize(("where", "text"), TEXTS_TO_CHECK,
                         ids=[where for where, _ in TEXTS_TO_CHECK])
def test_easy_read_never_promises_a_secret_nor_judges(where: str, text: str) -> None:
    assert not SECRETS.search(text), f"{where}: {text!r}"
    assert not JUDGING.search(text), f"{where}: {text!r}"


def test_easy_read_keeps_what_must_be_said() -> None:
    """Before the first question: a computer, who reads the answers, that a safety worry
    is told at once and may be acted on, that it is not for emergencies (999)."""
    welcome = catalogue()["say"]["welcome"]["easy_read"]
    for words in ("computer", "social worker will read your answers", "straight away",
                  "before you press Send", "not watched all the time", "call 999",
                  "keep an answer from your family"):
        assert words in welcome, words
    scale = catalogue()["questions"]["scale_why"]["ask"]["easy_read"]
    assert "What makes it that number and not lower?" in scale
    assert catalogue()["questions"]["scale_higher"]["ask"]["easy_read"] == \
        "What would one point higher look like?"
