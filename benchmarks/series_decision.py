"""The decision and the pair structure of the series analysis (issue 14, session 9), tried on the development
series of `series_dev.py`.

The shipped statistics are recomputed from each family's Gram matrix (every cosine between centroids of letters
and reference texts is a sum of its entries), so a variant is a few lines and a run over 216 series takes seconds:

- `gram`: the session-4 method (no pair step) by this route; with --flag 0.4 it gives session 7's figures exactly;
- `coherent`: the partner of a letter chosen, and the pair scored, with the two letters' own resemblance counted:
  the double-centred cosine of the two (how much more alike they are than their rows of similarities predict),
  times --lam, subtracted from the pair's statistic (two letters by one other hand resemble each other; a genuine
  letter from another book resembles nobody in particular);
- `gap`: the shipped probabilities, and the second lowest letter flagged too when the lowest is flagged and the
  second lies at least --gap robust SDs (of letters 3..n) below the rest's median (a two-outlier test on the
  series' own LLRs; meaningful with --flag 0.4 only, as it sets a probability of 0.39);
- `pair`: the pair step (`consistency.pair_step`, kept in session 9) with --k candidates and weight --mu;
- `diag`: per series, the impostors' ranks and where the impostor pair stands among every two letters by likeness.
Every method is scored at each --flag threshold (its probabilities moved so the threshold falls on BAND's lower edge).

    python benchmarks/series_decision.py --ru DATA/ru-rsd --en DATA/reuters-c50 --seeds 100-135 --method gram
"""

from __future__ import annotations

import itertools
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from series_dev import DevSeries, arguments, evaluate, load, show  # noqa: E402

from leakdesk.authorship.consistency import (  # noqa: E402
    BAND,
    FAMILIES,
    REF_WEIGHT,
    _matrix,
    _robust,
    family_llr,
)
from leakdesk.authorship.features import TextProfile  # noqa: E402

Grams = dict[str, np.ndarray]


def grams(texts: list[TextProfile]) -> Grams:
    """Per family, the cosine of every two texts (rows of `_matrix` are of unit length)."""
    out = {}
    for family in FAMILIES:
        Z = _matrix(texts, family)
        out[family] = Z @ Z.T
    return out


