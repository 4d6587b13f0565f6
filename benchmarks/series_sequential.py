"""Sequential evidence for the series analysis (issue 14 item 1, session 10): a character n-gram language model.

    python benchmarks/series_sequential.py --ru DATA/ru-rsd --en DATA/reuters-c50 --seeds 100-147 \
        --cache /tmp/seriesfeat-cache --lm-cache /tmp/serieslm-cache --sets lm5 shipped+lm5/like=shipped ...

Not a bag of features: each letter is scored by how well a smoothed character model of the *other* letters of the
series predicts it (cross-entropy, bits per character), set against how well a model of the reference pool predicts
it. For letter i (S = the letters, P = the pool):
- alone[i]   = H(i | P) − H(i | S∖i)                  (higher: more like the series than like another writer)
- paired[i]  = min over letters j of H(i | P) − H(i | S∖{i,j})   (its most helpful letter held out too)
- for a reference text r, alone = H(r | P∖r) − H(r | S) and paired = min over j of H(r | P∖r) − H(r | S∖j),
so the pool shows what "another writer" scores, and `consistency.family_llr` turns the two statistics into the
same bounded LLR and separation as the shipped families. The letters' likeness (for the pair step) is how much
letter j helps predict letter i and i helps j: H(i | S∖{i,j}) − H(i | S∖i) + H(j | S∖{i,j}) − H(j | S∖j),
double-centred.

The model is interpolated absolute discounting (Kneser-Ney's discount on plain counts, an escape to the next lower
order in proportion to the distinct characters seen after the context, PPM-style) of order K (family `lmK`,
`lmK-wb` for Witten-Bell escapes), over the text as it is (case kept, whitespace runs as one space), the lowest order
backing off to a uniform distribution over the characters of the 26 texts. Counts are held per text, so a model of
any subset is a sum of count vectors (no refitting). Evidence per family is cached under --lm-cache; the shipped
families' evidence comes from `series_families.py`'s cache under --cache.
"""

from __future__ import annotations

import pickle
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import series_families  # noqa: E402
from series_dev import DevSeries, evaluate, load, show  # noqa: E402
from series_families import Evidence, Store, method_for  # noqa: E402

from leakdesk.authorship.consistency import double_centred, family_llr  # noqa: E402
from leakdesk.authorship.features import TextProfile  # noqa: E402

DISCOUNT = 0.75
SPACES = re.compile(r"\s+")


