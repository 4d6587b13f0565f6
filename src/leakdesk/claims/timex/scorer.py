"""TempEval-3 Task A scores for temporal expressions: strict and relaxed span F1, and value (and type) F1.

Conventions (UzZaman et al. 2013): a system timex matches *strictly* when its extent equals a gold extent and
*relaxed* when the extents overlap; precision counts matched system timexes, recall matched gold ones. Attribute
scores are computed over relaxed-matched pairs (one-to-one, first overlap): value P = pairs with the same value /
system timexes, value R = the same / gold timexes, F1 their harmonic mean (= value accuracy × relaxed F1 when the
match is one-to-one). The document creation time is not scored.

Two values count as the same when they are two spellings of one TIMEX3 value (`same_value`): a week number with or
without its leading zero (`2000-W7` = `2000-W07`), and a duration whose calendar units convert by definition
(a week is 7 days, a quarter 3 months, a year 12 months, a decade 10 years: `P3Q` = `P9M`, `P1DE` = `P1E` = `P10Y`).
Nothing else is equated: `P1D` is not `PT24H` (a calendar day is not always 24 hours), `2021` is not `2021-XX`,
`TEV` is not `TNI`. The same rule scores every system; `value_f1_exact` keeps the plain string comparison.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import find_timexes
from .model import Timex
from .timeml import GoldTimex, TimeMLDocument, read_timeml, timeml_files


@dataclass
class Counts:
    gold: int = 0
    system: int = 0
    strict_gold: int = 0
    strict_system: int = 0
    relaxed_gold: int = 0
    relaxed_system: int = 0
    value_correct: int = 0
    value_exact: int = 0
    type_correct: int = 0

    def add(self, other: Counts) -> None:
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    documents: int
    gold: int
    system: int
    strict_precision: float
    strict_recall: float
    strict_f1: float
    relaxed_precision: float
    relaxed_recall: float
    relaxed_f1: float
    value_precision: float
    value_recall: float
    value_f1: float
    type_f1: float
    value_f1_exact: float = 0.0
    seconds: float = 0.0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self, with_errors: bool = False) -> dict[str, object]:
        d = asdict(self)
        if not with_errors:
            d.pop("errors")
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}


_WEEK = re.compile(r"^(\d{4})-W(\d)(?=$|-)")
_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)(ML|DE|CE|[YQMWDELC]))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ML|DE|CE|[YQMWDELC])")
# calendar units as (months, days): fixed by definition, so P3Q and P9M are one value
_UNIT = {"Y": (12, 0), "Q": (3, 0), "M": (1, 0), "W": (0, 7), "D": (0, 1), "DE": (120, 0), "E": (120, 0),
         "CE": (1200, 0), "C": (1200, 0), "ML": (12000, 0), "L": (12000, 0)}  # fmt: skip


def canonical_value(value: str) -> str:
    """One spelling of a TIMEX3 value: week numbers zero-padded, calendar durations as months and days."""
    value = _WEEK.sub(lambda m: f"{m[1]}-W0{m[2]}", value)
    if _DURATION.match(value):
        months = days = 0.0
        for amount, unit in _DURATION_PART.findall(value):
            m, d = _UNIT[unit]
            months += float(amount) * m
            days += float(amount) * d
        return f"P{months:g}M{days:g}D"
    return value


def same_value(system: str, gold: str) -> bool:
    """True when the two strings are the same TIMEX3 value (see the module's docstring for what is equated)."""
    return system == gold or canonical_value(system) == canonical_value(gold)


def score_document(gold: Sequence[GoldTimex], system: Sequence[Timex]) -> tuple[Counts, list[dict[str, str]]]:
    c = Counts(gold=len(gold), system=len(system))
    c.strict_gold = sum(any(s.start == g.start and s.end == g.end for s in system) for g in gold)
    c.strict_system = sum(any(s.start == g.start and s.end == g.end for g in gold) for s in system)
    c.relaxed_gold = sum(any(s.start < g.end and g.start < s.end for s in system) for g in gold)
    c.relaxed_system = sum(any(s.start < g.end and g.start < s.end for g in gold) for s in system)
    errors: list[dict[str, str]] = []
    used: set[int] = set()
    for g in gold:
        match = next((i for i, s in enumerate(system) if i not in used and s.start < g.end and g.start < s.end), None)
        if match is None:
            errors.append({"kind": "missed", "gold": g.text, "value": g.value})
            continue
        used.add(match)
        s = system[match]
        c.value_correct += same_value(s.value, g.value)
        c.value_exact += s.value == g.value
        c.type_correct += s.type == g.type
        if not same_value(s.value, g.value) or (s.start, s.end) != (g.start, g.end):
            errors.append({"kind": "mismatch", "gold": g.text, "value": g.value, "system": s.text, "got": s.value})
    for i, s in enumerate(system):
        if i not in used and not any(s.start < g.end and g.start < s.end for g in gold):
            errors.append({"kind": "spurious", "system": s.text, "got": s.value})
    return c, errors


def summarise(c: Counts, documents: int, seconds: float = 0.0, errors: list | None = None) -> Scores:
    def ratio(a: int, b: int) -> float:
        return a / b if b else 0.0

    sp, sr = ratio(c.strict_system, c.system), ratio(c.strict_gold, c.gold)
    rp, rr = ratio(c.relaxed_system, c.system), ratio(c.relaxed_gold, c.gold)
    vp, vr = ratio(c.value_correct, c.system), ratio(c.value_correct, c.gold)
    tp, tr = ratio(c.type_correct, c.system), ratio(c.type_correct, c.gold)
    exact = _f1(ratio(c.value_exact, c.system), ratio(c.value_exact, c.gold))
    return Scores(documents, c.gold, c.system, sp, sr, _f1(sp, sr), rp, rr, _f1(rp, rr), vp, vr, _f1(vp, vr),
                  _f1(tp, tr), exact, seconds, errors or [])  # fmt: skip


def score_documents(documents: Iterable[TimeMLDocument]) -> Scores:
    """Run find_timexes on each document (its DCT as anchor) and score against its gold TIMEX3s."""
    total = Counts()
    errors: list[dict[str, str]] = []
    n = 0
    started = time.perf_counter()
    for doc in documents:
        system = find_timexes(doc.text, doc.language, doc.dct)
        counts, errs = score_document(doc.timexes, system)
        total.add(counts)
        errors += [{"document": doc.name, **e} for e in errs]
        n += 1
    return summarise(total, n, time.perf_counter() - started, errors)


def held_out(name: str) -> bool:
    """The fixed development split of TempEval-3 training: about one document in five is held out for reporting."""
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % 5 == 0


def evaluate_folder(folder: Path, part: str = "all", language: str = "en") -> Scores:
    """Score every .tml file under `folder` (part: "all", "tune" or "held-out" of the fixed split)."""
    files = timeml_files(folder)
    if part == "tune":
        files = [f for f in files if not held_out(f.name)]
    elif part == "held-out":
        files = [f for f in files if held_out(f.name)]
    return score_documents(read_timeml(f, language) for f in files)
