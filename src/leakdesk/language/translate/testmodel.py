"""Build a tiny random-weight CTranslate2 transformer with a SentencePiece model, packaged like real models.

Its output is gibberish by design: it exists to exercise packaging, loading, batching, segmentation and reassembly
in tests and the throughput benchmark, without torch and without downloading anything.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np

TRAINING_LINES = [
    "Уважаемый коллега, пишу Вам по поводу поставок.",
    "Груз прибыл в порт с опозданием на три дня.",
    "Генерал недоволен и требует отчёт до пятницы.",
    "Dear colleague, I am writing about the deliveries.",
    "The cargo arrived at the port three days late.",
    "The general is unhappy and wants a report by Friday.",
]


def train_sentencepiece(out: Path, vocab_size: int = 120) -> list[str]:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(TRAINING_LINES * 20),
        model_writer=model,
        vocab_size=vocab_size,
        character_coverage=1.0,
        model_type="unigram",
        hard_vocab_limit=False,
        minloglevel=2,
    )
    out.write_bytes(model.getvalue())
    processor = spm.SentencePieceProcessor(model_file=str(out))
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def build_ct2_model(
    out: Path, vocabulary: list[str], d_model: int = 32, ffn: int = 64, layers: int = 2, heads: int = 2, seed: int = 0
) -> None:
    """A random Transformer (pre-norm, ReLU) saved in CTranslate2's format."""
    from ctranslate2.specs import attention_spec, common_spec, model_spec, transformer_spec

    rng = np.random.default_rng(seed)
    size = len(vocabulary)

    def linear(spec: common_spec.LinearSpec, rows: int, cols: int) -> None:
        spec.weight = rng.normal(0, 0.2, (rows, cols)).astype(np.float32)
        spec.bias = np.zeros(rows, np.float32)

    def fill(spec: model_spec.LayerSpec) -> None:
        if isinstance(spec, attention_spec.MultiHeadAttentionSpec):
            if len(spec.linear) == 2:  # self-attention: fused QKV, output
                linear(spec.linear[0], 3 * d_model, d_model)
                linear(spec.linear[1], d_model, d_model)
            else:  # encoder-decoder attention: query, fused KV, output
                linear(spec.linear[0], d_model, d_model)
                linear(spec.linear[1], 2 * d_model, d_model)
                linear(spec.linear[2], d_model, d_model)
        elif isinstance(spec, transformer_spec.FeedForwardSpec):
            linear(spec.linear_0, ffn, d_model)
            linear(spec.linear_1, d_model, ffn)
        elif isinstance(spec, common_spec.EmbeddingsSpec):
            spec.weight = rng.normal(0, 0.2, (size, d_model)).astype(np.float32)
        elif isinstance(spec, common_spec.LayerNormSpec):
            spec.gamma = np.ones(d_model, np.float32)
            spec.beta = np.zeros(d_model, np.float32)
        for value in list(vars(spec).values()):
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, model_spec.LayerSpec):
                    fill(child)

    spec = transformer_spec.TransformerSpec.from_config(layers, heads)
    fill(spec)
    linear(spec.decoder.projection, size, d_model)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization=None)
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))


def build_argos_folder(out: Path, from_code: str = "ru", to_code: str = "en") -> Path:
    """An unpacked Argos Translate package: model/, sentencepiece.model, metadata.json."""
    out.mkdir(parents=True, exist_ok=True)
    vocabulary = train_sentencepiece(out / "sentencepiece.model")
    build_ct2_model(out / "model", vocabulary)
    metadata = {
        "package_version": "0.1",
        "argos_version": "1.9.0",
        "from_code": from_code,
        "to_code": to_code,
        "from_name": from_code,
        "to_name": to_code,
        "note": "random weights, for tests only",
    }
    (out / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n", "utf-8")
    return out


def build_argos_package(folder: Path, archive: Path) -> Path:
    """Zip an unpacked package the way Argos ships them (one top-level folder inside)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, Path(folder.name) / path.relative_to(folder))
    return archive


def build_opus_folder(argos_folder: Path, out: Path) -> Path:
    """A converted OPUS-MT layout (model.bin + vocabulary at top level, source.spm/target.spm)."""
    out.mkdir(parents=True, exist_ok=True)
    for path in (argos_folder / "model").iterdir():
        shutil.copy2(path, out / path.name)
    shutil.copy2(argos_folder / "sentencepiece.model", out / "source.spm")
    shutil.copy2(argos_folder / "sentencepiece.model", out / "target.spm")
    return out
