"""Temporal expressions in Russian and English: find them, normalise them TIMEX3-style, anchor them on a date.

    find_timexes("В августе прошлого года ...", "ru", date(2022, 3, 17))
    → [Timex(text="августе прошлого года", type="DATE", value="2021-08",
             interval_start=date(2021, 8, 1), interval_end=date(2021, 8, 31), anchored=True, ...)]

Both languages' rules run on every text (letters mix languages); the declared language's rules win ties.
"""

from __future__ import annotations

import datetime as dt
import re

from . import en, en_relative, ru, ru_relative
from .engine import Context, resolve_references, run_rules, select, to_timex
from .model import TYPES, Timex

__all__ = ["TYPES", "Timex", "find_timexes"]

EN_RULES = [*en.RULES, *en_relative.RULES]
RU_RULES = [*ru.RULES, *ru_relative.RULES]


_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
_LATIN = re.compile(r"[a-zA-Z]")


def _has_script(text: str, cyrillic: bool) -> bool:
    return bool((_CYRILLIC if cyrillic else _LATIN).search(text))


def find_timexes(text: str, language: str | None, anchor: dt.date | dt.datetime | None) -> list[Timex]:
    """All temporal expressions in `text`, in order; relative ones resolved against `anchor` (None → flagged)."""
    if isinstance(anchor, dt.datetime):
        anchor = anchor.date()
    lang = (language or "").lower()[:2]
    en_ctx = Context(text, anchor, en.FUTURE, past_words=en.PAST, sentence_end=en.SENTENCE_END, clauses=en.CLAUSES)
    ru_ctx = Context(text, anchor, ru.FUTURE, clauses=ru.CLAUSES)
    first, second = ((RU_RULES, ru_ctx), (EN_RULES, en_ctx)) if lang == "ru" else ((EN_RULES, en_ctx), (RU_RULES, ru_ctx))  # noqa: E501
    candidates = run_rules(text, first[0], first[1])
    # the other language's rules only where its script occurs (mixed letters), except numeric dates and times
    if _has_script(text, second[0] is RU_RULES):
        candidates += run_rules(text, second[0], second[1], order_offset=len(first[0]))
    found = _attach_times_to_dates(text, [to_timex(text, c) for c in resolve_references(select(candidates))])
    if anchor is not None:
        _times_take_the_sentence_day(text, found, anchor)
    if lang in ("ru", "en"):
        other = _LATIN if lang == "ru" else _CYRILLIC
        own = _CYRILLIC if lang == "ru" else _LATIN
        for t in found:  # "last Friday" inside a Russian letter: resolved, and the desk is told
            if other.search(t.text) and not own.search(t.text):
                t.flags.append("mixed-language")
    return found


_JOIN = re.compile(r"^\s*(?:,|в|во|к|at|around|about|by)?\s*$", re.IGNORECASE)
_DAY_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _attach_times_to_dates(text: str, found: list[Timex]) -> list[Timex]:
    """ "21 марта в 10:00", "March 21 at 10 a.m.": the clock time takes the date just before it."""
    for before, after in zip(found, found[1:], strict=False):
        if after.type != "TIME" or before.type != "DATE" or not _DAY_VALUE.match(before.value):
            continue
        if not _JOIN.match(text[before.end : after.start]) or not re.match(r"^\d{4}-\d{2}-\d{2}T", after.value):
            continue
        after.value = before.value + after.value[10:]
        after.interval_start = after.interval_end = before.interval_start
    return found


_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-ZА-ЯЁ«\"]|\n")
_OWN_DAY = re.compile(r"(?:today|tonight|yesterday|tomorrow|сегодня|вчера|завтра)\W*(?:at|в|около)?\s*$", re.I)
_NEAR = 60  # characters between a clock time and the day it belongs to


def _times_take_the_sentence_day(text: str, found: list[Timex], anchor: dt.date) -> None:
    """ "The blast occurred at about 10:35 a.m. (0735 GMT) Friday": a clock time that only had the letter's date
    takes the day named next to it in the same sentence."""
    default = anchor.isoformat() + "T"
    days = [t for t in found if t.type == "DATE" and _DAY_VALUE.match(t.value)]
    for t in found:
        if t.type != "TIME" or not re.match(re.escape(default) + r"\d", t.value):
            continue  # parts of day ("сегодня утром", "this evening") name their own day
        if _OWN_DAY.search(text[max(0, t.start - 20) : t.start]) or _OWN_DAY.search(t.text):
            continue
        best: Timex | None = None
        for d in days:
            gap = text[t.end : d.start] if d.start >= t.end else text[d.end : t.start]
            if len(gap) > _NEAR or _SENTENCE_BREAK.search(gap) or d.value == anchor.isoformat():
                continue
            if best is None or len(gap) < len(text[t.end : best.start] if best.start >= t.end else text[best.end : t.start]):  # noqa: E501
                best = d
        if best is not None:
            t.value = best.value + t.value[10:]
            t.interval_start = t.interval_end = best.interval_start
