"""The ranking of a series' letters (issue 14 item 1, session 11): iterative clean-up of the models of "the series".

    python benchmarks/series_rank.py --ru DATA/ru-rsd --en DATA/reuters-c50 --seeds 100-147 \
        --cache /tmp/seriesrank-cache --variants base trim2-asym trim3-sym-it2 ...

Every letter is scored against a model of the other letters, which holds both impostors. A *clean-up* scores the
series once exactly as `consistency.series_consistency` does (three families, the character model at weight 2, the
pair step), takes the k least likely letters (the suspects) out of every other text's model of the series (the
families' centroids, the character model; the reference texts' too) and scores again, then the pair step on the new
LLRs (likeness of the first pass) and the shift. Variants `trimK-MODE[-itN]`:
- K: how many suspects; MODE `asym`: the suspects themselves are scored against the series minus themselves, as
  before (a guard against self-fulfilment); `sym`: every letter, suspects too, against the series minus the suspects
  (and minus itself); `itN`: the clean-up repeated N times, the suspects chosen from the last pass.
`base` is the shipped rule (checked equal to `series_consistency`). Per series and variant the final LLRs and
separation are cached under --cache/rank; the decision rule and the figures are `series_dev.py`'s.
"""

from __future__ import annotations

import pickle
import sys
import time
from functools import partial
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from series_dev import DevSeries, arguments, evaluate, load, show  # noqa: E402

from leakdesk.authorship.consistency import (  # noqa: E402
    FAMILIES,
    SEQUENTIAL_WEIGHT,
    SHIFT,
    _matrix,
    _statistics,
    double_centred,
    family_llr,
    pair_step,
)
from leakdesk.authorship.features import TextProfile  # noqa: E402
from leakdesk.authorship.sequential import CharCounts, SeriesModel  # noqa: E402

Result = tuple[np.ndarray, float]  # final LLR per letter (before the shift), separation


