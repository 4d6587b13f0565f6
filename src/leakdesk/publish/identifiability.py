"""Stylometric identifiability: could someone who holds texts by many people pick out the series' writer by style?

The desk has no other texts by its source, so the check simulates the adversary (e.g. the organisation the source
works in, which holds its staff's writing): each letter in turn is the published text, the series' other letters
stand for the writer's known writing, and every writer of a reference population (the case's reference pool, or a
folder of candidate writers' texts) is a competing candidate. The authorship engine scores each candidate; the rank
of the series' writer among them is the measure (1 = picked out first). The same is measured after the give-away
habits are normalised, on short excerpts and on the translation, so the advice is measured, not asserted.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from leakdesk.authorship.features import HABIT_TEXT, HABITS, ProfileCache, detect_language, profile
from leakdesk.authorship.problem import Problem
from leakdesk.authorship.verifier import AuthorshipVerifier
from leakdesk.errors import LeakdeskError

WRITER = "the series' writer"
MAX_FILE = 2_000_000  # bytes of one candidate text read from a folder
EXCERPT_WORDS = 50

Transform = Callable[[str], str]


class ExposureError(LeakdeskError):
    """The exposure check cannot be run as asked (no population, unreadable folder)."""


# Each habit the check can take away from a published text, as an editor retyping a quote would.
NORMALISE: dict[str, Transform] = {
    "quotes_guillemets": lambda s: s.replace("«", '"').replace("»", '"'),
    "quotes_german": lambda s: s.replace("„", '"').replace("“", '"'),
    "quotes_curly": lambda s: s.replace("“", '"').replace("”", '"'),
    "dash_em": lambda s: s.replace("—", "-"),
    "dash_en": lambda s: s.replace("–", "-"),
    "ellipsis_char": lambda s: s.replace("…", "..."),
    "yo": lambda s: s.replace("ё", "е").replace("Ё", "Е"),
    "vy_capital": lambda s: re.sub(r"(?<=[\w,;:] )(Вы|Вас|Вам|Вами|Ваш\w*)\b", lambda m: m.group(1).lower(), s),
    "semicolon": lambda s: s.replace(";", ","),
    "exclamation": lambda s: s.replace("!", "."),
}


def normalise_typography(text: str) -> str:
    """Every habit in NORMALISE taken away at once (what a retyped quote looks like)."""
    for fn in NORMALISE.values():
        text = fn(text)
    return text


def excerpt(text: str, words: int = EXCERPT_WORDS) -> str:
    """The first `words` words of a text (a short quote)."""
    tokens = text.split()
    return " ".join(tokens[:words])


@dataclass
class LetterRank:
    dispatch_id: int
    rank: int  # 1 = the series' writer scored highest of all candidates
    candidates: int
    probability: float  # the engine's P(same writer) for the series' writer
    best_other: float  # the highest P(same writer) any other candidate got


@dataclass
class Measure:
    """The writer's rank over all letters, published one way (full text, normalised, excerpt, translation)."""

    published_as: str
    letters: list[LetterRank]

    @property
    def median_rank(self) -> float:
        return float(statistics.median(r.rank for r in self.letters)) if self.letters else 0.0

    @property
    def margin(self) -> float:
        """Median lead of the writer's P(same) over the best other candidate (negative: someone else leads)."""
        if not self.letters:
            return 0.0
        return float(statistics.median(r.probability - r.best_other for r in self.letters))

    @property
    def top1(self) -> float:
        return sum(r.rank == 1 for r in self.letters) / len(self.letters) if self.letters else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"published_as": self.published_as, "median_rank": self.median_rank, "top1": self.top1,
                "margin": round(self.margin, 4),
                "candidates": self.letters[0].candidates if self.letters else 0,
                "letters": [asdict(r) for r in self.letters]}


@dataclass
class Giveaway:
    """A feature that sets the writer apart from the population, with the rank once it is taken away."""

    feature: str
    writer: str  # how the series uses it ("in 11 of 12 letters", "median 24 words")
    population: str  # how the population uses it
    key: str | None = None  # the habit in NORMALISE that takes it away, if any
    without: Measure | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"feature": self.feature, "writer": self.writer, "population": self.population}
        if self.without is not None:
            out["median_rank_without"] = self.without.median_rank
            out["top1_without"] = self.without.top1
            out["margin_without"] = round(self.without.margin, 4)
        return out


@dataclass
class Identifiability:
    population: str  # where the candidates came from
    candidates: int
    language: str
    measures: list[Measure] = field(default_factory=list)
    giveaways: list[Giveaway] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"population": self.population, "candidates": self.candidates, "language": self.language,
                "measures": [m.as_dict() for m in self.measures],
                "giveaways": [g.as_dict() for g in self.giveaways], "notes": self.notes}


# --------------------------------------------------------------------------- populations


