"""Development harness for the series analysis (issue 14): score many development series quickly, without cases.

    python benchmarks/series_dev.py --ru DATA/ru-rsd --en DATA/reuters-c50 --seeds 100-135

The series are exactly those of `authorship_series.py --dev` (seed `dev-<language>-<length>-<n>`, the development
writers: Reuters C50's odd 25, RSD's 15), profiled once and cached under --cache. A method is called on the letters'
and reference texts' profiles directly (no case, no per-letter length or pool checks, so the figures differ slightly
from `verify_series`), with the same decision rule: "cannot tell" for every letter when the pool lies within
MIN_SEPARATION of the letters, inside the band BAND, else `different` below 0.5.
Reported: both impostors ranked lowest and flagged, both lowest, false alarms per 12 genuine letters, the same for
the series' 12 genuine letters alone ("no impostor", same pool), and the ranking AUC (impostor below genuine); then
the series the method decided (not "cannot tell" for every letter): how many, and the first two figures among them.
Learnt metrics tried on the same series: `series_metrics.py`.
"""

from __future__ import annotations

import argparse
import pickle
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from authorship_series import (  # noqa: E402
    IMPOSTORS,
    Series,
    Writer,
    build_series,
    passages,
    reuters_writers,
    rsd_writers,
    split_writers,
)

from leakdesk.authorship.consistency import BAND, MIN_SEPARATION, series_consistency  # noqa: E402
from leakdesk.authorship.features import ProfileCache, TextProfile  # noqa: E402

# a method: (letters, references, language) -> (P(same writer) per letter, separation)
Method = Callable[[list[TextProfile], list[TextProfile], str], tuple[list[float], float]]

@dataclass
class DevSeries:
    language: str
    length: int
    seed: int
    series: Series
    letters: list[TextProfile]
    references: list[TextProfile]


def shipped(letters: list[TextProfile], refs: list[TextProfile], language: str) -> tuple[list[float], float]:
    found = series_consistency(letters, refs)
    assert found is not None
    return found.probability, found.separation


READERS = {"ru": rsd_writers, "en": reuters_writers}


def dev_writers(language: str, root: Path) -> list[Writer]:
    return split_writers(READERS[language](root), dev=True)


def owners_of(language: str, root: Path, lengths: list[int], cache_dir: Path) -> dict[str, str]:
    """Passage text -> its writer, for every development writer and length (cached)."""
    f = cache_dir / f"owners-{language}-{'-'.join(map(str, lengths))}.pkl"
    if f.exists():
        return pickle.loads(f.read_bytes())  # type: ignore[no-any-return]
    out = {t: w.name for w in dev_writers(language, root) for n in lengths for t in passages(w, n)}
    f.write_bytes(pickle.dumps(out))
    return out


def series_writers(item: DevSeries, owner: dict[str, str]) -> set[str]:
    """Every writer a series draws on: its writer, its impostor and the pool's writers."""
    return {item.series.writer, item.series.impostor} | {owner[t] for t in item.series.references}


def text_writers(item: DevSeries, owner: dict[str, str]) -> list[str]:
    fake = set(item.series.impostor_at)
    return [item.series.impostor if k in fake else item.series.writer for k in range(len(item.letters))] + [
        owner[t] for t in item.series.references
    ]


