"""Which column of the map an answer belongs to, given the question it answered.

People answer the question they were asked, so the question's column is strong evidence;
but "nothing's going well, he's drinking again" answers "What is going well?" with a
worry. A linear model reads the whole answer (its word and character grams, and what it
means: `sentence_meaning`) together with the column of its question, and gives each
column a probability. An adult's answer leaves its question's column only when another
column's probability reaches `move_threshold`; for a child's answer that is only a
suggestion for the worker (`actions/routing.py`).

One model per voice: adults (worries, working well, needs) and children and young
people (their three houses, given here as the columns they stand in). Trained in the Rasa
environment (`python -m bot.core.understanding.columns_train`, `make parts-model`);
scoring here is plain Python over the saved weights.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.core.linear_model import class_probabilities
from bot.core.understanding.non_answers import is_non_answer
from bot.core.understanding.parts import features as text_features
from bot.core.understanding.parts import words_of

MODEL_PATH = Path(__file__).with_name("columns_model.json")
COLUMNS = ("worries", "working_well", "needs")
VOICES = ("adult", "child")
# The question's column is one feature among hundreds; scaled up, the regularisation
# lets the model lean on it more, as people do answer the question they were asked
# (at 1.0, "not sure really" given to "What is going well?" was moved to needs).
QUESTION_WEIGHT = 3.0


def features(text: str, asked: str | None,
             meaning: tuple[float, ...] | None = None) -> dict[str, float]:
    """The answer's own features, and the column of the question it answered."""
    found = text_features(text, meaning)
    if asked:
        found[f"q:{asked}"] = QUESTION_WEIGHT
    return found


@dataclass(frozen=True)
class VoiceModel:
    weights: Mapping[str, tuple[float, float, float]]
    bias: tuple[float, float, float]
    move_threshold: float  # another column's probability that moves (or suggests) it

    def scores(self, text: str, asked: str) -> dict[str, float]:
        found = class_probabilities(self.weights, self.bias, features(text, asked))
        return dict(zip(COLUMNS, found, strict=True))


@dataclass(frozen=True)
class Model:
    voices: Mapping[str, VoiceModel]
    trained_on: str


@lru_cache(maxsize=2)
def load_model(path: str | None = None) -> Model:
    raw = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    if tuple(raw["columns"]) != COLUMNS:
        raise ValueError(f"columns model: {raw['columns']} are not {COLUMNS}")
    return Model(
        voices={voice: VoiceModel(
            weights={name: tuple(v) for name, v in raw["voices"][voice]["weights"].items()},
            bias=tuple(raw["voices"][voice]["bias"]),
            move_threshold=float(raw["voices"][voice]["move_threshold"]))
            for voice in VOICES},
        trained_on=str(raw["trained_on"]))


def column_scores(text: str, asked: str, voice: str) -> dict[str, float]:
    """Each column's probability for `text`, given to a question of column `asked`.
    Words that say nothing (empty, or a non-answer: "not sure", "dunno") stay with the
    question's column: the model, trained on answers with
    content, read "not sure" as a need (people write "not sure what needs to happen")."""
    if not words_of(text) or is_non_answer(text):
        return {column: float(column == asked) for column in COLUMNS}
    return load_model().voices[voice].scores(text, asked)


def move_threshold(voice: str) -> float:
    return load_model().voices[voice].move_threshold
