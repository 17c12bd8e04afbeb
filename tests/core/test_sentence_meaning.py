"""The numpy sentence encoder against the reference implementation it replaces.

`tests/data/sentence_meaning_reference.json` holds embeddings that sentence-transformers on
PyTorch produced for the same texts with the same weights (its `made_by` says which
versions): expected values made by the reference, never by the code under test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.core import sentence_meaning

REFERENCE = Path(__file__).parents[1] / "data" / "sentence_meaning_reference.json"


def test_the_encoder_gives_the_reference_embeddings() -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.array(reference["embeddings"], dtype=np.float32)
    got = sentence_meaning.encoder().encode(reference["texts"])
    assert got.shape == expected.shape == (len(reference["texts"]), 384)
    assert np.abs(got - expected).max() < 1e-4
    assert (got * expected).sum(axis=1).min() > 0.9999


def test_one_text_alone_is_encoded_as_in_a_batch() -> None:
    """Padding in a batch must not change a text's meaning."""
    texts = ["no", "he always says sorry after he hits her, then it starts again"]
    batch = sentence_meaning.encoder().encode(texts)
    alone = np.array([sentence_meaning.meaning(text) for text in texts])
    assert np.abs(batch - alone).max() < 1e-5


def test_the_same_meaning_in_other_words_is_closer_than_another_meaning() -> None:
    vectors = sentence_meaning.encoder().encode([
        "i took all of my tablets", "i swallowed the whole packet of pills",
        "she keeps all her hospital appointments"])
    same = float(vectors[0] @ vectors[1])
    other = float(vectors[0] @ vectors[2])
    assert same > other + 0.2


def test_weights_that_are_not_the_published_ones_are_refused(tmp_path: Path) -> None:
    installed = sentence_meaning.model_dir()
    for name in ("tokenizer.json", "config.json"):
        shutil.copy(installed / name, tmp_path / name)
    (tmp_path / "model.safetensors").write_bytes(b"\x08" + b"\x00" * 7 + b"{}")
    with pytest.raises(sentence_meaning.SentenceModelMissing):
        sentence_meaning.SentenceEncoder(tmp_path)


def test_a_training_memo_gives_each_text_its_own_meaning() -> None:
    memo = sentence_meaning.Memo()
    texts = ["she is kind to her brother", "he hit her last week"]
    memo.warm(texts + texts[:1])
    for text in texts:
        assert np.abs(np.array(memo(text)) - np.array(sentence_meaning.meaning(text))).max() < 1e-5
