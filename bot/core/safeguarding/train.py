"""Train the learned safeguarding check (needs scikit-learn: run in the Rasa environment).

    .venv-rasa/bin/python -m bot.core.safeguarding.train          # writes learned_model.json
    .venv-rasa/bin/python -m bot.core.safeguarding.train --check  # exit 1 if it is out of date

Training data: every `training/*.jsonl` file here (one {"text", "label"} a line, label
none, concern or immediate); the regression corpora in `tests/data/safeguarding`
(must-flag lines as immediate, must-not lines as none); and blind sets 1 to 6,
`heldout-1/` to `heldout-6/` (the messages both labellers agree on), which became
development data once they had been scored (sets 4 to 6 on 6 December 2026). The next
blind set, `heldout-7/`, must never be read here: it measures.

The features (`learned.WORD_SHARE`) and `C` were chosen by 5-fold cross-validation with
folds grouped by source (each writer's file, each development set, each regression corpus:
`cross_validated(..., sources)`), so that a writer's near-copies never sit on both sides of
a fold; random folds let them leak and overstate how well the check meets new wording
(harm found at 12% false flags: 91% with random folds, 79% across writers, 6 December
2026). The thresholds stay on random folds: grouped ones came out higher (0.70 possible,
0.95 sure) and, for a model trained without set 4, found 4 fewer of set 4's 225 must-flag
messages for 3 fewer of its 105 false flags; missing harm costs more than a false flag.
Settings chosen by random 5-fold cross-validation on the training data alone:
- `threshold`: the learned check flags as surely as a rule from this score; at most
  3% of the safe training messages reach it in the left-out folds;
- `threshold_possible`: flagged for the worker to read, without interrupting; at most
  16% of the safe training messages reach it;
- `threshold_possible_urgent`: between the thresholds, a reading of danger now brings the
  help and the alerts only from this score (at most 8% of the safe messages reach it);
  below it, a flag for the worker to read, with no word to the person;
- `present_over_past`: how much likelier "immediate" must be than "concern" for a
  worry answer to interrupt with the crisis help (at least 1; raised until at most 8% of
  the concern messages would get `immediate`, and never above 2).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from bot.core import sentence_meaning
from bot.core.safeguarding.learned import LABELS, MODEL_PATH, features, meaning_text, stretches

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
TRAINING = HERE / "training"
CORPORA = ROOT / "tests" / "data" / "safeguarding"
# Blind sets 1 to 6 are development data since their blind scorings (their READMEs; sets 4
# to 6 since 6 December 2026); a new blind set 7 is needed to measure.
DEVELOPMENT_SETS = [CORPORA / f"heldout-{n}" / "messages.jsonl" for n in range(1, 7)]
SURE_FALSE_FLAGS = 0.03
# 0.12, not 0.08: chosen on blind set 2 once it became development data, with a model
# that had not seen it (recall 197 -> 200 of 210, no more false flags): results/. Then
# 0.16 once the sentence encoder joined the features (6 December 2026), chosen on set 4
# (development data) with a model trained without it: 0.12 found 222 of its 225 harm
# messages, 0.16 found 223, 0.20 found 224 but flagged 37 of the 537 must-not messages
# (the regression corpus allows 5%); a possible flag only asks the worker to read it.
POSSIBLE_FALSE_FLAGS = 0.16
# ...but an unsure reading of danger now interrupts the person with the crisis help only
# from the old 8% threshold: at 12%, "his dad keeps missing contact and he gets upset"
# was met with the help reply (an end-to-end test found it).
POSSIBLE_URGENT_FALSE_FLAGS = 0.08
CONCERN_AS_IMMEDIATE = 0.08
C = 16.0
SEED = 7
MIN_WEIGHT = 1e-3


def _corpus_lines(name: str) -> list[str]:
    text = (CORPORA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def training_data() -> tuple[list[str], list[str], str]:
    """Texts, labels and a digest of the files they came from."""
    texts, labels, _, digest = training_rows()
    return texts, labels, digest


def training_rows() -> tuple[list[str], list[str], list[str], str]:
    """Texts, labels, the source each came from (for grouped folds) and a digest."""
    texts: list[str] = []
    sources: list[str] = []
    labels: list[str] = []
    digest = hashlib.sha256()
    for path in sorted(TRAINING.glob("*.jsonl")):
        raw = path.read_bytes()
        digest.update(path.name.encode() + raw)
        for line in raw.decode("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["label"] not in LABELS:
                    raise ValueError(f"{path.name}: unknown label {row['label']!r}")
                texts.append(row["text"])
                labels.append(row["label"])
                sources.append(path.name)
    for development_set in DEVELOPMENT_SETS:
        raw = development_set.read_bytes()
        digest.update(development_set.parent.name.encode() + raw)
        for line in raw.decode("utf-8").splitlines():
            row = json.loads(line)
            if row["labeller_a"] == row["labeller_b"]:
                texts.append(row["text"])
                labels.append(row["labeller_a"])
                sources.append(development_set.parent.name)
    for name, label in (("must_flag.txt", "immediate"), ("must_not_flag.txt", "none")):
        digest.update(name.encode() + (CORPORA / name).read_bytes())
        for line in _corpus_lines(name):
            texts.append(line)
            labels.append(label)
            sources.append(name)
    return texts, labels, sources, digest.hexdigest()


_MEANINGS = sentence_meaning.Memo()


def _features(text: str) -> dict[str, float]:
    """`features`, with the sentence encoder run once per text for the whole training."""
    return features(text, _MEANINGS(meaning_text(text)))


def encode_all(texts: list[str]) -> None:
    """Run the encoder over every training text, and every stretch of a long one, in
    batches (minutes, not an hour)."""
    _MEANINGS.warm([meaning_text(piece) for text in texts for piece in stretches(text)])


def _fit(texts: list[str], labels: list[str]):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = DictVectorizer()
    matrix = vectoriser.fit_transform([_features(text) for text in texts])
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000,
                               random_state=SEED)
    model.fit(matrix, labels)
    return vectoriser, model


def cross_validated(texts: list[str], labels: list[str],
                    sources: list[str] | None = None) -> list[tuple[float, float, float]]:
    """(none, concern, immediate) scores for each message, from a model that never saw it
    (nor, given `sources`, anything else from its source: for choosing features)."""
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    scores: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] * len(texts)
    splits = (GroupKFold(n_splits=5).split(texts, labels, sources) if sources else
              StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED).split(texts, labels))
    for train_rows, test_rows in splits:
        vectoriser, model = _fit([texts[i] for i in train_rows],
                                 [labels[i] for i in train_rows])
        order = [list(model.classes_).index(label) for label in LABELS]
        for index in test_rows:
            # As the portal reads a message: its most worrying stretch (learned.stretches).
            found = model.predict_proba(vectoriser.transform(
                [_features(piece) for piece in stretches(texts[index])]))
            row = min(found, key=lambda r: r[order[0]])
            none, concern, immediate = (float(row[k]) for k in order)  # LABELS' order
            scores[index] = (none, concern, immediate)
    return scores


def _threshold(safe_harm_scores: list[float], false_flags: float) -> float:
    ranked = sorted(safe_harm_scores, reverse=True)
    return round(ranked[int(len(ranked) * false_flags)] + 1e-4, 4)


def choose_settings(texts: list[str], labels: list[str]) -> dict:
    scores = cross_validated(texts, labels)
    harm = [1 - s[0] for s, label in zip(scores, labels, strict=True) if label != "none"]
    safe = [1 - s[0] for s, label in zip(scores, labels, strict=True) if label == "none"]
    sure, possible = (_threshold(safe, SURE_FALSE_FLAGS),
                      _threshold(safe, POSSIBLE_FALSE_FLAGS))
    concern = [s for s, label in zip(scores, labels, strict=True) if label == "concern"]
    immediate = [s for s, label in zip(scores, labels, strict=True) if label == "immediate"]
    factor = 1.0
    while factor < 2.0 and _share(concern, lambda s, f=factor: s[2] >= f * s[1]) > (
            CONCERN_AS_IMMEDIATE):
        factor = round(factor + 0.1, 1)
    return {
        "threshold": sure, "threshold_possible": possible,
        "threshold_possible_urgent": _threshold(safe, POSSIBLE_URGENT_FALSE_FLAGS),
        "present_over_past": factor,
        "cross_validation": {
            "harm_flagged_sure": _share(harm, lambda h: h >= sure),
            "harm_flagged_possible": _share(harm, lambda h: h >= possible),
            "safe_flagged_sure": _share(safe, lambda h: h >= sure),
            "safe_flagged_possible": _share(safe, lambda h: h >= possible),
            "concern_read_as_immediate": _share(concern,
                                                lambda s: s[2] >= factor * s[1]),
            "immediate_read_as_concern": _share(immediate,
                                                lambda s: s[2] < factor * s[1]),
            "harm_messages": len(harm), "safe_messages": len(safe),
        },
    }


def _share(rows: list, test) -> float:
    return round(sum(1 for row in rows if test(row)) / len(rows), 4) if rows else 0.0


def train() -> dict:
    texts, labels, digest = training_data()
    encode_all(texts)
    settings = choose_settings(texts, labels)
    vectoriser, model = _fit(texts, labels)
    order = [list(model.classes_).index(label) for label in LABELS]
    coefficients = model.coef_.T  # features x classes
    weights = {}
    for name, index in vectoriser.vocabulary_.items():
        row = [float(coefficients[index][k]) for k in order]
        if max(abs(v) for v in row) >= MIN_WEIGHT:
            weights[name] = [round(v, 4) for v in row]
    return {
        "labels": list(LABELS), "trained_on": digest, **settings,
        "bias": [round(float(model.intercept_[k]), 6) for k in order],
        "examples": len(texts), "weights": dict(sorted(weights.items())),
    }


def current_digest() -> str:
    return training_data()[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that learned_model.json matches the training data")
    args = parser.parse_args(argv)
    if args.check:
        saved = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["trained_on"]
        if saved != current_digest():
            print("learned_model.json is out of date: run "
                  ".venv-rasa/bin/python -m bot.core.safeguarding.train", file=sys.stderr)
            return 1
        return 0
    model = train()
    MODEL_PATH.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in model.items() if k != "weights"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
