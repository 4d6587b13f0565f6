"""Learnt metrics for the series analysis (issue 14, session 7), tried on the development series of
`series_dev.py` and not kept (BENCHMARKS.md): the consistency statistics with each feature's axis stretched by

- `fisher`: its Fisher ratio (between-writer over within-writer mean square of its square-root frequency), fitted
  for each series on the development writers that series does not draw on (passages of --fit-length words);
- `groups`: the coefficient of its group (family, kind of feature, rank band) in a logistic regression telling
  same-writer from different-writer pairs of texts, on each group's part of their cosine. English series: fitted on
  the pairs of the English development series whose writers the series does not draw on; Russian series: fitted on
  the English development series only (the groups are named in terms every language shares);
- `direct`: the same groups' weights fitted to the series themselves: coordinate ascent (one round, steps x2 and
  x0.5, bounds 1/16-16) on the mean ranking AUC of the English series of --fit-seeds, computed from per-group Gram
  matrices (`probabilities`); `unit` checks that this route with every weight 1 gives the shipped figures.

    python benchmarks/series_metrics.py --ru DATA/ru-rsd --en DATA/reuters-c50 --seeds 100-135 --method groups
    python benchmarks/series_metrics.py --ru DATA/ru-rsd --en DATA/reuters-c50 --seeds 100-135 --method direct \
        --fit-seeds 100-135
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from authorship_series import passages  # noqa: E402
from series_dev import (  # noqa: E402
    DevSeries,
    arguments,
    dev_writers,
    evaluate,
    load,
    owners_of,
    seed_range,
    series_writers,
    show,
    text_writers,
)

from leakdesk.authorship.consistency import FAMILIES, hellinger_rows, series_consistency  # noqa: E402
from leakdesk.authorship.features import ProfileCache, TextProfile  # noqa: E402
from leakdesk.authorship.methods.base import top_vocabulary, vectorize  # noqa: E402

# family -> upper edges of its rank bands (the last band is open)
BANDS: dict[str, tuple[int, ...]] = {
    "characters": (100, 500, 2000),
    "word-forms": (100, 300),
    "function words": (50, 150),
}
WORD_FORM_KINDS = frozenset({"p", "s", "pw", "wp"})  # `features.typed_ngrams`: beginning, ending, punctuation-word
FLOOR, CEILING = 0.05, 20.0  # bounds on a group's weight, relative to the family's median group


def kind_of(family: str, feature: str) -> str:
    """The kind of a feature, in terms every language shares."""
    if family == "characters":
        if any(not (c.isalnum() or c.isspace()) for c in feature):
            return "punct"
        return "space" if " " in feature else "inner"
    if family == "word-forms":
        kind = feature.partition(":")[0]
        return kind if kind in WORD_FORM_KINDS else "other"
    return "word" if any(c.isalnum() for c in feature) else "punct"


def all_groups(family: str) -> list[str]:
    """Every group a family's features can fall in."""
    kinds = {"characters": ["inner", "punct", "space"], "word-forms": sorted(WORD_FORM_KINDS) + ["other"],
             "function words": ["punct", "word"]}[family]  # fmt: skip
    return [f"{k}@{b}" for k in kinds for b in range(len(BANDS[family]) + 1)]


def groups_of(family: str, vocabulary: Sequence[str]) -> list[str]:
    """The group (kind and rank band) of every feature of a vocabulary listed most frequent first."""
    edges = BANDS[family]
    return [f"{kind_of(family, g)}@{int(np.searchsorted(edges, rank, side='right'))}"
            for rank, g in enumerate(vocabulary)]  # fmt: skip


def group_products(
    Z: np.ndarray, family: str, vocabulary: Sequence[str], names: Sequence[str]
) -> np.ndarray:
    """The cosine of every two rows of Z (unit rows) split into the share each feature group (`names`) contributes:
    an array texts x texts x groups whose last axis sums to the cosines."""
    groups = groups_of(family, vocabulary)
    position = {g: k for k, g in enumerate(names)}
    index = np.array([position.get(g, -1) for g in groups])
    out = np.stack([Z[:, index == k] @ Z[:, index == k].T for k in range(len(names))], axis=-1)
    return out


