"""Train the finer-parts model (needs scikit-learn: run in the Rasa environment).

    .venv-rasa/bin/python -m bot.core.understanding.parts_train          # writes parts_model.json
    .venv-rasa/bin/python -m bot.core.understanding.parts_train --check  # exit 1 if out of date

Training data: `training/<part>.txt`, one example a line (`#` starts a comment), written
from the practice brief's definitions (`training/README.md`). Each column gets its own
model over its own parts: worries (harm, danger, complicating), working_well (strength,
safety), needs (goal, next_step).

Settings are chosen by cross-validation on the training data alone, with folds grouped by
writer (the hand-written lines, each `answers-adults*.jsonl`, sorting sets 1 and 2):
- `C`, the regularisation, from a short list: the best cross-validated accuracy;
- `thresholds`: a part is given only when its probability reaches its threshold. Chosen as high as
  it can be while at most TARGET_UNSORTED of the training examples are left unsorted in
  the left-out folds (fresh wording is less sure than the training data, so the target
  is below the 10% the issue allows); the figures, including how many of the parts given
  are right, go to results/parts-model.md;
- a part that would break a practice rule (complicating for harm, safety for a strength)
  gets its own higher threshold: at most RULE_BREAKS of the harm (strength) examples
  given it, as long as no more than UNSORTED_CAP are left unsorted in all.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from bot.core import sentence_meaning
from bot.core.understanding.parts import MODEL_PATH, PARTS_OF_SECTION, features

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
TRAINING = HERE / "training"
ANSWERS = "answers-adults*.jsonl"  # in TRAINING
# Blind sorting sets 1 and 2 became development data once scored (their READMEs); set 3
# measures and is never read here.
DEVELOPMENT_SETS = [ROOT / "tests" / "data" / "sorting" / f"heldout-{n}" / "answers.jsonl"
                    for n in (1, 2)]
# The blind sets' and answer files' names for the parts -> the map's category names.
PART_NAMES = {"past_harm": "harm", "future_danger": "danger", "complicating": "complicating",
              "strength": "strength", "existing_safety": "safety", "safety_goal": "goal",
              "next_step": "next_step"}
REPORT = ROOT / "results" / "parts-model.md"
SEED = 11
C_CHOICES = (1.0, 4.0, 16.0, 64.0)
# Fresh wording is less sure than the training data, so fewer are left unsorted here than
# the 10% allowed: with folds grouped by writer, 8% left unsorted gave 98.3% right among
# the parts given, a margin above the 90% asked for that is better spent on sorting more.
TARGET_UNSORTED = 0.04
WANTED_RIGHT = 0.90  # the bar: parts right among those given
UNSORTED_CAP = 0.10  # the bar: at most this many left unsorted
# The practice rules "harm is not a complicating factor; strengths are not safety": a
# part that would break one needs more certainty, so that at most RULE_BREAKS of the
# examples written for the other part are given it in cross-validation.
GUARDED = {"complicating": "harm", "safety": "strength"}
RULE_BREAKS = 0.01
MIN_WEIGHT = 1e-3
# A learned bias is a default part for words the model knows nothing about. In
# working_well that default is right: anything good is a strength, and safety needs its
# own evidence (protection when the danger was there). In worries and needs no part is a
# default: with a bias, "ok" or "the kids" came out as a complicating factor; without
# one, words that say nothing stay unsorted.
FIT_INTERCEPT = {"worries": False, "working_well": True, "needs": False}
# Changing a setting makes the saved model out of date, like changing the data.
SETTINGS = (f"seed={SEED} folds=by-writer C={C_CHOICES} unsorted={TARGET_UNSORTED} "
            f"cap={UNSORTED_CAP} guarded={sorted(GUARDED.items())} breaks={RULE_BREAKS} "
            f"intercept={sorted(FIT_INTERCEPT.items())}")


def examples_of(part: str) -> list[str]:
    lines = (TRAINING / f"{part}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# Which writer each training text came from: folds are grouped by writer, so that the
# thresholds are chosen on wording the model has not seen from that writer (random folds
# left near-copies on both sides and chose thresholds that fresh wording rarely reached).
SOURCE_OF: dict[str, str] = {}


def labelled_answers(digest) -> list[tuple[str, str]]:
    """(text, part) of whole adult answers: `training/answers-adults*.jsonl` (written for
    training from the brief) and blind sorting sets 1 and 2's answers both labellers agree on
    (development data since its blind scoring)."""
    found: list[tuple[str, str]] = []
    for path in sorted(TRAINING.glob(ANSWERS)):
        digest.update(path.read_bytes())
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            found.append((row["text"], PART_NAMES[row["part"]]))
            SOURCE_OF[row["text"]] = path.name
    for development_set in DEVELOPMENT_SETS:
        digest.update(development_set.read_bytes())
        for line in development_set.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["voice"] == "adult" and row["labeller_a"] == row["labeller_b"]:
                found.append((row["text"], PART_NAMES[row["labeller_a"]["part"]]))
                SOURCE_OF[row["text"]] = development_set.parent.name
    return found


def training_data() -> tuple[dict[str, tuple[list[str], list[str]]], str]:
    """Per section (texts, parts), and a digest of the files and settings."""
    digest = hashlib.sha256(SETTINGS.encode())
    data: dict[str, tuple[list[str], list[str]]] = {}
    answers = labelled_answers(digest)
    for section, parts in PARTS_OF_SECTION.items():
        texts: list[str] = []
        labels: list[str] = []
        for part in parts:
            digest.update(part.encode() + (TRAINING / f"{part}.txt").read_bytes())
            found = examples_of(part) + [text for text, label in answers if label == part]
            texts += found
            labels += [part] * len(found)
        data[section] = (texts, labels)
    return data, digest.hexdigest()


_MEANINGS = sentence_meaning.Memo()


def _features(text: str) -> dict[str, float]:
    """`features`, with the sentence encoder run once per text for the whole training."""
    return features(text, _MEANINGS(text))


def _fit(texts: list[str], labels: list[str], c: float, intercept: bool):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = DictVectorizer()
    matrix = vectoriser.fit_transform([_features(text) for text in texts])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000,
                               fit_intercept=intercept, random_state=SEED)
    model.fit(matrix, labels)
    return vectoriser, model


def cross_validated(texts: list[str], labels: list[str], parts: tuple[str, ...],
                    c: float, intercept: bool) -> list[dict[str, float]]:
    """Each example's probabilities from a model that never saw it."""
    from sklearn.model_selection import GroupKFold

    groups = [SOURCE_OF.get(text, "hand-written") for text in texts]
    folds = GroupKFold(n_splits=len(set(groups)))
    found: list[dict[str, float]] = [{} for _ in texts]
    for train_rows, test_rows in folds.split(texts, labels, groups):
        vectoriser, model = _fit([texts[i] for i in train_rows],
                                 [labels[i] for i in train_rows], c, intercept)
        rows = model.predict_proba(vectoriser.transform(
            [_features(texts[i]) for i in test_rows]))
        for index, row in zip(test_rows, rows, strict=True):
            found[index] = {part: float(row[list(model.classes_).index(part)])
                            for part in parts}
    return found


