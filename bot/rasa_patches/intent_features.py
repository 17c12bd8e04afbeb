"""The intent classifier's input, built from the sentence features alone.

Rasa 3.6's `LogisticRegressionClassifier._create_X` asks each message for its combined
sparse features, which deep-copies and stacks the per-token (sequence) features of
every featurizer as well as the sentence features, then uses only the sentence ones:
8% of the Rasa server's busy time under load (bench/FINDINGS.md). Here the same
sentence features are stacked in the same order, and nothing else is built.
"""

from __future__ import annotations

from rasa.nlu.classifiers import logistic_regression_classifier as classifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack

stock_create_X = classifier.LogisticRegressionClassifier._create_X


def sentence_features(message: Message) -> csr_matrix:
    """What `stock_create_X` makes of one message, without the sequence features."""
    sparse = [feature.features for feature in message.features
              if feature.attribute == TEXT and feature.is_sparse()
              and feature.type == FEATURE_TYPE_SENTENCE]
    dense = message.get_dense_features(attribute=TEXT)[1]
    blocks = [*sparse, *([csr_matrix(dense.features)] if dense else [])]
    # One stack, straight to the row format the classifier multiplies with.
    return hstack(blocks, format="csr") if blocks else csr_matrix((1, 0))


def _create_X(self: classifier.LogisticRegressionClassifier,
              messages: list[Message]) -> csr_matrix:
    return vstack([sentence_features(message) for message in messages], format="csr")


RASA_VERSIONS = ("3.6.21",)  # checked against: its code and its tests (bot/rasa_patches)
# What it replaces, what else of Rasa it relies on (bot/rasa_patches checks both at start).
TARGETS = {"rasa.nlu.classifiers.logistic_regression_classifier."
           "LogisticRegressionClassifier._create_X": _create_X}
USES = ("rasa.shared.nlu.training_data.message.Message.get_dense_features",
        "rasa.shared.nlu.training_data.features.Features.is_sparse")