def load(corpora: dict[str, Path], lengths: list[int], seeds: list[int], cache_dir: Path) -> list[DevSeries]:
    """Build (or read from the cache) the development series and their profiles."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    readers = {"ru": rsd_writers, "en": reuters_writers}
    out: list[DevSeries] = []
    profiles = ProfileCache()
    for language, root in corpora.items():
        writers = None
        for length in lengths:
            for seed in seeds:
                f = cache_dir / f"{language}-{length}-{seed}.pkl"
                if f.exists():
                    out.append(pickle.loads(f.read_bytes()))
                    continue
                if writers is None:
                    writers = split_writers(readers[language](root), dev=True)
                rng = random.Random(f"dev-{language}-{length}-{seed}")
                s = build_series(writers, length, rng)
                item = DevSeries(language, length, seed, s, [profiles.get(t, language) for t in s.letters],
                                 [profiles.get(t, language) for t in s.references])  # fmt: skip
                f.write_bytes(pickle.dumps(item))
                out.append(item)
    return out


def decisions(prob: list[float], separation: float) -> list[str]:
    if separation < MIN_SEPARATION:
        return ["cannot tell"] * len(prob)
    return ["cannot tell" if BAND[0] <= p <= BAND[1] else ("same" if p > 0.5 else "different") for p in prob]


def judge(item: DevSeries, method: Method, null: bool = True) -> dict[str, Any]:
    if hasattr(method, "current"):
        method.current = item
    prob, sep = method(item.letters, item.references, item.language)
    made = decisions(prob, sep)
    fake = set(item.series.impostor_at)
    lowest = set(np.argsort(prob, kind="stable")[:IMPOSTORS].tolist())
    genuine = [k for k in range(len(prob)) if k not in fake]
    pairs = [(prob[f] < prob[g]) + 0.5 * (prob[f] == prob[g]) for f in fake for g in genuine]
    out = {
        "lowest": lowest == fake,
        "flagged": sum(made[k] == "different" for k in fake),
        "false": sum(made[k] == "different" for k in genuine),
        "auc": float(np.mean(pairs)),
        "decided": sep >= MIN_SEPARATION,
        "null_false": None,
    }
    if null:
        nprob, nsep = method([item.letters[k] for k in genuine], item.references, item.language)
        out["null_false"] = sum(d == "different" for d in decisions(nprob, nsep))
    return out


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    return {
        "series": n,
        "lowest_and_flagged": sum(r["lowest"] and r["flagged"] == IMPOSTORS for r in rows),
        "both_lowest": sum(r["lowest"] for r in rows),
        "false_per_12": float(np.mean([r["false"] for r in rows])),
        "null_per_12": float(np.mean([r["null_false"] for r in rows])) if rows[0]["null_false"] is not None else None,
        "null_max": max(r["null_false"] for r in rows) if rows[0]["null_false"] is not None else None,
        "auc": float(np.mean([r["auc"] for r in rows])),
        "decided": sum(r["decided"] for r in rows),
        "decided_hits": sum(r["decided"] and r["lowest"] and r["flagged"] == IMPOSTORS for r in rows),
        "decided_false": float(np.mean([r["false"] for r in rows if r["decided"]] or [0.0])),
    }


def evaluate(items: list[DevSeries], method: Method, null: bool = True) -> dict[str, Any]:
    """Per language and length, per language, and over all series."""
    rows = [(it, judge(it, method, null)) for it in items]
    table: dict[str, Any] = {"all": summary([r for _, r in rows])}
    for language in sorted({it.language for it in items}):
        table[language] = summary([r for it, r in rows if it.language == language])
        for length in sorted({it.length for it in items}):
            sel = [r for it, r in rows if it.language == language and it.length == length]
            if sel:
                table[f"{language}-{length}"] = summary(sel)
    return table


def show(name: str, table: dict[str, Any]) -> str:
    lines = [f"== {name}"]
    for key, s in table.items():
        null = "" if s["null_per_12"] is None else f" null {s['null_per_12']:.2f} (max {s['null_max']})"
        lines.append(f"{key:8s} n={s['series']:3d} lowest+flagged {s['lowest_and_flagged']:3d} "
                     f"({s['lowest_and_flagged'] / s['series']:.0%}) lowest {s['both_lowest']:3d} "
                     f"false {s['false_per_12']:.2f}{null} auc {s['auc']:.3f} | decided {s['decided']:3d}, "
                     f"lowest+flagged {s['decided_hits'] / max(s['decided'], 1):.0%}, "
                     f"false {s['decided_false']:.2f}")  # fmt: skip
    return "\n".join(lines)


def seed_range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ru", type=Path)
    parser.add_argument("--en", type=Path)
    parser.add_argument("--lengths", type=int, nargs="+", default=[300, 600, 1000])
    parser.add_argument("--seeds", type=seed_range, default=seed_range("100-123"), help="e.g. 100-135")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/leakdesk-series-dev"))
    parser.add_argument("--no-null", action="store_true", help="skip the series without impostors")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__ or "").parse_args(argv)
    corpora = {k: v for k, v in (("ru", args.ru), ("en", args.en)) if v}
    t0 = time.perf_counter()
    items = load(corpora, args.lengths, args.seeds, args.cache)
    print(f"{len(items)} series loaded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print(show("shipped", evaluate(items, shipped, not args.no_null)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
