"""Stylometric identifiability, measured: how often the authorship engine picks a writer out of a population, and how
much typography normalisation and short excerpts lower that (the exposure check's advice).

For each target author of a corpus: LETTERS texts of the author stand for the series (each one published in turn,
the others as the writer's known writing) and every other author of the set, with POP texts each, is a competing
candidate — the same simulation `leakdesk exposure` runs on a case (`publish.identifiability.rank_writer`).

    .venv/bin/python benchmarks/exposure.py --rsd ../shared/data/authorship/ru-rsd/fiction-19c-first-half/corpus \
        --reuters ../shared/data/authorship/reuters-c50/C50train [--authors 10] [--letters 5] [--words 250]

Texts are read from the given folders at run time; none is copied into the project.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from leakdesk.publish.identifiability import excerpt, normalise_typography, rank_writer


def chunks(text: str, words: int, count: int) -> list[str]:
    """`count` pieces of `words` words spread over a text (not adjacent, so they are not one passage)."""
    tokens = text.split()
    n = len(tokens) // words
    if n == 0:
        return []
    step = max(1, n // count)
    return [" ".join(tokens[i * words:(i + 1) * words]) for i in range(0, n, step)][:count]


def rsd_authors(folder: Path, words: int, count: int) -> dict[str, list[str]]:
    """RSD file names are `<author>_<work>[_bN].txt`; pieces come from all of an author's files in turn."""
    by_author: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.txt")):
        author = path.name.split("_", 1)[0]
        by_author.setdefault(author, []).extend(chunks(path.read_text("utf-8-sig"), words, count))
    return {a: texts for a, texts in by_author.items() if len(texts) >= count}


def reuters_authors(folder: Path, words: int, count: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for author in sorted(p for p in folder.iterdir() if p.is_dir()):
        texts = [" ".join(p.read_text("utf-8", "replace").split()[:words]) for p in sorted(author.glob("*.txt"))]
        out[author.name] = [t for t in texts if len(t.split()) >= words // 2][:count]
    return out


def measure(authors: dict[str, list[str]], language: str, n_authors: int, letters: int, pop: int
            ) -> dict[str, object]:
    names = sorted(authors)[:n_authors]
    results: dict[str, list[int]] = {"full": [], "normalised": [], "excerpt": []}
    started = time.perf_counter()
    for target in names:
        series = list(enumerate(authors[target][:letters]))
        # population texts come from the end of each other author's list, so they never overlap the letters
        population = {other: authors[other][-pop:] for other in names if other != target}
        for key, transform in (("full", None), ("normalised", normalise_typography), ("excerpt", excerpt)):
            m = rank_writer(series, population, language, transform)
            results[key].extend(r.rank for r in m.letters)
    seconds = time.perf_counter() - started
    return {
        "authors": len(names), "letters_per_author": letters, "population_texts_per_writer": pop,
        "candidates": len(names),
        **{f"{k}_median_rank": statistics.median(v) for k, v in results.items() if v},
        **{f"{k}_top1": round(sum(r == 1 for r in v) / len(v), 3) for k, v in results.items() if v},
        **{f"{k}_top3": round(sum(r <= 3 for r in v) / len(v), 3) for k, v in results.items() if v},
        "published_texts": len(results["full"]), "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rsd", type=Path, help="ru-rsd corpus folder (files <author>_<work>.txt)")
    parser.add_argument("--reuters", type=Path, help="reuters-c50 C50train folder (one folder per author)")
    parser.add_argument("--authors", type=int, default=10)
    parser.add_argument("--letters", type=int, default=5, help="texts per target author (the 'series')")
    parser.add_argument("--population", type=int, default=2, help="texts per competing writer")
    parser.add_argument("--words", type=int, default=250, help="words per text (a letter's length)")
    args = parser.parse_args(argv)
    if not args.rsd and not args.reuters:
        parser.error("give --rsd and/or --reuters")
    out = {}
    need = args.letters + args.population
    if args.rsd:
        out["ru-rsd"] = measure(rsd_authors(args.rsd, args.words, need), "ru", args.authors, args.letters,
                                args.population)
    if args.reuters:
        out["reuters-c50"] = measure(reuters_authors(args.reuters, args.words, need), "en", args.authors,
                                     args.letters, args.population)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
