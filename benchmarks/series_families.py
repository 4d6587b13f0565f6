"""Feature families for the series analysis (issue 14 item 1, the ranking): which families, weighted how.

    python benchmarks/series_families.py --ru DATA/ru-rsd --en DATA/reuters-c50 --seeds 100-147 \
        --cache /tmp/seriesfeat-cache --sets shipped shipped+grammar ...

Same series and decision rule as `series_dev.py` (it builds and caches the profiles). For every series and family
the family's evidence (bounded LLR per letter, separation, double-centred likeness) is computed once, with the 14
letters and with the 12 genuine letters alone, and cached under --cache/families; a *set* of families is then
combined exactly as `consistency.series_consistency` does (mean LLR, mean likeness, pair step, mean separation).
A set is '+'-joined family names ('shipped' stands for the three shipped families); `@sep` weights each family by
its separation in this series (label-free, no training across series) instead of the plain mean, `@pool` (`@pool2`)
by (2 AUC − 1) (squared) of how well it tells the pool's writers apart in this series (needs the pool's writer
labels, which the product does not have); `/like=` names the families whose likeness the pair step uses (default:
the same). `--pair-ranks` prints, per family, in how many series the impostor pair is the most alike pair of the 91
and among the 10 most alike (by the double-centred likeness the pair step uses).
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from series_dev import DevSeries, arguments, evaluate, load, owners_of, show  # noqa: E402
from style_families import STYLE_FAMILIES  # noqa: E402

from leakdesk.authorship.consistency import (  # noqa: E402
    FAMILIES,
    _statistics,
    double_centred,
    family_llr,
    hellinger_rows,
    pair_step,
)
from leakdesk.authorship.features import TextProfile  # noqa: E402
from leakdesk.authorship.methods.base import top_vocabulary, vectorize  # noqa: E402

ALL = {**FAMILIES, **STYLE_FAMILIES}
SHIPPED = list(FAMILIES)
Evidence = tuple[np.ndarray, float, np.ndarray]  # llr per letter, separation, likeness (letters x letters)


def family_rows(letters: list[TextProfile], refs: list[TextProfile], family: str) -> np.ndarray:
    get, size, _ = ALL[family]
    counters = [get(p) for p in letters + refs]
    vocab = top_vocabulary(counters, size)
    return hellinger_rows(np.stack([vectorize(c, vocab) for c in counters]).astype(np.float64))


def pool_auc(item: DevSeries, family: str, owner: dict[str, str]) -> float:
    """How well the family tells the pool's writers apart inside this series: P(cosine of two texts by one writer >
    cosine of two by different writers), over the reference texts (uses the pool's writer labels)."""
    n = len(item.letters)
    Z = family_rows(item.letters, item.references, family)[n:]
    who = [owner[t] for t in item.series.references]
    sims = Z @ Z.T
    same = [sims[a, b] for a in range(len(who)) for b in range(a + 1, len(who)) if who[a] == who[b]]
    other = [sims[a, b] for a in range(len(who)) for b in range(a + 1, len(who)) if who[a] != who[b]]
    if not same or not other:
        return 0.5
    return float(np.mean([(x > y) + 0.5 * (x == y) for x in same for y in other]))


def evidence(letters: list[TextProfile], refs: list[TextProfile], family: str) -> Evidence:
    """One family's evidence, as inside `series_consistency` (no excluded pairs in the development series)."""
    get, size, _ = ALL[family]
    texts = letters + refs
    n = len(letters)
    counters = [get(p) for p in texts]
    vocab = top_vocabulary(counters, size)
    Z = hellinger_rows(np.stack([vectorize(c, vocab) for c in counters]).astype(np.float64))
    full = np.zeros((len(texts), n), dtype=bool)
    full[np.arange(n), np.arange(n)] = True
    alone, paired, _ = _statistics(Z, n, full)
    llr, separation = family_llr(alone, paired, n)
    return llr, separation, double_centred(Z[:n] @ Z[:n].T)


class Store:
    """Per series and family: the evidence with the impostors and with the genuine letters alone (cached)."""

    def __init__(self, root: Path) -> None:
        self.root = root / "families"
        self.root.mkdir(parents=True, exist_ok=True)
        self.memory: dict[tuple[str, str, bool], Evidence] = {}

    def get(self, item: DevSeries, family: str, null: bool) -> Evidence:
        key = (f"{item.language}-{item.length}-{item.seed}", family, null)
        if key in self.memory:
            return self.memory[key]
        f = self.root / f"{key[0]}-{family.replace(' ', '_')}-{'null' if null else 'full'}.pkl"
        if f.exists():
            found: Evidence = pickle.loads(f.read_bytes())
        else:
            fake = set(item.series.impostor_at)
            letters = [p for k, p in enumerate(item.letters) if not (null and k in fake)]
            found = evidence(letters, item.references, family)
            f.write_bytes(pickle.dumps(found))
        self.memory[key] = found
        return found

    def pool(self, item: DevSeries, family: str, owner: dict[str, str]) -> float:
        f = self.root / f"{item.language}-{item.length}-{item.seed}-{family.replace(' ', '_')}-pool.pkl"
        if f.exists():
            return float(pickle.loads(f.read_bytes()))
        found = pool_auc(item, family, owner)
        f.write_bytes(pickle.dumps(found))
        return found


def combine(parts: list[Evidence], weights: np.ndarray, likeness_parts: list[Evidence]) -> tuple[list[float], float]:
    """P(same writer) per letter and the separation, as `series_consistency` combines its families."""
    llr = sum(w * e[0] for w, e in zip(weights, parts, strict=True)) / weights.sum()
    separation = float(np.mean([e[1] for e in parts]))
    likeness = sum(e[2] for e in likeness_parts) / len(likeness_parts)
    n = len(llr)
    llr, _, _ = pair_step(np.asarray(llr), np.asarray(likeness), np.eye(n, dtype=bool))
    return (1 / (1 + np.exp(-llr))).tolist(), separation


def parse_set(text: str) -> tuple[list[str], str, list[str]]:
    """'shipped+grammar@sep/like=shipped' -> (families, weighting, families of the likeness)."""
    body, _, like = text.partition("/like=")
    body, _, weighting = body.partition("@")
    names = [f for part in body.split("+") for f in (SHIPPED if part == "shipped" else [part])]
    like_names = [f for part in like.split("+") for f in (SHIPPED if part == "shipped" else [part])] if like else names
    for f in names + like_names:
        if f not in ALL:
            raise SystemExit(f"Unknown family '{f}'; known: {', '.join(ALL)}")
    return names, weighting or "mean", like_names


Scorer = Callable[..., tuple[list[float], float]]


def method_for(store: Store, spec: str, owners: dict[str, dict[str, str]] | None = None) -> Scorer:
    names, weighting, like_names = parse_set(spec)

    class Method:
        current: DevSeries | None = None

        def __call__(
            self, letters: list[TextProfile], refs: list[TextProfile], language: str
        ) -> tuple[list[float], float]:
            assert self.current is not None
            null = len(letters) < len(self.current.letters)
            parts = [store.get(self.current, f, null) for f in names]
            like = [store.get(self.current, f, null) for f in like_names]
            if weighting == "sep":
                weights = np.array([max(e[1], 0.0) for e in parts]) + 1e-6
            elif weighting.startswith("sep"):  # sep2: squared separations
                weights = np.array([max(e[1], 0.0) ** float(weighting[3:]) for e in parts]) + 1e-6
            elif weighting.startswith("pool"):  # pool2: (2 AUC - 1)^2 over the pool's writers (labels needed)
                assert owners is not None
                power = float(weighting[4:] or 1)
                auc = np.array([store.pool(self.current, f, owners[self.current.language]) for f in names])
                weights = np.maximum(2 * auc - 1, 0.0) ** power + 1e-6
            else:
                weights = np.ones(len(parts))
            return combine(parts, weights, like)

    return Method()


def pair_ranks(items: list[DevSeries], store: Store, specs: list[str]) -> str:
    """Per family set and language: series whose impostor pair is the most alike pair, and among the 10 most alike."""
    lines = ["== impostor pair among the most alike pairs (top 1 / top 10 of all pairs)"]
    for spec in specs:
        names, _, _ = parse_set(spec)
        for language in sorted({it.language for it in items}):
            top1 = top10 = total = 0
            for it in (x for x in items if x.language == language):
                like = np.mean([store.get(it, f, False)[2] for f in names], axis=0)
                upper = np.triu_indices(len(like), 1)
                a, b = sorted(it.series.impostor_at)
                rank = int(np.sum(like[upper] > like[a, b]))
                top1, top10, total = top1 + (rank == 0), top10 + (rank < 10), total + 1
            lines.append(f"{spec:40s} {language} n={total} top1 {top1} top10 {top10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__ or "")
    parser.add_argument("--sets", nargs="*", default=["shipped"])
    parser.add_argument("--pair-ranks", nargs="*", default=[], help="family sets ('+'-joined) to rank pairs by")
    parser.add_argument("--full", action="store_true", help="every language and length, not only the totals")
    args = parser.parse_args(argv)
    corpora = {k: v for k, v in (("ru", args.ru), ("en", args.en)) if v}
    items = load(corpora, args.lengths, args.seeds, args.cache)
    store = Store(args.cache)
    owners = {lang: owners_of(lang, root, args.lengths, args.cache) for lang, root in corpora.items()}
    if args.pair_ranks:
        print(pair_ranks(items, store, args.pair_ranks))
    for spec in args.sets:
        t0 = time.perf_counter()
        table: dict[str, Any] = evaluate(items, method_for(store, spec, owners), not args.no_null)
        if not args.full:
            table = {k: v for k, v in table.items() if "-" not in k}
        print(show(spec, table) + f"   [{time.perf_counter() - t0:.0f} s]", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
