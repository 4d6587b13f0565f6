"""The impostor pools of fit and of answering, simulated on a corpus's TRAIN split only (issue 14 item 2, session 11).

    python benchmarks/authorship_pools.py CORPUS_FOLDER [--families spectrum style_gaps] [--repeats 3] [--shift]
        [--held-out-shift] [--cut-known 0.6 [--cut-pool-only]] [--short-pool 0.6] [--no-cv]
        [--variants shipped same-author-out fit-pool-only cap-1.0 cap-1.25 cap-1.5 window-1.0 window-1.0-min200 ...]
        [--test]

Grouped, stratified 5-fold CV over the TRAIN problems in which every fold runs the verifier exactly as a user does:
`fit` on the other folds (its pool: their known texts), then `answer_scores` on the held-out fold (its pool: the
fitted problems' known texts plus the held-out problems' own). Printed: out-of-fold AUC·c@1 of each pool variant
(`VARIANTS`): as shipped, with `fit` leaving out the texts its labels tie to a problem's own author
(`SameAuthorOut`), and with answering drawing on the fitted problems' known texts only (`pool_from_batch=False`,
so fit and answering share one pool), and with known texts cut to k times the pool's median length (`cap-k`,
`PoolVerifier.known_length_cap`). `--short-pool`: answering's fitted texts keep that share of their words (PAN15
test's known texts are longer than its impostors). `window-k[-min200|-winspace]`, `window-both-k`: long texts are
scored in windows of about k pool medians and the scores averaged (`PoolVerifier.window_length`). `--test`: fit each
variant on TRAIN and answer TEST once. `--shift`: how far each column's fit-time scores move (in
training standard deviations) when `fit` leaves out the texts its labels tie to a problem's own author. Without
`--test` the TEST split is never read.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from leakdesk.authorship.evaluation import as_problems, auc, c_at_1
from leakdesk.authorship.features import ProfileCache, TextProfile
from leakdesk.authorship.methods.base import Batch
from leakdesk.authorship.pan import read_pan_folder
from leakdesk.authorship.problem import Problem
from leakdesk.authorship.selection import auc_c_at_1, text_groups
from leakdesk.authorship.verifier import AuthorshipVerifier

FAMILIES = ("char_spectrum", "compression", "style_gaps", "unmasking", "char_lm")


#: how each variant builds its pools: (fit leaves out the texts its labels tie to a problem's author, answering adds
#: the answered problems' own known texts to the fitted ones, known texts longer than this many pool medians are cut,
#: texts are scored in windows of about this many pool medians and the scores averaged, questioned texts too)
VARIANTS: dict[str, tuple[bool, bool, float | None, float | None, bool]] = {
    "shipped": (False, True, None, None, False), "same-author-out": (True, True, None, None, False),
    "fit-pool-only": (False, False, None, None, False),
    "cap-1.0": (False, True, 1.0, None, False), "cap-1.25": (False, True, 1.25, None, False),
    "cap-1.5": (False, True, 1.5, None, False),
    "window-0.75": (False, True, None, 0.75, False), "window-1.0": (False, True, None, 1.0, False),
    "window-1.25": (False, True, None, 1.25, False), "window-1.5": (False, True, None, 1.5, False),
    "window-both-1.0": (False, True, None, 1.0, True), "window-both-1.25": (False, True, None, 1.25, True),
}  # fmt: skip
#: the window variants again, with the feature spaces built from the windows instead of the whole known texts
VARIANTS.update({f"{name}-winspace": spec for name, spec in list(VARIANTS.items()) if name.startswith("window-")})
#: the window variants with windows of at least 200 words (shorter texts are never split)
VARIANTS.update({f"{name}-min200": spec for name, spec in list(VARIANTS.items())
                 if name.startswith("window-") and not name.endswith("-winspace")})  # fmt: skip


def windows(text: str, length: float) -> list[str]:
    """`text` in round(words / length) consecutive windows of equal word counts (itself when that is 1 or less)."""
    words = text.split()
    n = round(len(words) / length) if length > 0 else 1
    if n < 2:
        return [text]
    bounds = np.linspace(0, len(words), n + 1).round().astype(int)
    return [" ".join(words[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


@dataclasses.dataclass
class PoolBatch(Batch):
    """A `Batch` whose problems may each name more pool texts (profile keys) that are never their impostors."""

    not_impostors: list[frozenset[str]] = dataclasses.field(default_factory=list)
    #: the known texts the per-language feature spaces are built from, when they differ from `known` (window variants
    #: must not change the space every other problem is scored in)
    space_known: list[list[TextProfile]] | None = None
    space_languages: list[str] = dataclasses.field(default_factory=list)

    def space(self, language: str, name: str, build):  # type: ignore[no-untyped-def]
        if self.space_known is None:
            return super().space(language, name, build)
        known, languages = self.known, self.languages
        self.known, self.languages = self.space_known, self.space_languages
        try:
            return super().space(language, name, build)
        finally:
            self.known, self.languages = known, languages

    def impostors(self, i: int) -> list[TextProfile]:
        if i >= len(self.not_impostors) or not self.not_impostors[i]:
            return super().impostors(i)
        pools, language = self.pools, self.languages[i]
        kept = [p for p in pools.get(language, []) if p.key not in self.not_impostors[i]]
        self.pools = {**pools, language: kept}
        try:
            return super().impostors(i)
        finally:
            self.pools = pools


class PoolVerifier(AuthorshipVerifier):
    """The verifier with two harness-only pool controls: `known_length_cap` (known texts longer than that many times
    the median length of the pool's texts, in words between spaces, keep their first words up to it; the whole text
    stays in the pool for the others and is never its own problem's impostor) and `_score(..., not_impostors=)`."""

    known_length_cap: float | None = None
    #: score every known text (and the questioned one if `window_questioned`) in windows of about this many times the
    #: pool's median length, each window variant of a problem against the same whole-text pool, and average the
    #: method scores over a problem's variants (a problem with W windows is scored W times; the whole text is never
    #: its own problem's impostor)
    window_length: float | None = None
    window_questioned: bool = False
    #: "whole": the feature spaces are built from the whole known texts, as without windows; "windows": from the windows
    window_space: str = "whole"
    #: the fewest words a window may have (the window length is at least this)
    window_min_words: int = 0

    def _score(self, problems, extra, from_batch=True, cache=None, not_impostors=None):  # type: ignore[no-untyped-def]
        self._not_impostors = not_impostors
        self._window_rows: list[list[int]] | None = None
        try:
            X, batch = super()._score(problems, extra, from_batch, cache)
        finally:
            self._not_impostors = None
        rows, self._window_rows = self._window_rows, None
        if rows is not None and len(problems):
            with np.errstate(all="ignore"):
                X = np.vstack([np.nanmean(X[r], axis=0) for r in rows])
        return X, batch

    def _batch(self, problems, cache: ProfileCache, extra, from_batch):  # type: ignore[no-untyped-def]
        built = super()._batch(problems, cache, extra, from_batch)
        langs = built.languages
        texts = getattr(self, "_not_impostors", None) or [[] for _ in problems]
        excluded = [{cache.get(t, lang).key for t in ts} for ts, lang in zip(texts, langs, strict=True)]
        if self.known_length_cap is not None:
            medians = {lang: float(np.median([len(p.text.split()) for p in pool]))
                       for lang, pool in built.pools.items() if pool}  # fmt: skip
            capped = []
            for i, (p, lang) in enumerate(zip(problems, langs, strict=True)):
                cap = max(1, round(self.known_length_cap * medians[lang])) if lang in medians else None
                known = []
                for text in p.known:
                    words = text.split()
                    if cap is not None and len(words) > cap:
                        excluded[i].add(cache.get(text, lang).key)
                        text = " ".join(words[:cap])
                    known.append(text)
                capped.append(dataclasses.replace(p, known=known) if known != list(p.known) else p)
            problems = capped
        original = problems, langs
        if self.window_length is not None:
            problems, langs, excluded = self._windowed(problems, langs, excluded, built.pools, cache)
        batch = PoolBatch.build(problems, langs, cache, built.pools, self.random_state, self.max_impostors)
        batch.not_impostors = [frozenset(e) for e in excluded]
        if self.window_length is not None and self.window_space == "whole":
            batch.space_known = [[cache.get(t, lang) for t in p.known] for p, lang in zip(*original, strict=True)]
            batch.space_languages = list(original[1])
        return batch

    def _windowed(self, problems, langs, excluded, pools, cache):  # type: ignore[no-untyped-def]
        """Each problem's window variants: row i is problem i's first variant, the others follow all of them;
        `_window_rows` records which rows belong to which problem."""
        medians = {lang: float(np.median([len(p.text.split()) for p in pool])) for lang, pool in pools.items() if pool}
        first, more, rows = [], [], []
        more_langs, more_excluded = [], []
        for i, (p, lang) in enumerate(zip(problems, langs, strict=True)):
            length = max((self.window_length or 1.0) * medians.get(lang, 0.0), self.window_min_words)
            known = [windows(t, length) for t in p.known]
            unknown = windows(p.unknown, length) if self.window_questioned else [p.unknown]
            n = max(len(unknown), *(len(k) for k in known))
            whole = {cache.get(t, lang).key for t, k in zip(p.known, known, strict=True) if len(k) > 1}
            if len(unknown) > 1:
                whole.add(cache.get(p.unknown, lang).key)
            variants = [dataclasses.replace(p, known=[k[j % len(k)] for k in known], unknown=unknown[j % len(unknown)])
                        for j in range(n)]  # fmt: skip
            first.append(variants[0])
            rows.append([i])
            for v in variants[1:]:
                rows[-1].append(len(problems) + len(more))
                more.append(v)
                more_langs.append(lang)
                more_excluded.append(excluded[i] | whole)
            excluded[i] = excluded[i] | whole
        self._window_rows = rows
        return first + more, list(langs) + more_langs, excluded + more_excluded


def same_author_texts(problems: list[Problem], y: np.ndarray) -> list[list[str]]:
    """Per training problem, every text its labels tie to the author of its known texts: same-author problems join
    their known and questioned texts, and the ties chain through shared texts."""
    parent: dict[str, str] = {}

    def root(text: str) -> str:
        parent.setdefault(text, text)
        while parent[text] != text:
            parent[text] = parent[parent[text]]
            text = parent[text]
        return text

    for p, label in zip(problems, y, strict=True):
        texts = [*p.known, p.unknown] if label == 1 else list(p.known)  # a problem's known texts share one author
        for t in texts:
            parent[root(t)] = root(texts[0])
    members: dict[str, list[str]] = {}
    for t in {t for p in problems for t in (*p.known, p.unknown)}:
        members.setdefault(root(t), []).append(t)
    return [members[root(p.known[0])] for p in problems]


class SameAuthorOut(PoolVerifier):
    """The verifier whose `fit` leaves out of each training problem's impostors the texts its labels tie to the
    problem's own author (answering cannot: it has no labels)."""

    def fit(self, problems: list[Problem], y: object) -> SameAuthorOut:
        self._fit_labels = (list(problems), np.asarray(y).astype(int))
        try:
            return super().fit(problems, y)  # type: ignore[return-value]
        finally:
            del self._fit_labels

    def _score(self, problems, extra, from_batch=True, cache=None, not_impostors=None):  # type: ignore[no-untyped-def]
        labels = getattr(self, "_fit_labels", None)
        if labels is not None and labels[0] == list(problems) and not_impostors is None:
            not_impostors = same_author_texts(*labels)
        return super()._score(problems, extra, from_batch, cache, not_impostors)  # type: ignore[call-arg]


def verifier(families: list[str], exclude: bool, from_batch: bool = True, cap: float | None = None,
             window: float | None = None, window_questioned: bool = False,
             window_space: str = "whole", window_min_words: int = 0) -> PoolVerifier:  # fmt: skip
    switches = {name: name in families or name.removeprefix("char_") in families for name in FAMILIES}
    made = (SameAuthorOut if exclude else PoolVerifier)(language="auto", random_state=0, pool_from_batch=from_batch,
                                                         **switches)  # fmt: skip
    made.known_length_cap = cap
    made.window_length = window
    made.window_questioned = window_questioned
    made.window_space = window_space
    made.window_min_words = window_min_words
    return made


def cv_answers(
    problems: list, y: np.ndarray, families: list[str], variant: str, seed: int, short_pool: float = 0.0
) -> np.ndarray:
    """Out-of-fold answers; `short_pool` > 0 simulates PAN15's test split on train: the answering pool's fitted
    texts keep only that share of their words, so the held-out known texts are longer than their impostors."""
    groups = text_groups(problems)
    answers = np.full(len(y), 0.5)
    for fit_rows, held_out in StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(y, y, groups):
        space = "windows" if variant.endswith("-winspace") else "whole"
        least = 200 if variant.endswith("-min200") else 0
        v = verifier(families, *VARIANTS[variant], window_space=space, window_min_words=least)
        v.fit([problems[i] for i in fit_rows], y[fit_rows])
        if short_pool:
            v.train_known_ = {lang: [" ".join(t.split()[: max(1, round(len(t.split()) * short_pool))]) for t in texts]
                              for lang, texts in v.train_known_.items()}  # fmt: skip
        answers[held_out] = v.answer_scores([problems[i] for i in held_out])
    return answers


def test_answers(problems: list, y: np.ndarray, test: list, y_test: np.ndarray, families: list[str],
                 variant: str) -> None:  # fmt: skip
    """Fit one variant on all TRAIN problems, answer the TEST problems and print AUC, c@1 and AUC·c@1."""
    started = time.perf_counter()
    space = "windows" if variant.endswith("-winspace") else "whole"
    least = 200 if variant.endswith("-min200") else 0
    v = verifier(families, *VARIANTS[variant], window_space=space, window_min_words=least).fit(problems, y)
    answers = v.answer_scores(test)
    print(f"{variant}: TEST AUC {auc(y_test, answers):.3f} / c@1 {c_at_1(y_test, answers):.3f} / AUC·c@1 "
          f"{auc_c_at_1(y_test, answers):.3f} ({int((answers != 0.5).sum())} of {len(answers)} answered; "
          f"{time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip


def shift(problems: list, y: np.ndarray, families: list[str]) -> None:
    v = verifier(families, False)
    v.function_words_ = {}
    plain, _ = v._score(problems, {})
    cleaned, _ = v._score(problems, {}, not_impostors=same_author_texts(problems, y))
    sd = plain.std(axis=0) + 1e-9
    print("column: fit-score mean shift in sd when same-author texts leave the pool (all / same / different)")
    for j, name in enumerate(v.columns):
        moved = (cleaned[:, j] - plain[:, j]) / sd[j]
        print(f"  {name}: {moved.mean():+.2f} / {moved[y == 1].mean():+.2f} / {moved[y == 0].mean():+.2f}")


def held_out_shift(problems: list, y: np.ndarray, families: list[str]) -> None:
    """Per column, the mean of the held-out scores (answering's pool) minus the mean of the fit-time scores of the
    same fold's fitted problems, in their standard deviations, averaged over the 5 folds: what the answering pool
    alone moves, with train and held-out drawn from one split."""
    groups = text_groups(problems)
    moved = []
    for fit_rows, held_out in StratifiedGroupKFold(5, shuffle=True, random_state=0).split(y, y, groups):
        v = verifier(families, False).fit([problems[i] for i in fit_rows], y[fit_rows])
        fitted, _ = v._score([problems[i] for i in fit_rows], {})
        answered, _ = v._score([problems[i] for i in held_out], v.train_known_, True)
        moved.append((answered.mean(axis=0) - fitted.mean(axis=0)) / (fitted.std(axis=0) + 1e-9))
    print("column: held-out (answering pool) mean minus fit-time mean, in sd, mean of 5 folds")
    for j, name in enumerate(verifier(families, False).columns):
        print(f"  {name}: {np.mean([m[j] for m in moved]):+.2f}")


def cut_known_shift(problems: list, y: np.ndarray, families: list[str], share: float, pool_only: bool) -> None:
    """Per column, how far fit-time scores move (in sd) when every known text keeps only its first `share` of
    words (the questioned texts whole): how much the scores depend on the known texts' length. The pool is the
    cut known texts, and no problem meets a cut copy of its own texts among its impostors."""

    def cut(text: str) -> str:
        words = text.split()
        return " ".join(words[: max(1, round(len(words) * share))])

    shorter = [Problem(known=[cut(t) for t in p.known], unknown=p.unknown, language=p.language, id=p.id)
               for p in problems]  # fmt: skip
    v = verifier(families, False)
    v.function_words_ = {}
    plain, _ = v._score(problems, {})
    # a text is questioned in one problem and known in another: its cut copy must not become the first one's impostor
    own = [[cut(t) for t in (*p.known, p.unknown)] for p in problems]
    if pool_only:  # the problems keep their known texts whole; only the impostors (the pool) are cut
        langs = v._languages(problems)
        pool: dict[str, list[str]] = {}
        for p, lang in zip(problems, langs, strict=True):
            pool.setdefault(lang, []).extend(cut(t) for t in p.known)
        cut_scores, _ = v._score(problems, pool, from_batch=False, not_impostors=own)
    else:
        cut_scores, _ = v._score(shorter, {}, not_impostors=own)
    sd = plain.std(axis=0) + 1e-9
    what = "the pool's texts (not the problems' own)" if pool_only else "known texts (and so the pool's)"
    print(f"column: fit-score mean shift in sd when {what} keep {share:.0%} of their words (all / same / different)")
    for j, name in enumerate(v.columns):
        d = (cut_scores[:, j] - plain[:, j]) / sd[j]
        print(f"  {name}: {d.mean():+.2f} / {d[y == 1].mean():+.2f} / {d[y == 0].mean():+.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a PAN corpus folder holding train/")
    parser.add_argument("--families", nargs="*", default=["spectrum", "style_gaps"])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--shift", action="store_true")
    parser.add_argument("--held-out-shift", action="store_true")
    parser.add_argument("--cut-known", type=float, default=0.0, help="share of words the known texts keep")
    parser.add_argument("--cut-pool-only", action="store_true", help="--cut-known cuts the impostors only")
    parser.add_argument("--short-pool", type=float, default=0.0, help="CV's answering pool keeps this share of words")
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--test", action="store_true", help="fit each variant on TRAIN and answer TEST (score once)")
    args = parser.parse_args(argv)
    train = read_pan_folder(args.folder / "train")
    problems, y = as_problems(train), np.asarray(train.labels())
    if args.test:
        test = read_pan_folder(args.folder / "test")
        for variant in args.variants:
            test_answers(problems, y, as_problems(test), np.asarray(test.labels()), args.families, variant)
        return 0
    if args.shift:
        shift(problems, y, args.families)
    if args.held_out_shift:
        held_out_shift(problems, y, args.families)
    if args.cut_known:
        cut_known_shift(problems, y, args.families, args.cut_known, args.cut_pool_only)
    for variant in [] if args.no_cv else args.variants:
        started = time.perf_counter()
        scores = [auc_c_at_1(y, cv_answers(problems, y, args.families, variant, seed, args.short_pool))
                  for seed in range(args.repeats)]  # fmt: skip
        repeats = " / ".join(f"{s:.3f}" for s in scores)
        print(f"{variant}: grouped train-CV AUC·c@1 {np.mean(scores):.3f} (repeats {repeats}; "
              f"{time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