def population_from_folder(folder: Path) -> dict[str, list[str]]:
    """Candidate writers from a folder: each sub-folder is one writer (its .txt files), each top-level .txt file
    is one writer."""
    if not folder.is_dir():
        raise ExposureError(f"The population folder {folder} does not exist or is not a folder.")
    out: dict[str, list[str]] = {}

    def read(path: Path) -> str:
        if path.stat().st_size > MAX_FILE:
            raise ExposureError(f"{path} is larger than {MAX_FILE // 1_000_000} MB; split it into texts.")
        try:
            return path.read_text("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ExposureError(f"{path} is not UTF-8 text; convert it before using it as a candidate.") from exc

    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            texts = [read(p) for p in sorted(entry.glob("*.txt"))]
            if any(t.strip() for t in texts):
                out[entry.name] = [t for t in texts if t.strip()]
        elif entry.suffix == ".txt":
            text = read(entry)
            if text.strip():
                out[entry.stem] = [text]
    if not out:
        raise ExposureError(f"The population folder {folder} holds no .txt texts (one file or sub-folder per writer).")
    return out


# --------------------------------------------------------------------------- ranking


def rank_writer(
    letters: list[tuple[int, str]],
    population: dict[str, list[str]],
    language: str,
    transform: Transform | None = None,
    published: dict[int, str] | None = None,
    label: str = "the full letters",
    cache: ProfileCache | None = None,
) -> Measure:
    """Each letter published in turn (through `transform`, or its `published` form, e.g. a translation) against
    the writer's other letters and every population writer; the writer's rank among them."""
    ranks: list[LetterRank] = []
    texts = [t for _, t in letters]
    for i, (dispatch_id, text) in enumerate(letters):
        shown = published.get(dispatch_id) if published is not None else text
        if not shown or not shown.strip():
            continue
        if transform is not None:
            shown = transform(shown)
        known = texts[:i] + texts[i + 1 :]
        if not known:
            continue
        candidates = {WRITER: known, **population}
        verifier = AuthorshipVerifier.pretrained(pool_from_batch=False)
        verifier.set_impostors([x for xs in candidates.values() for x in xs], language)
        lang = detect_language(shown) or language
        problems = [Problem(known=ks, unknown=shown, language=lang, kind="letter") for ks in candidates.values()]
        if cache is None:
            cache = ProfileCache(verifier._function_words())
        verdicts = verifier.verdicts(problems, cache)
        probs = dict(zip(candidates, (v.probability for v in verdicts), strict=True))
        mine = probs.pop(WRITER)
        ranks.append(LetterRank(dispatch_id, 1 + sum(p > mine for p in probs.values()), len(candidates),
                                round(mine, 4), round(max(probs.values(), default=0.0), 4)))
    return Measure(label, ranks)


def _share(texts: list[str], key: str) -> int:
    rx = next(rx for k, _, rx in HABITS if k == key)
    return sum(1 for t in texts if rx.search(t))


def giveaways(letters: list[str], population: dict[str, list[str]], language: str) -> list[Giveaway]:
    """Habits, sentence length and favourite words in which the writer differs most from the population."""
    pop_texts = {name: " \n".join(texts) for name, texts in population.items()}
    n, m = len(letters), len(pop_texts)
    found: list[tuple[float, Giveaway]] = []
    for key, words in HABIT_TEXT.items():
        if key not in NORMALISE:
            continue
        mine = _share(letters, key)
        theirs = _share(list(pop_texts.values()), key)
        distinct = mine / n - theirs / max(m, 1)
        if mine >= max(2, n // 2) and distinct >= 0.3:
            found.append((distinct, Giveaway(words, f"in {mine} of {n} letters", f"{theirs} of {m} writers", key)))
    found.sort(key=lambda x: -x[0])
    out = [g for _, g in found]
    mine_len = [statistics.median(profile(t, language).sentence_lengths or [0]) for t in letters]
    their_len = [statistics.median(profile(t, language).sentence_lengths or [0]) for t in pop_texts.values()]
    if mine_len and their_len:
        med = statistics.median(mine_len)
        longer = sum(x >= med for x in their_len)
        if longer <= m * 0.25 or longer >= m * 0.75:
            out.append(Giveaway("sentence length", f"median {med:.0f} words per sentence",
                                f"{longer} of {m} writers write sentences as long or longer"))
    counts = [Counter(profile(t, language).words) for t in letters]
    pop_counts = [Counter(profile(t, language).words) for t in pop_texts.values()]
    favourites = []
    for word in set().union(*counts) if counts else set():
        used = sum(1 for c in counts if c[word])
        others = sum(1 for c in pop_counts if c[word])
        if len(word) >= 4 and used >= max(3, n // 3) and others <= m * 0.2:
            favourites.append((used / n - others / max(m, 1), word, used, others))
    favourites.sort(key=lambda x: (-x[0], x[1]))
    if favourites:
        top = favourites[:6]
        out.append(Giveaway("favourite words", ", ".join(f"«{w}» ({u} letters)" for _, w, u, _ in top),
                            ", ".join(f"{o} of {m}" for *_, o in top)))
    return out


def identifiability(
    letters: list[tuple[int, str]],
    population: dict[str, list[str]],
    language: str,
    population_name: str,
    translations: dict[int, str] | None = None,
    ablate: int = 3,
) -> Identifiability:
    """Rank, give-aways and how much normalising, excerpting or translating lowers the writer's rank."""
    result = Identifiability(population_name, len(population) + 1, language)
    if len(letters) < 2:
        result.notes.append("the series needs at least two readable letters for this check")
        return result
    if not population:
        result.notes.append("no reference population: add texts by other writers with `leakdesk reference add` "
                            "or pass --population FOLDER")
        return result
    cache = ProfileCache(AuthorshipVerifier.pretrained()._function_words())  # profiles depend on text only
    result.measures.append(rank_writer(letters, population, language, cache=cache))
    result.giveaways = giveaways([t for _, t in letters], population, language)
    for g in result.giveaways[:ablate]:
        if g.key in NORMALISE:
            g.without = rank_writer(letters, population, language, NORMALISE[g.key], label=f"without {g.feature}",
                                    cache=cache)
    result.measures.append(rank_writer(letters, population, language, normalise_typography,
                                       label="typography normalised (quotes, dashes, ё retyped)", cache=cache))
    result.measures.append(rank_writer(letters, population, language, excerpt,
                                       label=f"a {EXCERPT_WORDS}-word excerpt of each letter", cache=cache))
    if translations:
        result.measures.append(rank_writer(letters, population, language, published=translations,
                                           label="only the translation", cache=cache))
    return result