class GroupWeights:
    """A family's learnt metric: the weight of every feature of a vocabulary, from its group's weight."""

    def __init__(self, family: str, table: dict[str, float]) -> None:
        self.family, self.table = family, table

    def __call__(self, vocabulary: list[str]) -> np.ndarray:
        return np.array([self.table.get(g, 1.0) for g in groups_of(self.family, vocabulary)])


def weights_from_coefficients(names: list[str], coefficients: np.ndarray) -> dict[str, dict[str, float]]:
    """Per family, each group's coefficient relative to the family's median group, bounded."""
    out: dict[str, dict[str, float]] = {}
    for family in BANDS:
        mine = [(n.partition("/")[2], c) for n, c in zip(names, coefficients, strict=True)
                if n.partition("/")[0] == family]  # fmt: skip
        positive = [c for _, c in mine if c > 0]
        med = float(np.median(positive)) if positive else 1.0
        out[family] = {g: round(float(np.clip(c / med, FLOOR, CEILING)), 4) for g, c in mine}
    return out



FIT_VOCABULARY = {"characters": 20000, "word-forms": 3000, "function words": 300}


@dataclass
class WriterSums:
    """Per writer (rows) and feature (columns): number of texts, sum and sum of squares of sqrt frequencies."""

    vocabulary: list[str]
    writers: list[str]
    count: np.ndarray
    total: np.ndarray
    squares: np.ndarray


def writer_sums(texts: dict[str, list[TextProfile]], family: str) -> WriterSums:
    get = FAMILIES[family][0]
    writers = sorted(texts)
    counters = {w: [get(p) for p in texts[w]] for w in writers}
    vocab = top_vocabulary([c for w in writers for c in counters[w]], FIT_VOCABULARY[family])
    count = np.array([len(counters[w]) for w in writers], dtype=np.float64)
    total = np.zeros((len(writers), len(vocab)))
    squares = np.zeros_like(total)
    for k, w in enumerate(writers):
        X = np.sqrt(np.stack([vectorize(c, vocab) for c in counters[w]]).astype(np.float64))
        total[k], squares[k] = X.sum(axis=0), (X**2).sum(axis=0)
    return WriterSums(list(vocab), writers, count, total, squares)


def fisher_ratio(sums: WriterSums, keep: np.ndarray) -> np.ndarray:
    """Between-writer over within-writer mean square of every feature (one-way ANOVA's F)."""
    n, s, ss = sums.count[keep], sums.total[keep], sums.squares[keep]
    N, W = n.sum(), len(n)
    within = (ss - s**2 / n[:, None]).sum(axis=0) / max(N - W, 1.0)
    grand = s.sum(axis=0) / N
    between = (n[:, None] * (s / n[:, None] - grand) ** 2).sum(axis=0) / max(W - 1, 1.0)
    return between / (within + 1e-12)


def fisher_weights(vocabulary: list[str], ratio: np.ndarray, power: float) -> Callable[[list[str]], np.ndarray]:
    med = float(np.median(ratio[ratio > 0]))
    table = dict(zip(vocabulary, np.clip((ratio / med) ** power, 0.05, 20.0), strict=True))
    return lambda vocab: np.array([table.get(g, 1.0) for g in vocab])

# a method: (letters, references, language) -> (P(same writer) per letter, separation)
Method = Callable[[list[TextProfile], list[TextProfile], str], tuple[list[float], float]]