def _best(probabilities: dict[str, float]) -> tuple[str, float]:
    part = max(probabilities, key=lambda name: probabilities[name])
    return part, probabilities[part]


def _given(probabilities: dict[str, float], thresholds: dict[str, float]) -> str | None:
    part, sure = _best(probabilities)
    return part if sure >= thresholds[part] else None


def figures(labels: list[str], scores: list[dict[str, float]],
            thresholds: dict[str, float]) -> dict:
    given = [(label, part) for label, s in zip(labels, scores, strict=True)
             if (part := _given(s, thresholds)) is not None]
    right = sum(label == part for label, part in given)
    every = sum(label == _best(s)[0] for label, s in zip(labels, scores, strict=True))
    confusion = {label: {part: 0 for part in scores[0]} for label in scores[0]}
    for label, part in given:
        confusion[label][part] += 1
    return {"examples": len(labels), "right_without_threshold": round(every / len(labels), 4),
            "given": len(given), "right_among_given": round(right / max(len(given), 1), 4),
            "unsorted": round(1 - len(given) / len(labels), 4), "confusion": confusion}


def choose_threshold(labels: list[str], scores: list[dict[str, float]]) -> float:
    """As high as possible with at most TARGET_UNSORTED left unsorted."""
    sure = sorted(_best(s)[1] for s in scores)
    allowed = int(len(sure) * TARGET_UNSORTED)  # this many may fall below the threshold
    return round(sure[allowed] - 1e-6, 4) if allowed else 0.0


def choose_thresholds(section: str, labels: list[str],
                      scores: list[dict[str, float]]) -> dict[str, float]:
    """One threshold for every part, raised for a part that would break a practice rule
    (GUARDED) until at most RULE_BREAKS of the examples it must not take are given it, or
    until UNSORTED_CAP of all examples would be left unsorted."""
    base = choose_threshold(labels, scores)
    thresholds = dict.fromkeys(PARTS_OF_SECTION[section], base)
    for part, protected in GUARDED.items():
        if part not in thresholds:
            continue
        taken = sorted(s[part] for label, s in zip(labels, scores, strict=True)
                       if label == protected and _best(s)[0] == part and s[part] >= base)
        allowed = int(labels.count(protected) * RULE_BREAKS)
        while len(taken) > allowed:
            raised = dict(thresholds, **{part: round(taken.pop(0) + 1e-4, 4)})
            if figures(labels, scores, raised)["unsorted"] > UNSORTED_CAP:
                break
            thresholds = raised
    return thresholds


