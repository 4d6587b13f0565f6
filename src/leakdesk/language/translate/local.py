"""The local engine: a CTranslate2 model with SentencePiece, on the CPU, never touching the network."""

from __future__ import annotations

from leakdesk.errors import TranslationError
from leakdesk.language.translate.models import ModelPackage, check_package


class LocalEngine:
    """Translate sentences in batches with an installed model package."""

    name = "local"

    def __init__(self, package: ModelPackage, beam_size: int = 2, batch_size: int = 16, threads: int = 0) -> None:
        import ctranslate2
        import sentencepiece

        check_package(package)
        self.package = package
        self.model = package.name
        self.source_language = package.from_code
        self.target_language = package.to_code
        self.beam_size = beam_size
        self.batch_size = batch_size
        self._translator = ctranslate2.Translator(str(package.model_dir), device="cpu", intra_threads=threads)
        self._source = sentencepiece.SentencePieceProcessor(model_file=str(package.source_spm))
        self._target = (
            self._source
            if package.target_spm == package.source_spm
            else sentencepiece.SentencePieceProcessor(model_file=str(package.target_spm))
        )

    def translate(self, sentences: list[str]) -> list[str]:
        if not sentences:
            return []
        tokens = self._source.encode(sentences, out_type=str)
        longest = max(len(t) for t in tokens)
        try:
            results = self._translator.translate_batch(
                tokens,
                beam_size=self.beam_size,
                max_batch_size=self.batch_size,
                max_decoding_length=min(2 * longest + 16, 512),
                max_input_length=1024,
            )
        except (RuntimeError, ValueError) as exc:
            raise TranslationError(f"The model {self.model} failed while translating: {exc}") from exc
        return [self._target.decode(r.hypotheses[0]).strip() for r in results]
