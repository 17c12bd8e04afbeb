"""Train the learned safeguarding check (needs scikit-learn: run in the Rasa environment).

    .venv-rasa/bin/python -m bot.safeguarding.train          # writes learned_model.json
    .venv-rasa/bin/python -m bot.safeguarding.train --check  # exit 1 if it is out of date

Training data: every `training/*.jsonl` file here (one {"text", "label"} a line, label
none, concern or immediate), plus the regression corpora in `tests/data/safeguarding`
(must-flag lines as immediate, must-not lines as none). The blind held-out set in
`tests/data/safeguarding/heldout/` is never read here: it measures, it does not teach.

The flag threshold is chosen by 5-fold cross-validation on the training data alone: the
highest threshold that still flags 99.5% of the harm messages in the left-out folds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from bot.safeguarding.learned import LABELS, MODEL_PATH, features

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
TRAINING = HERE / "training"
CORPORA = ROOT / "tests" / "data" / "safeguarding"
TARGET_RECALL = 0.995
C = 8.0
SEED = 7
MIN_WEIGHT = 1e-3


def _corpus_lines(name: str) -> list[str]:
    text = (CORPORA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def training_data() -> tuple[list[str], list[str], str]:
    """Texts, labels and a digest of the files they came from."""
    texts: list[str] = []
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
    for name, label in (("must_flag.txt", "immediate"), ("must_not_flag.txt", "none")):
        digest.update(name.encode() + (CORPORA / name).read_bytes())
        for line in _corpus_lines(name):
            texts.append(line)
            labels.append(label)
    return texts, labels, digest.hexdigest()


def _fit(texts: list[str], labels: list[str]):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = DictVectorizer()
    matrix = vectoriser.fit_transform([features(text) for text in texts])
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000,
                               random_state=SEED)
    model.fit(matrix, labels)
    return vectoriser, model


def _harm_scores(vectoriser, model, texts: list[str]) -> list[float]:
    probabilities = model.predict_proba(vectoriser.transform([features(t) for t in texts]))
    none = list(model.classes_).index("none")
    return [1.0 - row[none] for row in probabilities]


def choose_threshold(texts: list[str], labels: list[str]) -> tuple[float, dict]:
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    harm_scores: list[float] = []
    safe_scores: list[float] = []
    for train, test in folds.split(texts, labels):
        vectoriser, model = _fit([texts[i] for i in train], [labels[i] for i in train])
        scores = _harm_scores(vectoriser, model, [texts[i] for i in test])
        for index, score in zip(test, scores, strict=True):
            (safe_scores if labels[index] == "none" else harm_scores).append(score)
    harm_scores.sort()
    allowed_misses = int(len(harm_scores) * (1 - TARGET_RECALL))
    threshold = min(0.5, max(0.05, harm_scores[allowed_misses] - 1e-6))
    report = {
        "cv_harm_recall": sum(s >= threshold for s in harm_scores) / len(harm_scores),
        "cv_false_flag_rate": sum(s >= threshold for s in safe_scores) / len(safe_scores),
        "harm_messages": len(harm_scores), "safe_messages": len(safe_scores),
    }
    return round(threshold, 4), report


def train() -> dict:
    texts, labels, digest = training_data()
    threshold, report = choose_threshold(texts, labels)
    vectoriser, model = _fit(texts, labels)
    order = [list(model.classes_).index(label) for label in LABELS]
    coefficients = model.coef_.T  # features x classes
    weights = {}
    for name, index in vectoriser.vocabulary_.items():
        row = [float(coefficients[index][k]) for k in order]
        if max(abs(v) for v in row) >= MIN_WEIGHT:
            weights[name] = [round(v, 4) for v in row]
    return {
        "labels": list(LABELS), "trained_on": digest, "threshold": threshold,
        "bias": [round(float(model.intercept_[k]), 6) for k in order],
        "cross_validation": report, "examples": len(texts),
        "weights": dict(sorted(weights.items())),
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
                  ".venv-rasa/bin/python -m bot.safeguarding.train", file=sys.stderr)
            return 1
        return 0
    model = train()
    MODEL_PATH.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(json.dumps({k: model[k] for k in ("threshold", "cross_validation", "examples")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