def train_section(section: str, texts: list[str], labels: list[str]) -> dict:
    parts, intercept = PARTS_OF_SECTION[section], FIT_INTERCEPT[section]
    tried = {c: cross_validated(texts, labels, parts, c, intercept) for c in C_CHOICES}
    parts_at_zero = dict.fromkeys(parts, 0.0)
    c = max(C_CHOICES, key=lambda value: figures(labels, tried[value], parts_at_zero)[
        "right_without_threshold"])
    scores = tried[c]
    thresholds = choose_thresholds(section, labels, scores)
    vectoriser, model = _fit(texts, labels, c, intercept)
    order = [list(model.classes_).index(part) for part in parts]
    coefficients = model.coef_.T  # features x classes (one column for two classes)
    weights = {}
    for name, index in vectoriser.vocabulary_.items():
        if len(parts) == 2:  # binary: the model keeps one column, for classes_[1]
            w = float(coefficients[index][0])
            row = [0.0, w] if list(model.classes_) == list(parts) else [w, 0.0]
        else:
            row = [float(coefficients[index][k]) for k in order]
        if max(abs(v) for v in row) >= MIN_WEIGHT:
            weights[name] = [round(v, 4) for v in row]
    if not intercept:
        bias = [0.0] * len(parts)
    elif len(parts) == 2:
        b = float(model.intercept_[0])
        bias = [0.0, b] if list(model.classes_) == list(parts) else [b, 0.0]
    else:
        bias = [float(model.intercept_[k]) for k in order]
    return {"parts": list(parts), "C": c, "thresholds": thresholds,
            "cross_validation": figures(labels, scores, thresholds),
            "bias": [round(v, 6) for v in bias], "weights": dict(sorted(weights.items()))}


def train() -> dict:
    data, digest = training_data()
    every = [text for texts, _ in data.values() for text in texts]
    _MEANINGS.warm(every)
    sections = {section: train_section(section, *data[section])
                for section in PARTS_OF_SECTION}
    return {"trained_on": digest, "sections": sections}


def report(model: dict) -> str:
    lines = ["# The finer-parts model: cross-validated figures", "",
             "Written by `python -m bot.core.understanding.parts_train` (cross-"
             "validation by writer on its training data alone, the data the "
             "model is trained on: these are figures on the developers' own wording, an "
             "upper bound for fresh wording, not a blind score).", "",
             f"Bar (issue 18): at least {WANTED_RIGHT:.0%} right among the parts given, at "
             "most 10% left unsorted. Threshold chosen so that at most "
             f"{TARGET_UNSORTED:.0%} are left unsorted in the left-out folds.", "",
             "| column | examples | C | thresholds | right, no threshold | parts given | "
             "right among given | left unsorted |", "|---|---|---|---|---|---|---|---|"]
    given = right = total = 0
    for section, entry in model["sections"].items():
        cv = entry["cross_validation"]
        lines.append(f"| {section} | {cv['examples']} | {entry['C']:g} | "
                     f"{_thresholds(entry['thresholds'])} | "
                     f"{cv['right_without_threshold']:.1%} | "
                     f"{cv['given']} | {cv['right_among_given']:.1%} | {cv['unsorted']:.1%} |")
        given += cv["given"]
        total += cv["examples"]
        right += round(cv["right_among_given"] * cv["given"])
    lines.append(f"| all | {total} | | | | {given} | {right / given:.1%} | "
                 f"{1 - given / total:.1%} |")
    lines += ["", "Practice rules (issue 18: no harm labelled complicating, no strength "
              "labelled safety), in the left-out folds:", ""]
    for part, protected in GUARDED.items():
        section = next(name for name, parts in PARTS_OF_SECTION.items() if part in parts)
        confusion = model["sections"][section]["cross_validation"]["confusion"]
        lines.append(f"- {protected} given as {part}: {confusion[protected][part]} of "
                     f"{sum(confusion[protected].values())} {protected} examples given a part "
                     f"(threshold for {part}: "
                     f"{model['sections'][section]['thresholds'][part]:.3f}).")
    lines += ["", "Confusion among the parts given (rows: the label written; columns: "
              "the part the model gave):", ""]
    for section, entry in model["sections"].items():
        confusion = entry["cross_validation"]["confusion"]
        parts = list(confusion)
        lines += [f"**{section}**", "", "| written \\ given | " + " | ".join(parts) + " |",
                  "|---" * (len(parts) + 1) + "|"]
        lines += [f"| {label} | " + " | ".join(str(confusion[label][p]) for p in parts) + " |"
                  for label in parts]
        lines.append("")
    return "\n".join(lines)


def _thresholds(thresholds: dict[str, float]) -> str:
    if len(set(thresholds.values())) == 1:
        return f"{next(iter(thresholds.values())):.3f}"
    return ", ".join(f"{part} {value:.3f}" for part, value in thresholds.items())


def current_digest() -> str:
    return training_data()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that parts_model.json matches the training data")
    args = parser.parse_args(argv)
    if args.check:
        saved = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["trained_on"]
        if saved != current_digest():
            print("parts_model.json is out of date: run "
                  ".venv-rasa/bin/python -m bot.core.understanding.parts_train",
                  file=sys.stderr)
            return 1
        return 0
    model = train()
    MODEL_PATH.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(report(model) + "\n", encoding="utf-8")
    print(report(model))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
