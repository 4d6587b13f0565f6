"""Stylometric identifiability, measured: how often the authorship engine picks a writer out of a population, and how
much typography normalisation and short excerpts lower that (the exposure check's advice).

For each target author of a corpus: LETTERS texts of the author stand for the series (each one published in turn,
the others as the writer's known writing) and every other author of the set, with POP texts each, is a competing
candidate — the same simulation `leakdesk exposure` runs on a case (`publish.identifiability.rank_writer`).

    .venv/bin/python benchmarks/exposure.py --rsd ../shared/data/authorship/ru-rsd/fiction-19c-first-half/corpus \
        --reuters ../shared/data/authorship/reuters-c50/C50train [--authors 10] [--letters 5] [--words 250]

Texts are read from the given folders at run time; none is copied into the project.

`--conditions full,paraphrase,reorder` adds a *simulated* paraphrase (`simulated_paraphrase`: what a desk can do
mechanically, not a human rewrite): typography normalised, every Russian word re-inflected from its lemma with
pymorphy3 (variant and archaic endings become the dictionary's standard form), and the sentences shuffled; `reorder`
is the sentence shuffle alone. No synonym swap: no offline thesaurus is available here.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from leakdesk.publish.identifiability import excerpt, normalise_typography, rank_writer

VARIANT_GRAMMEMES = {"V-oy", "V-ey", "V-be", "V-en", "V-ie", "V-bi", "V-ej", "V-sh", "V-ob", "V-ge"}
RU_WORD = re.compile(r"[А-Яа-яЁё]+")


@functools.cache
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=200_000)
def _reinflect(word: str) -> str:
    """The word in the dictionary's standard form for its own grammemes (рукою → рукой), ё written е."""
    parse = _morph().parse(word)[0]
    wanted = set(parse.tag.grammemes) - VARIANT_GRAMMEMES
    standard = next((f.word for f in parse.lexeme if set(f.tag.grammemes) == wanted), word.lower())
    out = standard.replace("ё", "е")
    return out.capitalize() if word[:1].isupper() else out


def reorder_sentences(text: str, seed: int = 0) -> str:
    """The text's sentences in a shuffled order (deterministic per text)."""
    from razdel import sentenize

    sentences = [s.text for s in sentenize(text)]
    random.Random(f"{seed}:{len(text)}:{text[:40]}").shuffle(sentences)
    return " ".join(sentences)


def simulated_paraphrase(language: str) -> Callable[[str], str]:
    """A mechanical paraphrase a desk could apply before quoting: typography normalised, Russian words re-inflected
    from their lemmas, sentences reordered. Simulated: a human paraphrase changes words and syntax far more."""

    def paraphrase(text: str) -> str:
        text = normalise_typography(text)
        if language == "ru":
            text = RU_WORD.sub(lambda m: _reinflect(m.group()), text)
        return reorder_sentences(text)

    return paraphrase


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


def transforms(language: str) -> dict[str, Callable[[str], str] | None]:
    return {"full": None, "normalised": normalise_typography, "excerpt": excerpt,
            "paraphrase": simulated_paraphrase(language), "reorder": reorder_sentences}


def measure(authors: dict[str, list[str]], language: str, n_authors: int, letters: int, pop: int,
            conditions: tuple[str, ...] = ("full", "normalised", "excerpt")) -> dict[str, object]:
    names = sorted(authors)[:n_authors]
    results: dict[str, list[int]] = {c: [] for c in conditions}
    chosen = {c: transforms(language)[c] for c in conditions}
    started = time.perf_counter()
    for target in names:
        series = list(enumerate(authors[target][:letters]))
        # population texts come from the end of each other author's list, so they never overlap the letters
        population = {other: authors[other][-pop:] for other in names if other != target}
        for key, transform in chosen.items():
            m = rank_writer(series, population, language, transform)
            results[key].extend(r.rank for r in m.letters)
    seconds = time.perf_counter() - started
    return {
        "authors": len(names), "letters_per_author": letters, "population_texts_per_writer": pop,
        "candidates": len(names),
        **{f"{k}_median_rank": statistics.median(v) for k, v in results.items() if v},
        **{f"{k}_top1": round(sum(r == 1 for r in v) / len(v), 3) for k, v in results.items() if v},
        **{f"{k}_top3": round(sum(r <= 3 for r in v) / len(v), 3) for k, v in results.items() if v},
        "published_texts": len(next(iter(results.values()))), "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rsd", type=Path, help="ru-rsd corpus folder (files <author>_<work>.txt)")
    parser.add_argument("--reuters", type=Path, help="reuters-c50 C50train folder (one folder per author)")
    parser.add_argument("--authors", type=int, default=10)
    parser.add_argument("--letters", type=int, default=5, help="texts per target author (the 'series')")
    parser.add_argument("--population", type=int, default=2, help="texts per competing writer")
    parser.add_argument("--words", type=int, default=250, help="words per text (a letter's length)")
    parser.add_argument("--conditions", default="full,normalised,excerpt",
                        help="comma-separated: full, normalised, excerpt, paraphrase (simulated), reorder")
    args = parser.parse_args(argv)
    conditions = tuple(c.strip() for c in args.conditions.split(",") if c.strip())
    if unknown := set(conditions) - set(transforms("en")):
        parser.error(f"unknown conditions: {', '.join(sorted(unknown))}")
    if not args.rsd and not args.reuters:
        parser.error("give --rsd and/or --reuters")
    out = {}
    need = args.letters + args.population
    if args.rsd:
        out["ru-rsd"] = measure(rsd_authors(args.rsd, args.words, need), "ru", args.authors, args.letters,
                                args.population, conditions)
    if args.reuters:
        out["reuters-c50"] = measure(reuters_authors(args.reuters, args.words, need), "en", args.authors,
                                     args.letters, args.population, conditions)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
