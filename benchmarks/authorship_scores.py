"""Method scores of one PAN corpus, computed once and saved, so fusions and calibrations can be compared on them.

    python benchmarks/authorship_scores.py CORPUS_FOLDER OUT.npz [--methods base spectrum compression style_gaps
        unmasking char_lm distorted shrunk lengths]

CORPUS_FOLDER holds train/ and test/ (e.g. /work/shared/data/authorship/pan15-av-en). The scores are exactly the
verifier's: TRAIN problems scored as `AuthorshipVerifier.fit` scores them (impostors from the train problems' known
texts), TEST problems as `verdicts` does (the test problems' known texts plus the train known texts), with the OOD
flags `verdicts` raises. Saved: X_train, y_train, groups_train (problems linked by a shared text), X_test, y_test,
ood_test, columns. The test labels are saved for the one final look; choosing anything on them is not allowed.
Only numbers are written, never text from the corpus.

Three families live here only, for the harness (session 11; not in the product, see BENCHMARKS.md): `distorted`, the
character spectrum of the distorted text; `shrunk`, Cosine Delta on profiles shrunk toward the pool feature by
feature; `lengths`, no method but the problem's length in words (`n_words`, for the length-aware bands of
`authorship_fusions.py`; no family uses it as a score).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from leakdesk.authorship.evaluation import as_problems
from leakdesk.authorship.features import TextProfile, learn_function_words
from leakdesk.authorship.function_words import builtin
from leakdesk.authorship.methods import CharSpectrum, CompressionDistance, StyleGaps
from leakdesk.authorship.methods.base import Batch, Method, top_vocabulary
from leakdesk.authorship.ood import check as ood_check
from leakdesk.authorship.pan import read_pan_folder
from leakdesk.authorship.selection import text_groups
from leakdesk.authorship.verifier import AuthorshipVerifier


class DistortedSpectrum(CharSpectrum):
    """The character spectrum (same scoring, same impostors) of the distorted text (Stamatatos 2017, DV-MA:
    `TextProfile.distorted`, every letter of a non-function word made '*'), n-grams of 3-6 characters: a topic-free
    view for cross-topic problems. Columns `dN_z`, `dN_rank`."""

    def __init__(self, lengths: tuple[int, ...] = (3, 4, 5, 6), size: int = 5000) -> None:
        super().__init__(lengths=lengths, size=size)

    @property
    def columns(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(f"d{n}_{kind}" for n in self.lengths for kind in ("z", "rank"))

    def score_batch(self, batch: Batch) -> np.ndarray:
        copies: dict[str, TextProfile] = {}

        def distorted(p: TextProfile) -> TextProfile:
            if p.key not in copies:
                copies[p.key] = dataclasses.replace(p, text=p.distorted)
            return copies[p.key]

        view = Batch(batch.problems, batch.languages, [[distorted(p) for p in ks] for ks in batch.known],
                     [distorted(p) for p in batch.unknown],
                     {lang: [distorted(p) for p in pool] for lang, pool in batch.pools.items()},
                     batch.cache, batch.random_state, batch.max_impostors)  # fmt: skip
        return super().score_batch(view)


class _ShrunkSpace:
    """Function-word rates shrunk toward the pool's, feature by feature (empirical Bayes): for feature f with pooled
    rate m_f and between-text spread beyond sampling noise t_f = max(0, var of rates - mean m_f (1 - m_f) / N), a
    text of N tokens keeps the weight t_f / (t_f + m_f (1 - m_f) / N) of its own deviation from m_f; profiles are the
    shrunk deviations over sqrt(t_f). A problem's known texts are pooled (counts and lengths added) first."""

    def __init__(self, pool: list[TextProfile], known: list[TextProfile], size: int) -> None:
        texts = pool + known
        self.vocab = top_vocabulary([t.function_counts for t in texts], size)
        raw = [self.raw(t.function_counts) for t in texts]
        counts = np.stack([r[0] for r in raw]) if raw else np.zeros((1, len(self.vocab)))
        lengths = np.array([r[1] for r in raw]) if raw else np.ones(1)
        self.rate = counts.sum(axis=0) / max(float(lengths.sum()), 1.0)
        noise = self.rate * (1 - self.rate) / np.maximum(lengths, 1)[:, None]
        rates = counts / np.maximum(lengths, 1)[:, None]
        self.signal = np.maximum(rates.var(axis=0) - noise.mean(axis=0), 0.0)
        self.informative = self.signal > 1e-12
        self._profiles: dict[str, np.ndarray] = {}

    def raw(self, counter: Counter[str]) -> tuple[np.ndarray, float]:
        v = np.zeros(len(self.vocab))
        for g, c in counter.items():
            j = self.vocab.get(g)
            if j is not None:
                v[j] = c
        return v, float(sum(counter.values()))

    def profile(self, texts: list[TextProfile]) -> np.ndarray:
        key = "|".join(t.key for t in texts)
        if key not in self._profiles:
            counts, length = np.zeros(len(self.rate)), 0.0
            for t in texts:
                c, n = self.raw(t.function_counts)
                counts, length = counts + c, length + n
            n = max(length, 1.0)
            noise = self.rate * (1 - self.rate) / n
            weight = np.where(self.informative, self.signal / (self.signal + noise + 1e-300), 0.0)
            shrunk = weight * (counts / n - self.rate)
            self._profiles[key] = np.where(self.informative, shrunk / np.sqrt(np.maximum(self.signal, 1e-300)), 0.0)
        return self._profiles[key]