def centroid_cos(G: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the mean of rows a with the mean of rows b (index arrays), from the Gram matrix."""
    ab = G[np.ix_(a, b)].sum()
    aa = G[np.ix_(a, a)].sum()
    bb = G[np.ix_(b, b)].sum()
    return float(ab / (np.sqrt(aa * bb) + 1e-12))


def statistics(G: np.ndarray, n: int, lam: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(alone, paired, partner) for every text (letters first), as `consistency._statistics`, from the Gram matrix.
    lam > 0: the pair's double-centred cosine, times lam, taken off the pair's statistic (choosing the partner)."""
    total = len(G)
    letters = np.arange(n)
    refs_all = np.arange(n, total)
    L = G[:n, :n]
    off = ~np.eye(n, dtype=bool)
    row = np.array([L[i, off[i]].mean() for i in range(n)])
    grand = L[off].mean()
    alone = np.zeros(total)
    paired = np.zeros(total)
    partner = np.zeros(total, dtype=int)
    for x in range(total):
        others = letters[letters != x]
        refs = refs_all[refs_all != x]
        alone[x] = centroid_cos(G, np.array([x]), others) - REF_WEIGHT * centroid_cos(G, np.array([x]), refs)
        best, arg = np.inf, -1
        mx = G[x, others].mean() if x >= n else row[x]
        for j in others:
            rest = others[others != j]
            pair = np.array([x, j])
            s = centroid_cos(G, pair, rest) - REF_WEIGHT * centroid_cos(G, pair, refs)
            if lam:
                s -= lam * (G[x, j] - mx - row[j] + grand)
            if s < best:
                best, arg = s, int(j)
        paired[x], partner[x] = best, arg
    return alone, paired, partner


class Cached:
    """Gram matrices per (series, null or not), computed once per run."""

    def __init__(self) -> None:
        self.current: DevSeries | None = None
        self._grams: dict[tuple[int, int], Grams] = {}

    folder: Path | None = None

    def grams(self, letters: list[TextProfile], refs: list[TextProfile]) -> Grams:
        item = self.current
        key = (id(item), len(letters))
        if key not in self._grams:
            f = None
            if self.folder is not None and item is not None:
                f = self.folder / f"grams-{item.language}-{item.length}-{item.seed}-{len(letters)}.pkl"
            if f is not None and f.exists():
                self._grams[key] = pickle.loads(f.read_bytes())
            else:
                self._grams[key] = grams(letters + refs)
                if f is not None:
                    f.write_bytes(pickle.dumps(self._grams[key]))
        return self._grams[key]


CACHE = Cached()
BASE: dict[tuple[int, int, float], tuple[np.ndarray, float, dict[str, Any]]] = {}  # the statistics, once a run


class GramMethod:
    """The shipped statistics (lam 0) or the coherent partner (lam > 0), from the Gram matrices."""

    def __init__(self, lam: float = 0.0) -> None:
        self.lam = lam

    @property
    def current(self) -> DevSeries | None:
        return CACHE.current

    @current.setter
    def current(self, item: DevSeries | None) -> None:
        CACHE.current = item

    def llr(self, letters: list[TextProfile], refs: list[TextProfile]) -> tuple[np.ndarray, float, dict[str, Any]]:
        key = (id(CACHE.current), len(letters), self.lam)
        if key not in BASE:
            BASE[key] = self._llr(letters, refs)
        llr, sep, extra = BASE[key]
        return llr.copy(), sep, extra

    def _llr(self, letters: list[TextProfile], refs: list[TextProfile]) -> tuple[np.ndarray, float, dict[str, Any]]:
        n = len(letters)
        total, seps, extra = np.zeros(n), [], {}
        for family, G in CACHE.grams(letters, refs).items():
            alone, paired, partner = statistics(G, n, self.lam)
            llr, sep = family_llr(alone, paired, n)
            total += llr
            seps.append(sep)
            extra[family] = (alone, paired, partner)
        return total / len(FAMILIES), float(np.mean(seps)), extra

    def __call__(self, letters: list[TextProfile], refs: list[TextProfile], language: str) -> tuple[list[float], float]:
        llr, sep, _ = self.llr(letters, refs)
        return (1 / (1 + np.exp(-llr))).tolist(), sep


class GapMethod(GramMethod):
    """The shipped LLRs; the two lowest letters flagged together when a two-outlier gap sets them apart."""

    def __init__(self, gap: float, lam: float = 0.0, second: float = 0.5, first: float = 0.4) -> None:
        super().__init__(lam)
        self.gap, self.second, self.first = gap, second, first

    def __call__(self, letters: list[TextProfile], refs: list[TextProfile], language: str) -> tuple[list[float], float]:
        llr, sep, _ = self.llr(letters, refs)
        prob = 1 / (1 + np.exp(-llr))
        order = np.argsort(llr, kind="stable")
        rest = llr[order[2:]]
        med, mad = _robust(rest)
        a, b = order[0], order[1]
        if (med - llr[b]) / mad >= self.gap and prob[a] < self.first and prob[b] < self.second:
            prob[b] = min(prob[b], 0.39)
        return prob.tolist(), sep


def residuals(gram: Grams, n: int) -> np.ndarray:
    """Letter x letter: the double-centred cosine (how much more alike two letters are than their rows of
    similarities predict), averaged over the families, as robust z-scores over every two letters."""
    resid = np.zeros((n, n))
    for G in gram.values():
        L = G[:n, :n].copy()
        np.fill_diagonal(L, np.nan)
        row = np.nanmean(L, axis=1)
        resid += (L - row[:, None] - row[None, :] + np.nanmean(L)) / len(gram)
    iu = np.triu_indices(n, 1)
    med, mad = _robust(resid[iu])
    z = (resid - med) / mad
    np.fill_diagonal(z, 0.0)
    return z


def joined_pair(llr: np.ndarray, z: np.ndarray, k: int, mu: float, zmin: float = 0.0) -> np.ndarray:
    """The pair step with its settings as arguments (the product's `consistency.pair_step` has k 3, mu 0.5, zmin 0):
    among the `k` lowest letters, the pair with the lowest mean LLR minus mu times their resemblance z (z ≥ zmin)
    gives both letters that score when it is lower than their own. Changes and returns `llr`."""
    best, pair = np.inf, None
    for a, b in itertools.combinations(np.argsort(llr, kind="stable")[:k], 2):
        if z[a, b] < zmin:
            continue
        q = (llr[a] + llr[b]) / 2 - mu * z[a, b]
        if q < best:
            best, pair = q, (a, b)
    if pair is not None:
        for a in pair:
            llr[a] = min(llr[a], best)
    return llr


class PairMethod(GramMethod):
    """The shipped LLRs; among the `k` lowest letters, the pair with the lowest joint score (mean LLR minus mu
    times their resemblance z) gives both letters that score when it is lower than their own."""

    def __init__(self, k: int, mu: float, zmin: float = 0.0) -> None:
        super().__init__(0.0)
        self.k, self.mu, self.zmin = k, mu, zmin

    def __call__(self, letters: list[TextProfile], refs: list[TextProfile], language: str) -> tuple[list[float], float]:
        llr, sep, _ = self.llr(letters, refs)
        n = len(letters)
        llr = joined_pair(llr, residuals(CACHE.grams(letters, refs), n), self.k, self.mu, self.zmin)
        return (1 / (1 + np.exp(-llr))).tolist(), sep


class Threshold:
    """A method's probabilities moved so that `flag` (instead of BAND's lower edge) is where a letter is flagged;
    the method's answers are kept, so a sweep of thresholds costs one run."""

    def __init__(self, method: GramMethod, flag: float, memo: dict[tuple[int, int], Any]) -> None:
        self.method, self.flag, self.memo = method, flag, memo

    @property
    def current(self) -> DevSeries | None:
        return CACHE.current

    @current.setter
    def current(self, item: DevSeries | None) -> None:
        CACHE.current = item

    def __call__(self, letters: list[TextProfile], refs: list[TextProfile], language: str) -> tuple[list[float], float]:
        key = (id(CACHE.current), len(letters))
        if key not in self.memo:
            self.memo[key] = self.method(letters, refs, language)
        prob, sep = self.memo[key]
        llr = np.log(np.asarray(prob) / (1 - np.asarray(prob)))
        shift = np.log(BAND[0] / (1 - BAND[0])) - np.log(self.flag / (1 - self.flag))
        return (1 / (1 + np.exp(-(llr + shift)))).tolist(), sep


METHODS: dict[str, Callable[..., Any]] = {"gram": GramMethod, "coherent": GramMethod, "gap": GapMethod,
                                          "pair": PairMethod}


def diagnose(items: list[DevSeries]) -> None:
    """Per series: the impostors' ranks by the shipped LLR, and where the impostor pair stands among all pairs of
    letters by its double-centred cosine (averaged over the families)."""
    method = GramMethod()
    counts: dict[str, list[int]] = {}
    for item in items:
        CACHE.current = item
        llr, sep, _ = method.llr(item.letters, item.references)
        n = len(item.letters)
        resid = np.zeros((n, n))
        for G in CACHE.grams(item.letters, item.references).values():
            L = G[:n, :n].copy()
            np.fill_diagonal(L, np.nan)
            row = np.nanmean(L, axis=1)
            resid += (L - row[:, None] - row[None, :] + np.nanmean(L)) / len(FAMILIES)
        fake = sorted(item.series.impostor_at)
        order = np.argsort(llr, kind="stable")
        ranks = sorted(int(np.where(order == f)[0][0]) for f in fake)
        iu = np.triu_indices(n, 1)
        pair_vals = resid[iu]
        pair_rank = int((pair_vals > resid[fake[0], fake[1]]).sum())
        key = f"{item.language}-{item.length}"
        counts.setdefault(key, []).append(pair_rank)
        print(f"{key} seed {item.seed}: impostor ranks {ranks} sep {sep:.1f} pair residual rank {pair_rank} "
              f"lowest-two residual rank {int((pair_vals > resid[order[0], order[1]]).sum())}")
    for key, v in counts.items():
        print(key, "impostor pair top residual", sum(r == 0 for r in v), "of", len(v), "top-3", sum(r < 3 for r in v))


# ------------------------------------------------------------------------------ session 10: calibration by injection


def fast_statistics(G: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(alone, paired) for every text of the Gram matrix G (letters first), as `statistics` with lam 0, with the
    partners scored at once (every centroid cosine is a sum of G's entries)."""
    total = len(G)
    letters = np.arange(n)
    refs_all = np.arange(n, total)
    diag = np.diag(G)
    alone = np.zeros(total)
    paired = np.zeros(total)
    for x in range(total):
        others = letters[letters != x]
        R = refs_all[refs_all != x]
        gO = G[x, others]
        GO = G[np.ix_(others, others)]
        sOO = GO.sum()
        rO = GO.sum(axis=1)
        gR = G[x, R].sum()
        sRR = G[np.ix_(R, R)].sum()
        jR = G[np.ix_(others, R)].sum(axis=1)
        alone[x] = gO.sum() / np.sqrt(diag[x] * sOO + 1e-24) - REF_WEIGHT * gR / np.sqrt(diag[x] * sRR + 1e-24)
        pp = diag[x] + 2 * gO + diag[others]
        rr = sOO - 2 * rO + diag[others]
        prest = (gO.sum() - gO) + (rO - diag[others])
        s = prest / np.sqrt(pp * rr + 1e-24) - REF_WEIGHT * (gR + jR) / np.sqrt(pp * sRR + 1e-24)
        paired[x] = s.min()
    return alone, paired


def final_llr(gram: Grams, n: int, k: int = 3, mu: float = 0.5) -> tuple[np.ndarray, float]:
    """The shipped per-letter LLRs after the pair step (PAIR_CANDIDATES 3, PAIR_WEIGHT 0.5) and the separation."""
    total, seps = np.zeros(n), []
    for G in gram.values():
        alone, paired = fast_statistics(G, n)
        llr, sep = family_llr(alone, paired, n)
        total += llr
        seps.append(sep)
    return joined_pair(total / len(gram), residuals(gram, n), k, mu), float(np.mean(seps))


def reference_pairs(n_references: int, count: int = 12) -> list[tuple[int, int]]:
    """`count` pairs of reference texts (indices), the same for the same pool size, drawn with a fixed seed from
    every two texts (a case's pool does not say who wrote which): the trials of the candidate detection check
    (commit a05dda1, `consistency.detection_check`, not kept)."""
    every = list(itertools.combinations(range(n_references), 2))
    rng = np.random.default_rng(n_references)
    chosen = rng.choice(len(every), size=min(count, len(every)), replace=False)
    return [every[i] for i in sorted(chosen.tolist())]


def permuted(gram: Grams, order: list[int]) -> Grams:
    return {f: G[np.ix_(order, order)] for f, G in gram.items()}


def injections(gram: Grams, n: int, n_refs: int, per_writer: int = 3) -> dict[str, Any]:
    """The series' own LLRs, then the series with its two least likely letters taken out and two reference texts
    put in their place (every pair of texts by one pool writer, and as many pairs by two writers): where do an
    outsider's two letters land in this series? The pool's writers are known to the benchmark only (its texts
    come in blocks of `per_writer`)."""
    llr, sep = final_llr(gram, n)
    suspects = np.argsort(llr, kind="stable")[:2].tolist()
    keep = [i for i in range(n) if i not in suspects]
    refs = list(range(n, n + n_refs))
    same = [(refs[a], refs[b]) for w in range(n_refs // per_writer)
            for a, b in itertools.combinations(range(w * per_writer, (w + 1) * per_writer), 2)]  # fmt: skip
    rng = np.random.default_rng(n_refs * 1000 + n)
    cross_all = [(refs[a], refs[b]) for a, b in itertools.combinations(range(n_refs), 2)
                 if a // per_writer != b // per_writer]  # fmt: skip
    cross = [cross_all[i] for i in rng.choice(len(cross_all), size=len(same), replace=False)]
    trials = []
    pool = [(refs[a], refs[b]) for a, b in reference_pairs(n_refs)]
    for kind, pairs in (("same", same), ("cross", cross), ("pool", pool)):
        for a, b in pairs:
            order = keep + [a, b] + [r for r in refs if r not in (a, b)]
            f, s = final_llr(permuted(gram, order), n)
            trials.append({"kind": kind, "injected": f[n - 2:].copy(), "kept": f[: n - 2].copy(), "sep": s})
    return {"llr": llr, "sep": sep, "suspects": suspects, "trials": trials}


def injected(items: list[DevSeries]) -> list[dict[str, Any]]:
    """`injections` for every series and for its 12 genuine letters alone (same pool), cached beside the Grams."""
    out = []
    for item in items:
        f = None if CACHE.folder is None else CACHE.folder / f"inject2-{item.language}-{item.length}-{item.seed}.pkl"
        if f is not None and f.exists():
            out.append(pickle.loads(f.read_bytes()))
            continue
        CACHE.current = item
        fake = sorted(item.series.impostor_at)
        genuine = [item.letters[k] for k in range(len(item.letters)) if k not in fake]
        n_refs = len(item.references)
        record = {"language": item.language, "length": item.length, "seed": item.seed, "fake": fake,
                  "series": injections(CACHE.grams(item.letters, item.references), len(item.letters), n_refs),
                  "null": injections(CACHE.grams(genuine, item.references), len(genuine), n_refs)}  # fmt: skip
        if f is not None:
            f.write_bytes(pickle.dumps(record))
        out.append(record)
    return out


FLAG = float(np.log(BAND[0] / (1 - BAND[0])))  # the shipped LLR below which a letter is flagged


def trial_share(part: dict[str, Any], kind: str, criterion: str) -> float:
    """Share of one kind's trials won: `lowest` when the two injected texts are the two least likely letters,
    `flagged` when both are flagged, `both` when both."""
    won = []
    for t in part["trials"]:
        if t["kind"] != kind:
            continue
        low = t["injected"].max() < t["kept"].min()
        flagged = t["injected"].max() < FLAG
        won.append({"lowest": low, "flagged": flagged, "both": low and flagged}[criterion])
    return float(np.mean(won))


Rule = Callable[[dict[str, Any]], np.ndarray | None]  # a series' record -> flagged letters, or None: cannot tell


def rule_shipped(min_separation: float = 1.5) -> Rule:
    return lambda part: None if part["sep"] < min_separation else part["llr"] < FLAG


def rule_check(kind: str, criterion: str, share: float) -> Rule:
    """The shipped rule, and "cannot tell" for the whole series when fewer trials than `share` are won."""
    return lambda part: None if part["sep"] < 1.5 or trial_share(part, kind, criterion) < share else part["llr"] < FLAG


def rule_quantile(kind: str, q: float, cap: float) -> Rule:
    """Per-series threshold: the q-quantile of the injected texts' LLRs (at most `cap`)."""
    def rule(part: dict[str, Any]) -> np.ndarray | None:
        if part["sep"] < 1.5:
            return None
        injected = np.concatenate([t["injected"] for t in part["trials"] if t["kind"] == kind])
        return part["llr"] < min(float(np.quantile(injected, q)), cap)
    return rule


def score_rule(records: list[dict[str, Any]], rule: Rule) -> list[dict[str, Any]]:
    rows = []
    for r in records:
        llr, fake = r["series"]["llr"], r["fake"]
        genuine = [k for k in range(len(llr)) if k not in fake]
        flags, null = rule(r["series"]), rule(r["null"])
        lowest = set(np.argsort(llr, kind="stable")[:2].tolist()) == set(fake)
        rows.append({"key": f"{r['language']}-{r['length']}", "decided": flags is not None,
                     "hit": flags is not None and lowest and all(flags[k] for k in fake),
                     "false": 0 if flags is None else int(sum(flags[k] for k in genuine)),
                     "null_decided": null is not None, "null_false": 0 if null is None else int(null.sum())})
    return rows


def rule_line(rows: list[dict[str, Any]]) -> str:
    n, decided = len(rows), [r for r in rows if r["decided"]]
    hits = sum(r["hit"] for r in rows)
    return (f"n {n:3d} lowest+flagged {hits:3d} ({hits / n:.0%}) false {np.mean([r['false'] for r in rows]):.2f} "
            f"no impostor {np.mean([r['null_false'] for r in rows]):.2f} (max {max(r['null_false'] for r in rows)})"
            f" | decided {len(decided):3d} lowest+flagged {sum(r['hit'] for r in decided) / max(len(decided), 1):.0%}"
            f" false {np.mean([r['false'] for r in decided] or [0.0]):.2f}; no impostor decided "
            f"{sum(r['null_decided'] for r in rows)}")


def sweep_rules(records: list[dict[str, Any]], shares: list[float], full: bool) -> None:
    """The decision rules of session 10 on the injection records (`injected`)."""
    runs: list[tuple[str, Rule]] = [("shipped", rule_shipped())]
    runs += [(f"separation >= {s}", rule_shipped(s)) for s in (2.0, 2.5, 3.0)]
    runs += [(f"quantile {kind} q {q} cap {cap}", rule_quantile(kind, q, cap))
             for kind in ("same", "cross") for q in (0.5, 0.75, 0.9) for cap in (0.0, -1.0)]  # fmt: skip
    runs += [(f"check {kind} {crit} >= {s}", rule_check(kind, crit, s))
             for kind in ("same", "cross", "pool") for crit in ("lowest", "flagged", "both")
             for s in shares]  # fmt: skip
    for name, rule in runs:
        rows = score_rule(records, rule)
        print(f"{name:34s} {rule_line(rows)}")
        if full:
            for key in sorted({r["key"] for r in rows}):
                print(f"   {key:8s} {rule_line([r for r in rows if r['key'] == key])}")


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__ or "")
    parser.add_argument("--method", choices=sorted(METHODS) + ["diag", "inject"], default="gram")
    parser.add_argument("--lam", type=float, nargs="+", default=[0.0])
    parser.add_argument("--gap", type=float, nargs="+", default=[2.0])
    parser.add_argument("--second", type=float, nargs="+", default=[0.5])
    parser.add_argument("--k", type=int, nargs="+", default=[4])
    parser.add_argument("--mu", type=float, nargs="+", default=[0.5])
    parser.add_argument("--zmin", type=float, nargs="+", default=[0.0])
    parser.add_argument("--flag", type=float, nargs="+", default=[BAND[0]], help="flag below these probabilities")
    parser.add_argument("--share", type=float, nargs="+", default=[0.5, 0.75, 0.9],
                        help="inject: cannot tell below this share of trials won")
    parser.add_argument("--full", action="store_true", help="every language and length, not only all series")
    args = parser.parse_args(argv)
    corpora = {k: v for k, v in (("ru", args.ru), ("en", args.en)) if v}
    CACHE.folder = args.cache
    t0 = time.perf_counter()
    items = load(corpora, args.lengths, args.seeds, args.cache)
    print(f"{len(items)} series loaded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.method == "diag":
        diagnose(items)
        return 0
    if args.method == "inject":
        sweep_rules(injected(items), args.share, args.full)
        return 0
    if args.method in ("gram", "coherent"):
        runs = [(f"{args.method} lam {lam}", GramMethod(lam)) for lam in args.lam]
    elif args.method == "pair":
        runs = [(f"pair k {k} mu {mu} zmin {zm}", PairMethod(k, mu, zm))
                for k, mu, zm in itertools.product(args.k, args.mu, args.zmin)]  # fmt: skip
    else:
        runs = [(f"gap {g} lam {lam} second {s}", GapMethod(g, lam, s))
                for g, lam, s in itertools.product(args.gap, args.lam, args.second)]  # fmt: skip
    for name, method in runs:
        t1 = time.perf_counter()
        memo: dict[tuple[int, int], Any] = {}
        for flag in args.flag:
            table = evaluate(items, Threshold(method, flag, memo), not args.no_null)
            print(show(f"{name} flag {flag}", table if args.full else {"all": table["all"]}), flush=True)
        print(f"  ({time.perf_counter() - t1:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
