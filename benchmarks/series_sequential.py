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
from leakdesk.authorship.sequential import CharCounts, Tables, sequential_statistics  # noqa: E402


class WittenBellCounts(CharCounts):
    """The product's character model with Witten-Bell escapes instead of absolute discounting (family `lmK-wb`)."""

    @staticmethod
    def mixed(seen: np.ndarray, n: np.ndarray, distinct: np.ndarray, lower: np.ndarray) -> np.ndarray:
        return (seen + distinct * lower) / np.maximum(n + distinct, 1.0)


class KneserNeyCounts(CharCounts):
    """The product's character model with Kneser-Ney's continuation counts at the lower orders (family `lmK-kn`):
    below the highest order, an n-gram counts once per distinct character seen before it, not once per occurrence."""

    def __init__(self, texts: list[str], order: int) -> None:
        super().__init__(texts, order)
        self.suffix = [np.zeros(0, dtype=np.int64)] * 2
        for k in range(2, order + 1):  # suffix[k][g]: the (k-1)-gram that ends the k-gram g
            suffix = np.zeros(self.sizes[k], dtype=np.int64)
            suffix[self.grams[k]] = self.grams[k - 1]
            self.suffix.append(suffix)

    def model(self, base: list[np.ndarray], without: list[int]) -> Tables:
        raw = [base[k] - self.counts[k][without].sum(axis=0) if without else base[k] for k in range(self.order + 1)]
        out = []
        for k in range(1, self.order + 1):
            c = raw[k] if k == self.order else np.bincount(
                self.suffix[k + 1], weights=raw[k + 1] > 0, minlength=self.sizes[k])
            ctx = self.contexts[k]
            out.append((c, np.bincount(ctx, weights=c, minlength=self.sizes[k - 1]),
                        np.bincount(ctx, weights=c > 0, minlength=self.sizes[k - 1])))  # fmt: skip
        return out


def lm_evidence(letters: list[TextProfile], refs: list[TextProfile], family: str) -> Evidence:
    """The language-model family's evidence (bounded LLR per letter, separation, likeness): the product's
    `sequential.sequential_statistics` at this family's order and escapes, see the module text."""
    name, _, variant = family.partition("-")
    order = int(name[2:])
    kind = {"wb": WittenBellCounts, "kn": KneserNeyCounts}.get(variant, CharCounts)
    n = len(letters)
    alone, paired, helps = sequential_statistics(
        [p.text for p in letters + refs], n, np.eye(n, dtype=bool), lambda texts: kind(texts, order))
    llr, separation = family_llr(alone, paired, n)
    return llr, separation, double_centred(helps)


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
