"""Scoring a saved linear model in plain Python: one weight per feature and class.

The learned checks (safeguarding, columns, finer parts) are trained with scikit-learn in
the Rasa environment and saved as JSON; scoring them needs no extra package, so the
portal and the action server share this one function.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def class_probabilities(weights: Mapping[str, Sequence[float]], bias: Sequence[float],
                        found: Mapping[str, float]) -> list[float]:
    """The softmax of bias + weights · features, one probability per class, in the
    classes' order."""
    totals = list(bias)
    for name, value in found.items():
        weight = weights.get(name)
        if weight is not None:
            for index, w in enumerate(weight):
                totals[index] += w * value
    top = max(totals)
    exps = [math.exp(total - top) for total in totals]
    whole = sum(exps)
    return [e / whole for e in exps]