class CharCounts:
    """Per-text counts of every character n-gram (orders 1..K) of a set of texts, with each n-gram's context."""

    def __init__(self, texts: list[str], order: int) -> None:
        self.order = order
        pad = order - 1
        alphabet = sorted(set("".join(texts)))
        index = {c: k + 1 for k, c in enumerate(alphabet)}  # 0: the padding before each text
        self.vocabulary = len(alphabet) + 1
        codes = np.concatenate([np.array([0] * pad + [index[c] for c in t], dtype=np.int64) for t in texts])
        owner = np.concatenate([np.full(pad + len(t), k) for k, t in enumerate(texts)])
        real = np.concatenate([np.r_[np.zeros(pad, bool), np.ones(len(t), bool)] for t in texts])
        self.n_texts = len(texts)
        # gram[k][pos]: id of the k-gram ending at pos (k = 0: the empty context, id 0)
        grams = [np.zeros(len(codes), dtype=np.int64)]
        contexts: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
        for k in range(1, order + 1):
            previous = np.r_[0, grams[k - 1][:-1]]  # the (k-1)-gram ending one character earlier
            uniq, ids = np.unique(previous * (self.vocabulary + 1) + codes, return_inverse=True)
            grams.append(ids.astype(np.int64))
            contexts.append((uniq // (self.vocabulary + 1)).astype(np.int64))
        self.grams, self.contexts = grams, contexts
        self.sizes = [int(g.max()) + 1 for g in grams]
        self.positions = [np.flatnonzero(real & (owner == t)) for t in range(len(texts))]
        self.lengths = np.array([len(p) for p in self.positions], dtype=np.float64)
        # counts[k][t]: text t's counts of the k-grams
        self.counts = [
            np.stack([np.bincount(grams[k][p], minlength=self.sizes[k]) for p in self.positions]).astype(np.int32)
            for k in range(order + 1)
        ]
        self.totals = [c.sum(axis=0) for c in self.counts]

    def model(self, without: list[int], among: list[int] | None = None) -> list[tuple[np.ndarray, ...]]:
        """Count tables of the texts `among` (default all) minus `without`: per order (counts, context counts,
        distinct continuations of each context)."""
        out = []
        for k in range(1, self.order + 1):
            if among is None:
                c = self.totals[k] - self.counts[k][without].sum(axis=0)
            else:
                keep = [t for t in among if t not in without]
                c = self.counts[k][keep].sum(axis=0)
            ctx = self.contexts[k]
            out.append((c, np.bincount(ctx, weights=c, minlength=self.sizes[k - 1]),
                        np.bincount(ctx, weights=c > 0, minlength=self.sizes[k - 1])))  # fmt: skip
        return out

    def entropy(self, text: int, tables: list[tuple[np.ndarray, ...]], witten_bell: bool = False) -> float:
        """Cross-entropy of one text under a model, in bits per character."""
        pos = self.positions[text]
        prob = np.full(len(pos), 1.0 / self.vocabulary)
        for k in range(1, self.order + 1):
            c, ctx_count, distinct = tables[k - 1]
            gram = self.grams[k][pos]
            ctx = self.contexts[k][gram]
            seen, n, d = c[gram].astype(np.float64), ctx_count[ctx], distinct[ctx]
            safe = np.maximum(n, 1.0)
            if witten_bell:
                mixed = (seen + d * prob) / np.maximum(n + d, 1.0)
            else:
                mixed = np.maximum(seen - DISCOUNT, 0.0) / safe + DISCOUNT * d / safe * prob
            prob = np.where(n > 0, mixed, prob)
        return float(-np.log2(prob).mean())


def plain(p: TextProfile) -> str:
    return SPACES.sub(" ", p.text).strip()


def lm_evidence(letters: list[TextProfile], refs: list[TextProfile], family: str) -> Evidence:
    """The language-model family's evidence (bounded LLR per letter, separation, likeness), see the module text."""
    name, _, variant = family.partition("-")
    order = int(name[2:])
    wb = variant == "wb"
    n, m = len(letters), len(refs)
    counts = CharCounts([plain(p) for p in letters + refs], order)
    series, pool = list(range(n)), list(range(n, n + m))

    def h(text: int, without: list[int], among: list[int]) -> float:
        return counts.entropy(text, counts.model(without, among), wb)

    pool_model = counts.model([], pool)
    h_pool = np.array([counts.entropy(i, pool_model, wb) for i in series])
    loo = [counts.model([j], series) for j in series]  # S∖j
    h_loo = np.array([counts.entropy(i, loo[i], wb) for i in series])  # H(i | S∖i)
    h_pair = np.zeros((n, n))  # H(i | S∖{i,j})
    for i in series:
        for j in range(i + 1, n):
            tables = counts.model([i, j], series)
            h_pair[i, j], h_pair[j, i] = counts.entropy(i, tables, wb), counts.entropy(j, tables, wb)
    alone = np.zeros(n + m)
    paired = np.zeros(n + m)
    alone[:n] = h_pool - h_loo
    off = ~np.eye(n, dtype=bool)
    paired[:n] = [min(h_pool[i] - h_pair[i, j] for j in series if j != i) for i in series]
    full_series = counts.model([], series)
    for r in pool:
        h_r_pool = h(r, [r], pool)
        alone[r] = h_r_pool - counts.entropy(r, full_series, wb)
        paired[r] = min(h_r_pool - counts.entropy(r, loo[j], wb) for j in series)
    llr, separation = family_llr(alone, paired, n)
    helps = np.where(off, h_pair - h_loo[:, None], 0.0)
    return llr, separation, double_centred(helps + helps.T)


class SequentialStore(Store):
    """`series_families.Store`, with the language-model families computed here and cached in their own folder."""

    def __init__(self, root: Path, lm_root: Path) -> None:
        super().__init__(root)
        self.lm_root = lm_root
        self.lm_root.mkdir(parents=True, exist_ok=True)
        self.seconds = 0.0

    def get(self, item: DevSeries, family: str, null: bool) -> Evidence:
        if not family.startswith("lm"):
            return super().get(item, family, null)
        key = (f"{item.language}-{item.length}-{item.seed}", family, null)
        if key in self.memory:
            return self.memory[key]
        f = self.lm_root / f"{key[0]}-{family}-{'null' if null else 'full'}.pkl"
        if f.exists():
            found: Evidence = pickle.loads(f.read_bytes())
        else:
            fake = set(item.series.impostor_at)
            letters = [p for k, p in enumerate(item.letters) if not (null and k in fake)]
            t0 = time.perf_counter()
            found = lm_evidence(letters, item.references, family)
            self.seconds += time.perf_counter() - t0
            f.write_bytes(pickle.dumps(found))
        self.memory[key] = found
        return found


def register(names: list[str]) -> None:
    """Make the language-model family names known to `series_families.parse_set`."""
    for spec in names:
        for part in re.split(r"[+/@=]", spec):
            if part.startswith("lm"):
                series_families.ALL[part] = (lambda p: {}, 0, "how well the other letters predict its characters")


def shifted(method: Any, shift: float) -> Any:
    """The same method with every letter's log-odds moved by `shift` (to compare sets at equal false alarms)."""

    class Shifted:
        current: DevSeries | None = None

        def __call__(
            self, letters: list[TextProfile], refs: list[TextProfile], language: str
        ) -> tuple[list[float], float]:
            method.current = self.current
            prob, separation = method(letters, refs, language)
            logit = np.log(np.clip(prob, 1e-12, 1 - 1e-12) / np.clip(1 - np.asarray(prob), 1e-12, 1))
            return (1 / (1 + np.exp(-(logit + shift)))).tolist(), separation

    return Shifted()


def main(argv: list[str] | None = None) -> int:
    parser = series_families.arguments(__doc__ or "")
    parser.add_argument("--sets", nargs="*", default=["lm5"])
    parser.add_argument("--lm-cache", type=Path, default=Path("/tmp/serieslm-cache"))
    parser.add_argument("--full", action="store_true", help="every language and length, not only the totals")
    parser.add_argument("--shifts", type=float, nargs="*", default=[0.0],
                        help="log-odds added to every letter (a comparison at equal false alarms, not a proposal)")
    args = parser.parse_args(argv)
    register(args.sets)
    corpora = {k: v for k, v in (("ru", args.ru), ("en", args.en)) if v}
    items = load(corpora, args.lengths, args.seeds, args.cache)
    store = SequentialStore(args.cache, args.lm_cache)
    for spec in args.sets:
        for shift in args.shifts:
            t0 = time.perf_counter()
            store.seconds = 0.0
            method = method_for(store, spec) if shift == 0 else shifted(method_for(store, spec), shift)
            table: dict[str, Any] = evaluate(items, method, not args.no_null)
            if not args.full:
                table = {k: v for k, v in table.items() if "-" not in k}
            cost = f", language model {store.seconds / len(items):.2f} s / series" if store.seconds else ""
            name = spec if shift == 0 else f"{spec} shift {shift:+g}"
            print(show(name, table) + f"   [{time.perf_counter() - t0:.0f} s{cost}]", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
