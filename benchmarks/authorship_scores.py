"""Method scores of one PAN corpus, computed once and saved, so fusions and calibrations can be compared on them.

    python benchmarks/authorship_scores.py CORPUS_FOLDER OUT.npz [--methods base spectrum compression style_gaps
        unmasking char_lm]

CORPUS_FOLDER holds train/ and test/ (e.g. /work/shared/data/authorship/pan15-av-en). The scores are exactly the
verifier's: TRAIN problems scored as `AuthorshipVerifier.fit` scores them (impostors from the train problems' known
texts), TEST problems as `verdicts` does (the test problems' known texts plus the train known texts), with the OOD
flags `verdicts` raises. Saved: X_train, y_train, groups_train (problems linked by a shared text), X_test, y_test,
ood_test, columns. The test labels are saved for the one final look; choosing anything on them is not allowed.
Only numbers are written, never text from the corpus.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from leakdesk.authorship.evaluation import as_problems
from leakdesk.authorship.features import learn_function_words
from leakdesk.authorship.function_words import builtin
from leakdesk.authorship.methods import CharSpectrum, CompressionDistance, StyleGaps
from leakdesk.authorship.methods.base import Method
from leakdesk.authorship.ood import check as ood_check
from leakdesk.authorship.pan import read_pan_folder
from leakdesk.authorship.selection import text_groups
from leakdesk.authorship.verifier import AuthorshipVerifier


def optional_method(name: str) -> Method:
    if name == "spectrum":
        return CharSpectrum()
    if name == "compression":
        return CompressionDistance()
    if name == "style_gaps":
        return StyleGaps()
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