class ShrunkDelta(Method):
    """Cosine Delta on shrunk function-word profiles (`_ShrunkSpace`, 300 features), scored against the impostors as
    the spectrum is (both ways round): `shrunk_z`, `shrunk_rank`."""

    columns = ("shrunk_z", "shrunk_rank")

    def __init__(self, n_words: int = 300) -> None:
        self.n_words = n_words

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.tile(np.array([0.0, 0.5]), (len(batch.problems), 1))

        def cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return (b @ a) / (np.linalg.norm(a) * np.linalg.norm(b, axis=-1) + 1e-12)

        for i in range(len(batch.problems)):
            imps = batch.impostors(i)
            if len(imps) < 2 or not batch.known[i]:
                continue
            build = lambda pool, known: _ShrunkSpace(pool, known, self.n_words)  # noqa: E731
            space = batch.space(batch.languages[i], "shrunk", build)
            u, k = space.profile([batch.unknown[i]]), space.profile(batch.known[i])
            m = np.stack([space.profile([p]) for p in imps])
            s = float(cos(u, k[None, :])[0])
            z, beaten = 0.0, 0.0
            for others in (cos(u, m), cos(k, m)):
                z += (s - float(others.mean())) / max(float(others.std()), 1e-3)
                beaten += float(np.mean(others < s))
            out[i] = (float(np.clip(z / 2, -10, 10)), beaten / 2)
        return out


class Lengths(Method):
    """Not a method: the problem's length, min(questioned words, known words), for length-aware bands."""

    columns = ("n_words",)

    def score_batch(self, batch: Batch) -> np.ndarray:
        pairs = zip(batch.unknown, batch.known, strict=True)
        return np.array([[min(u.n_words, sum(p.n_words for p in ks))] for u, ks in pairs], dtype=float)


def optional_method(name: str) -> Method:
    if name == "spectrum":
        return CharSpectrum()
    if name == "compression":
        return CompressionDistance()
    if name == "style_gaps":
        return StyleGaps()
    if name == "distorted":
        return DistortedSpectrum()
    if name == "shrunk":
        return ShrunkDelta()
    if name == "lengths":
        return Lengths()
    if name == "char_lm":
        from leakdesk.authorship.methods.char_lm import CharLanguageModel

        return CharLanguageModel()
    if name == "unmasking":
        from leakdesk.authorship.methods.unmasking import Unmasking

        return Unmasking()
    raise ValueError(f"unknown method family {name}")


def score_corpus(folder: Path, families: list[str], max_impostors: int = 40) -> dict[str, np.ndarray]:
    train, test = read_pan_folder(folder / "train"), read_pan_folder(folder / "test")
    tr, te = as_problems(train), as_problems(test)
    verifier = AuthorshipVerifier(language="auto", random_state=0, max_impostors=max_impostors)
    langs = verifier._languages(tr)
    learned = {}
    for lang in set(langs):  # as `fit` does
        if builtin(lang) is None:
            learned[lang] = learn_function_words([t for p, pl in zip(tr, langs, strict=True) if pl == lang
                                                  for t in p.known])  # fmt: skip
    verifier.function_words_ = learned
    methods: list[Method] = verifier._methods() if "base" in families else []
    methods += [optional_method(name) for name in families if name != "base"]
    verifier._methods = lambda: methods  # type: ignore[method-assign]
    X_train, _ = verifier._score(tr, {})
    train_known: dict[str, list[str]] = {}
    for p, lang in zip(tr, langs, strict=True):
        train_known.setdefault(lang, []).extend(p.known)
    X_test, batch = verifier._score(te, train_known, True)
    ood = np.array([
        bool(ood_check(batch.known[i], batch.unknown[i], batch.languages[i], len(batch.impostors(i)),
                       verifier.min_words, verifier.min_impostors))
        for i in range(len(te))
    ])  # fmt: skip
    return {
        "X_train": X_train, "y_train": np.asarray(train.labels()), "groups_train": text_groups(tr),
        "X_test": X_test, "y_test": np.asarray(test.labels()), "ood_test": ood,
        "columns": np.array([c for m in methods for c in m.columns]),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--methods", nargs="+", default=["base", "spectrum", "compression", "style_gaps"])
    parser.add_argument("--max-impostors", type=int, default=40, help="the verifier's max_impostors")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    saved = score_corpus(args.folder, args.methods, args.max_impostors)
    np.savez(args.out, **saved)
    print(f"{args.folder.name}: {saved['X_train'].shape} train, {saved['X_test'].shape} test scores in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