class SeriesScorer:
    """The shipped evidence of one series, recomputable for any set of letters left out of each text's model."""

    def __init__(self, letters: list[TextProfile], refs: list[TextProfile], order: int = 5) -> None:
        texts = letters + refs
        self.n, self.total = len(letters), len(texts)
        self.Z = {family: _matrix(texts, family) for family in FAMILIES}
        # the product's character model of the series, any left-out set's model built once
        self.model = SeriesModel([p.text for p in texts], self.n, partial(CharCounts, order=order))
        self.h_pool = self.model.h_pool
        self.likeness = self._likeness()

    def entropy(self, text: int, without: frozenset[int]) -> float:
        """H(text | the series without `without`), memoised per left-out set."""
        return self.model.entropy(text, without)

    def _likeness(self) -> np.ndarray:
        n = self.n
        like = sum(double_centred(Z[:n] @ Z[:n].T) for Z in self.Z.values())
        helps = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                if i != j:
                    helps[i, j] = self.entropy(i, frozenset({i, j})) - self.entropy(i, frozenset({i}))
        return (like + SEQUENTIAL_WEIGHT * double_centred(helps + helps.T)) / (len(FAMILIES) + SEQUENTIAL_WEIGHT)

    def sequential(self, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(alone, paired) of the character model; `out[x, j]`: letter j is not in text x's model of the series."""
        n = self.n
        alone, paired = np.zeros(self.total), np.zeros(self.total)
        for x in range(self.total):
            own = frozenset(np.flatnonzero(out[x]).tolist()) | ({x} if x < n else set())
            alone[x] = self.h_pool[x] - self.entropy(x, own)
            partners = [j for j in range(n) if j not in own]
            paired[x] = min((self.h_pool[x] - self.entropy(x, own | {j}) for j in partners), default=alone[x])
        return alone, paired

    def score(self, out: np.ndarray) -> tuple[np.ndarray, float, dict[str, np.ndarray]]:
        """Mean LLR per letter (before the pair step), mean separation, per-family LLRs."""
        n = self.n
        full = out.copy()
        full[np.arange(n), np.arange(n)] = True
        alone, paired = self.sequential(full)
        llr, sep = family_llr(alone, paired, n)
        per = {"lm": llr}
        total, seps = SEQUENTIAL_WEIGHT * llr, [sep] * int(SEQUENTIAL_WEIGHT)
        for family, Z in self.Z.items():
            a, p, _ = _statistics(Z, n, full)
            f_llr, f_sep = family_llr(a, p, n)
            per[family] = f_llr
            total, seps = total + f_llr, seps + [f_sep]
        return total / (len(FAMILIES) + SEQUENTIAL_WEIGHT), float(np.mean(seps)), per

    def final(self, mean_llr: np.ndarray) -> np.ndarray:
        out, _, _ = pair_step(mean_llr, self.likeness, np.eye(self.n, dtype=bool))
        return out


def variant_rule(scorer: SeriesScorer, name: str, first: tuple[np.ndarray, float]) -> Result:
    """The final LLRs of one variant (see the module text), from the first pass's (final LLR, separation)."""
    if name == "base":
        return first
    parts = name.split("-")
    k, mode = int(parts[0][4:]), parts[1]
    iterations = int(parts[2][2:]) if len(parts) > 2 else 1
    llr, sep = first
    n = scorer.n
    for _ in range(iterations):
        suspects = np.argsort(llr, kind="stable")[:k]
        out = np.zeros((scorer.total, n), dtype=bool)
        out[:, suspects] = True
        if mode == "asym":
            out[suspects] = False
        mean, sep, _ = scorer.score(out)
        llr = scorer.final(mean)
    return llr, sep


def run_series(job: tuple[DevSeries, bool, list[str], Path]) -> tuple[str, bool, dict[str, Result], float]:
    item, null, variants, root = job
    key = f"{item.language}-{item.length}-{item.seed}-{'null' if null else 'full'}"
    f = root / f"{key}.pkl"
    known: dict[str, Result] = pickle.loads(f.read_bytes()) if f.exists() else {}
    todo = [v for v in variants if v not in known]
    t0 = time.perf_counter()
    if todo:
        fake = set(item.series.impostor_at)
        letters = [p for k, p in enumerate(item.letters) if not (null and k in fake)]
        scorer = SeriesScorer(letters, item.references)
        mean, sep, _ = scorer.score(np.zeros((scorer.total, scorer.n), dtype=bool))
        first = (scorer.final(mean), sep)
        for v in todo:
            known[v] = variant_rule(scorer, v, first)
        f.write_bytes(pickle.dumps(known))
    return key, null, {v: known[v] for v in variants}, time.perf_counter() - t0


class Cached:
    """A `series_dev` method answering from the computed results of one variant (with the shipped shift)."""

    current: DevSeries | None = None

    def __init__(self, results: dict[str, dict[str, Result]], variant: str, shift: float) -> None:
        self.results, self.variant, self.shift = results, variant, shift

    def __call__(self, letters: list[TextProfile], refs: list[TextProfile], language: str) -> tuple[list[float], float]:
        assert self.current is not None
        it = self.current
        null = len(letters) < len(it.letters)
        llr, sep = self.results[f"{it.language}-{it.length}-{it.seed}-{'null' if null else 'full'}"][self.variant]
        return (1 / (1 + np.exp(-(llr + self.shift)))).tolist(), sep


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__ or "")
    parser.add_argument("--variants", nargs="*", default=["base"])
    parser.add_argument("--shifts", type=float, nargs="*", default=[SHIFT])
    parser.add_argument("--full", action="store_true", help="every language and length, not only the totals")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    corpora = {k: v for k, v in (("ru", args.ru), ("en", args.en)) if v}
    items = load(corpora, args.lengths, args.seeds, args.cache)
    root = args.cache / "rank"
    root.mkdir(parents=True, exist_ok=True)
    jobs = [(it, null, args.variants, root) for it in items for null in (False, True)]
    results: dict[str, dict[str, Result]] = {}
    t0, seconds = time.perf_counter(), 0.0
    with Pool(args.workers) as pool:
        for key, _, found, spent in pool.imap_unordered(run_series, jobs, chunksize=2):
            results[key], seconds = found, seconds + spent
    print(f"{len(items)} series in {time.perf_counter() - t0:.0f} s ({seconds / len(items):.2f} s per series "
          "with its null)", file=sys.stderr)
    for variant in args.variants:
        for shift in args.shifts:
            table: dict[str, Any] = evaluate(items, Cached(results, variant, shift), True)
            if not args.full:
                table = {k: v for k, v in table.items() if "-" not in k}
            print(show(f"{variant} shift {shift:+g}", table), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
