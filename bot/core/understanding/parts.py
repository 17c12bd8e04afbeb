"""The finer part of a map item within its column, from a small trained model.

Keyword lists broke the practice rules (anger or a child going missing filed as a
complicating factor, kept health appointments as existing safety), so the part now comes
from a linear model trained on examples written from the practice brief's definitions
(`training/`, see its README). Training needs scikit-learn and runs in the Rasa
environment (`python -m bot.core.understanding.parts_train`); the weights are kept in
`parts_model.json` and scoring here is plain Python, so the portal and the action server
need no extra packages.

Where the model is not sure enough the answer is None: the item is shown to the worker
as "Not sorted yet", since a blank beats a wrong label.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.core import sentence_meaning
from bot.core.linear_model import class_probabilities

MODEL_PATH = Path(__file__).with_name("parts_model.json")
# The finer parts of each column, in the order the map shows them.
PARTS_OF_SECTION: Mapping[str, tuple[str, ...]] = {
    "worries": ("harm", "danger", "complicating"),
    "working_well": ("strength", "safety"),
    "needs": ("goal", "next_step"),
}
CHAR_SIZES = (3, 4, 5)
# The sentence encoder's numbers (unit length) beside the grams (unit length).
MEANING_SHARE = 1.0
_APOSTROPHES = re.compile(r"['\u2019`]")
_WORDS = re.compile(r"[a-z0-9]+")


def words_of(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped so "he's" and "hes" are one word."""
    return _WORDS.findall(_APOSTROPHES.sub("", text.lower()))


def features(text: str, meaning: tuple[float, ...] | None = None) -> dict[str, float]:
    """Word 1-2 grams and in-word character 3-5 grams, log-scaled and L2-normalised, and
    what the text means (`sentence_meaning`, scaled to MEANING_SHARE).

    Character grams let fresh spellings ("drinkin", "appointmnts") share features with
    the words the model was trained on; the sentence encoder lets fresh wording of the
    same meaning ("I keep him upstairs and ring the police") share it."""
    words = words_of(text)
    counts: Counter[str] = Counter()
    counts.update(f"w:{word}" for word in words)
    counts.update(f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    for word in words:
        padded = f"<{word}>"
        for size in CHAR_SIZES:
            counts.update(f"c:{padded[i:i + size]}" for i in range(len(padded) - size + 1))
    scaled = {name: 1.0 + math.log(count) for name, count in counts.items()}
    norm = math.sqrt(sum(value * value for value in scaled.values())) or 1.0
    found = {name: value / norm for name, value in scaled.items()}
    if MEANING_SHARE:
        vector = meaning if meaning is not None else sentence_meaning.meaning(text)
        found.update({f"e:{i}": MEANING_SHARE * v for i, v in enumerate(vector)})
    return found


@dataclass(frozen=True)
class SectionModel:
    """One column's model: a weight per feature and part, and how sure it must be."""

    parts: tuple[str, ...]
    weights: Mapping[str, tuple[float, ...]]
    bias: tuple[float, ...]
    # Below its threshold the best part is not given. A part that would break a practice
    # rule (complicating for harm, safety for a strength) needs more certainty.
    thresholds: Mapping[str, float]

    def probabilities(self, text: str) -> dict[str, float]:
        found = class_probabilities(self.weights, self.bias, features(text))
        return dict(zip(self.parts, found, strict=True))

    def predict(self, text: str) -> str | None:
        probabilities = self.probabilities(text)
        best = max(probabilities, key=lambda part: probabilities[part])
        return best if probabilities[best] >= self.thresholds[best] else None


@dataclass(frozen=True)
class Model:
    sections: Mapping[str, SectionModel]
    trained_on: str  # a digest of the training data, to know when to train again


@lru_cache(maxsize=2)
def load_model(path: str | None = None) -> Model:
    raw = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    sections = {}
    for section, parts in PARTS_OF_SECTION.items():
        entry = raw["sections"][section]
        if tuple(entry["parts"]) != parts:
            raise ValueError(f"parts model for {section}: {entry['parts']} are not {parts}")
        sections[section] = SectionModel(
            parts=parts, weights={name: tuple(v) for name, v in entry["weights"].items()},
            bias=tuple(entry["bias"]),
            thresholds={part: float(entry["thresholds"][part]) for part in parts})
    return Model(sections=sections, trained_on=str(raw["trained_on"]))


def predict_part(section: str, text: str) -> str | None:
    """The finer part of `text` within `section`, or None when the model is not sure
    enough (or the section has no finer parts)."""
    model = load_model().sections.get(section)
    if model is None or not words_of(text):
        return None
    return model.predict(text)