def writer_profiles(language: str, root: Path, length: int, cap: int, cache_dir: Path) -> dict[str, list[TextProfile]]:
    """Up to `cap` passages of `length` words of every development writer, profiled (cached)."""
    f = cache_dir / f"writers-{language}-{length}-{cap}.pkl"
    if f.exists():
        return pickle.loads(f.read_bytes())  # type: ignore[no-any-return]
    profiles = ProfileCache()
    out = {}
    for w in dev_writers(language, root):
        chunks = passages(w, length)
        step = max(1, len(chunks) // cap)
        out[w.name] = [profiles.get(t, language) for t in chunks[::step][:cap]]
    f.write_bytes(pickle.dumps(out))
    return out


class FisherLeaveOut:
    """The consistency statistics under Fisher weights fitted, for each series, on the development writers that
    series does not draw on (so no series is scored with weights that saw its own writers)."""

    def __init__(self, sums: dict[str, dict[str, WriterSums]], owners: dict[str, dict[str, str]],
                 power: float = 1.0, families: tuple[str, ...] = tuple(FIT_VOCABULARY)) -> None:  # fmt: skip
        self.sums, self.owners, self.power, self.families = sums, owners, power, families
        self.current: DevSeries | None = None

    def __call__(self, letters: list[TextProfile], refs: list[TextProfile], language: str) -> tuple[list[float], float]:
        assert self.current is not None
        used = series_writers(self.current, self.owners[language])
        weights = {}
        for family in self.families:
            s = self.sums[language][family]
            keep = np.array([w not in used for w in s.writers])
            weights[family] = fisher_weights(s.vocabulary, fisher_ratio(s, keep), self.power)
        found = series_consistency(letters, refs, weights=weights)
        assert found is not None
        return found.probability, found.separation


@dataclass
class Pairs:
    features: np.ndarray  # pairs x groups: each group's share of the two texts' cosine, per family
    same: np.ndarray  # the two texts are by one writer
    writers: list[tuple[str, str]]


def series_pairs(item: DevSeries, owner: dict[str, str]) -> tuple[list[str], Pairs]:
    """Every two texts of a series (letters and pool) with their per-group cosine parts, as in the series' own
    analysis (vocabulary and centring from the series' texts)."""
    texts = item.letters + item.references
    who = text_writers(item, owner)
    names, parts = [], []
    for family, (get, size, _) in FAMILIES.items():
        counters = [get(p) for p in texts]
        vocab = list(top_vocabulary(counters, size))
        Z = hellinger_rows(np.stack([vectorize(c, dict(zip(vocab, range(len(vocab)), strict=True)))
                                     for c in counters]).astype(np.float64))  # fmt: skip
        groups = all_groups(family)
        products = group_products(Z, family, vocab, groups)
        names += [f"{family}/{g}" for g in groups]
        parts.append(products)
    iu = np.triu_indices(len(texts), 1)
    return names, Pairs(np.concatenate([p[iu] for p in parts], axis=-1),
                        np.array([who[a] == who[b] for a, b in zip(*iu, strict=True)]),
                        [(who[a], who[b]) for a, b in zip(*iu, strict=True)])  # fmt: skip


def fit_groups(names: list[str], pairs: list[Pairs], exclude: set[str], C: float = 1.0) -> dict[str, GroupWeights]:
    """Logistic regression of "one writer" on the group parts of the cosines, from pairs whose writers are not
    excluded; its coefficients, per family relative to the median group, are the metric."""
    from sklearn.linear_model import LogisticRegression

    X = np.concatenate([p.features[[a not in exclude and b not in exclude for a, b in p.writers]] for p in pairs])
    y = np.concatenate([p.same[[a not in exclude and b not in exclude for a, b in p.writers]] for p in pairs])
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(X, y)
    table = weights_from_coefficients(names, model.coef_[0])
    return {family: GroupWeights(family, t) for family, t in table.items()}


class GroupsLeaveOut:
    """The consistency statistics under the group metric. English series: fitted on the pairs of the other
    English development series whose two writers the series does not draw on; Russian series: fitted on all the
    English development series (no Russian writer ever seen)."""

    def __init__(self, items: list[DevSeries], owners: dict[str, dict[str, str]], C: float = 1.0) -> None:
        self.owners, self.C = owners, C
        self.pairs: dict[str, list[Pairs]] = {}
        for it in items:
            self.names, p = series_pairs(it, owners[it.language])
            self.pairs.setdefault(it.language, []).append(p)
        self.fixed: dict[str, GroupWeights] | None = None
        self.current: DevSeries | None = None
        self.fitted: dict[str, dict[str, GroupWeights]] = {}

    def weights_for(self, item: DevSeries) -> dict[str, GroupWeights]:
        if item.language != "en":
            if self.fixed is None:
                self.fixed = fit_groups(self.names, self.pairs["en"], set(), self.C)
            return self.fixed
        used = series_writers(item, self.owners["en"])
        key = "|".join(sorted(used))
        if key not in self.fitted:
            self.fitted[key] = fit_groups(self.names, self.pairs["en"], used, self.C)
        return self.fitted[key]

    def __call__(self, letters: list[TextProfile], refs: list[TextProfile], language: str) -> tuple[list[float], float]:
        assert self.current is not None
        found = series_consistency(letters, refs, weights=dict(self.weights_for(self.current)))
        assert found is not None
        return found.probability, found.separation


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__ or "")
    methods = ["fisher", "groups", "direct", "unit", "given"]
    parser.add_argument("--method", choices=methods, nargs="+", default=["groups"])
    parser.add_argument("--power", type=float, nargs="+", default=[1.0], help="fisher: weight = ratio ** power")
    parser.add_argument("--fit-length", type=int, default=1000)
    parser.add_argument("--fit-cap", type=int, default=40, help="fisher: passages per writer")
    parser.add_argument("--C", type=float, nargs="+", default=[1.0], help="groups: inverse regularisation")
    parser.add_argument("--weights", type=str, default="{}",
                        help='given: group weights as JSON, e.g. {"characters/inner@0": 2} (others 1)')
    parser.add_argument("--fit-seeds", type=seed_range, default=None, help="direct: the English series it is fitted on")
    args = parser.parse_args(argv)
    corpora = {k: v for k, v in (("ru", args.ru), ("en", args.en)) if v}
    t0 = time.perf_counter()
    items = load(corpora, args.lengths, args.seeds, args.cache)
    owners = {language: owners_of(language, root, args.lengths, args.cache) for language, root in corpora.items()}
    print(f"{len(items)} series loaded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if "groups" in args.method:
        for C in args.C:
            groups = GroupsLeaveOut(items, owners, C)
            print(show(f"groups C={C}", evaluate(items, groups, not args.no_null)), flush=True)
            if groups.fixed is not None:
                print({f: w.table for f, w in groups.fixed.items()})
    if "unit" in args.method:  # the Gram-matrix route with every weight 1 must give the shipped figures
        unit = FittedGroups({f: np.ones(len(all_groups(f))) for f in FAMILIES})
        print(show("groups all 1 (Gram route)", evaluate(items, unit, not args.no_null)), flush=True)
    if "given" in args.method:
        given = {f: np.ones(len(all_groups(f))) for f in FAMILIES}
        for name, value in json.loads(args.weights).items():
            family, _, group = name.partition("/")
            given[family][all_groups(family).index(group)] = value
        print(show(f"given {args.weights}", evaluate(items, FittedGroups(given), not args.no_null)), flush=True)
    if "direct" in args.method:
        en = [it for it in load({"en": corpora["en"]}, args.lengths, args.fit_seeds, args.cache)]
        weights = fit_to_series([group_grams(it) for it in en])
        print({f: dict(zip(all_groups(f), np.round(w, 3).tolist(), strict=True)) for f, w in weights.items()})
        print(show("direct", evaluate(items, FittedGroups(weights), not args.no_null)), flush=True)
    if "fisher" in args.method:
        sums = {}
        for language, root in corpora.items():
            texts = writer_profiles(language, root, args.fit_length, args.fit_cap, args.cache)
            sums[language] = {f: writer_sums(texts, f) for f in FIT_VOCABULARY}
        for power in args.power:
            method = FisherLeaveOut(sums, owners, power)
            print(show(f"fisher power {power}", evaluate(items, method, not args.no_null)), flush=True)
    return 0



# ------------------------------------------------------------------------------------- (c) groups fitted to series


@dataclass
class GroupGrams:
    """One series' per-family, per-group Gram matrices of the centred square roots (before weights and norms)."""

    n_letters: int
    grams: dict[str, np.ndarray]  # family -> texts x texts x groups (groups as in all_groups(family))
    impostor_at: list[int]


def group_grams(item: DevSeries) -> GroupGrams:
    texts = item.letters + item.references
    grams = {}
    for family, (get, size, _) in FAMILIES.items():
        counters = [get(p) for p in texts]
        vocab = list(top_vocabulary(counters, size))
        index = dict(zip(vocab, range(len(vocab)), strict=True))
        Z = np.sqrt(np.stack([vectorize(c, index) for c in counters]).astype(np.float64))
        Z = Z - Z.mean(axis=0)
        grams[family] = group_products(Z, family, vocab, all_groups(family))
    return GroupGrams(len(item.letters), grams, list(item.series.impostor_at))


def _factor(gram: np.ndarray) -> np.ndarray:
    """Rows whose dot products are the cosines of this Gram matrix (what the statistics see)."""
    d = np.sqrt(np.maximum(np.diag(gram), 1e-24))
    G = gram / np.outer(d, d)
    vals, vecs = np.linalg.eigh(G)
    return vecs * np.sqrt(np.maximum(vals, 0.0))  # type: ignore[no-any-return]


def probabilities(
    g: GroupGrams, weights: dict[str, np.ndarray], keep: list[int] | None = None
) -> tuple[np.ndarray, float]:
    """`series_consistency`'s probabilities and separation (without the pairwise matrix) under group weights, from
    the Gram matrices; `keep`: only these letters (the series without its impostors)."""
    from leakdesk.authorship.consistency import CAP, OTHER_SPREAD, _gauss, _robust, _statistics

    rows = list(range(g.n_letters)) if keep is None else keep
    idx = np.array(rows + list(range(g.n_letters, g.grams["characters"].shape[0])))
    n = len(rows)
    full = np.zeros((len(idx), n), dtype=bool)
    full[np.arange(n), np.arange(n)] = True
    total = np.zeros(n)
    separations = []
    for family, P in g.grams.items():
        Z = _factor(P[np.ix_(idx, idx)] @ weights[family])
        alone, paired, _ = _statistics(Z, n, full)
        med_a, mad_a = _robust(alone[:n])
        med_p, mad_p = _robust(paired[:n])
        s = ((alone - med_a) / mad_a + (paired - med_p) / mad_p) / 2
        same_m, same_s = _robust(s[:n])
        other_m = float(np.mean(s[n:]))
        other_s = max(float(np.std(s[n:])), 0.5, OTHER_SPREAD * abs(same_m - other_m))
        separations.append((same_m - other_m) / same_s)
        llr = _gauss(s[:n], same_m, same_s) - _gauss(s[:n], other_m, other_s)
        llr = np.where(s[:n] > same_m, np.maximum(llr, 0.0), llr)
        total += np.clip(llr, -CAP, CAP)
    return 1 / (1 + np.exp(-total / len(g.grams))), float(np.mean(separations))


def series_auc(grams: list[GroupGrams], weights: dict[str, np.ndarray]) -> float:
    """Mean ranking AUC (impostor below genuine letter) over the series."""
    out = []
    for g in grams:
        p, _ = probabilities(g, weights)
        fake = set(g.impostor_at)
        gen = [k for k in range(len(p)) if k not in fake]
        out.append(np.mean([(p[f] < p[k]) + 0.5 * (p[f] == p[k]) for f in fake for k in gen]))
    return float(np.mean(out))


def fit_to_series(grams: list[GroupGrams], rounds: int = 1, step: float = 2.0) -> dict[str, np.ndarray]:
    """Coordinate ascent on the groups' weights (log steps), maximising the series' mean ranking AUC."""
    weights = {f: np.ones(len(all_groups(f))) for f in FAMILIES}
    best = series_auc(grams, weights)
    print(f"  start auc {best:.4f}", file=sys.stderr, flush=True)
    for _ in range(rounds):
        for family in FAMILIES:
            for k in range(len(weights[family])):
                for factor in (step, 1 / step):
                    trial = {f: w.copy() for f, w in weights.items()}
                    trial[family][k] = float(np.clip(trial[family][k] * factor, 1 / 16, 16))
                    score = series_auc(grams, trial)
                    if score > best + 1e-4:
                        best, weights = score, trial
                        print(f"  {family}/{all_groups(family)[k]} -> {trial[family][k]:.3g}: auc {best:.4f}",
                              file=sys.stderr, flush=True)  # fmt: skip
                        break
    return weights


class FittedGroups:
    """Method (c): group weights fitted to the English development series' ranking (`--fit-seeds`), used for every
    series scored (for English, score other seeds than those fitted)."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.current: DevSeries | None = None
        self._grams: dict[tuple[str, int, int], GroupGrams] = {}

    def __call__(self, letters: list[TextProfile], refs: list[TextProfile], language: str) -> tuple[list[float], float]:
        assert self.current is not None
        it = self.current
        key = (it.language, it.length, it.seed)
        if key not in self._grams:
            self._grams[key] = group_grams(it)
        g = self._grams[key]
        keep = None if len(letters) == g.n_letters else [k for k in range(g.n_letters) if k not in g.impostor_at]
        p, separation = probabilities(g, self.weights, keep)
        return p.tolist(), separation


if __name__ == "__main__":
    raise SystemExit(main())
