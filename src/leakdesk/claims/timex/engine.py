"""The rule machinery: a rule is a regular expression plus a function that turns its match into a TIMEX3 value.

Every rule of every language runs over the text; overlapping candidates are resolved longest-first, then the
value is turned into an inclusive interval. Relative rules get the anchor (the letter's date) through `Context`;
without an anchor they return an unresolved value and the flag "no-anchor".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from . import calendar as cal
from .model import Timex


@dataclass
class Result:
    """What a rule's function returns for one match."""

    type: str
    value: str
    mod: str | None = None
    anchored: bool = False
    flags: list[str] = field(default_factory=list)
    note: str | None = None
    # (unit, n): counted from the date the text last named ("the following year"), when there is one nearby;
    # `value` is then only the fallback counted from the anchor. Units: day, week, month, year, and "weekday before"
    # / "weekday after" with n the weekday ("the previous Friday": the Friday before the named day)
    from_reference: tuple[str, int] | None = None
    # with the unit "month after" (n = month * 100 + day, day 0 for a whole month): only a date named between these
    # two offsets counts, the saying's time of reported speech ("In December he said that in January ...")
    reference_window: tuple[int, int] | None = None


def counted_from_saying(r: Result, saying: tuple[int, int] | None, month: int, day: int | None = None) -> Result:
    """Mark a coming month (or day) of reported speech to be counted from the saying's time, if the sentence names
    it (`resolve_references`)."""
    if saying is not None and "invalid-date" not in r.flags:
        r.from_reference = ("month after", month * 100 + (day or 0))
        r.reference_window = saying
    return r


class FutureCue(Protocol):
    """Anything that says whether a stretch of text speaks of the future (a regex, or a morphology check)."""

    def search(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class SentenceEnd:
    """Where sentences end: ";", "!", "?", a line break, or a period before a space or the end of the text that does
    not close one of `abbreviations` (a regex of words: "vs", "Ala", "[A-Z]" for initials such as "U.S.")."""

    abbreviations: str

    def positions(self, text: str, start: int, stop: int) -> list[int]:
        """Offsets of the sentence-ending characters in text[start:stop]."""
        word = re.compile(rf"(?:^|\W)(?:{self.abbreviations})$")
        found = []
        for e in _END_CANDIDATE.finditer(text, start, stop):
            if e.group() != "." or not word.search(text, max(0, e.start() - 10), e.start()):
                found.append(e.start())
        return found


@dataclass(frozen=True)
class Clauses:
    """How a language joins clauses inside a sentence: the marks and words where one clause ends and another starts
    (`cuts`: commas, colons, dashes, brackets, and the place just before "that", "which", «что»...), the words that
    open a subordinate clause (`opener`, at a segment's start) and among them those that open reported speech
    (`reported`: "that", «что»), whether a stretch of text holds a finite verb the rules can read (`has_verb`), and
    whether it holds a past-tense one (`has_past`: the saying of "he said that ...")."""

    cuts: re.Pattern[str]
    opener: re.Pattern[str]
    reported: re.Pattern[str]
    has_verb: Callable[[str], bool]
    has_past: Callable[[str], bool]


_END_CANDIDATE = re.compile(r"[;!?\n]|\.(?=\s|$)")
_OPENING = re.compile(r"\s*(?:[Ii]n|[Bb]y|[Oo]n|[Ee]arly|[Ll]ate)?\s*")  # what may open a sentence before its timex


class NoAnchor(Exception):
    """Raised inside a rule when a relative expression needs the anchor and there is none."""


@dataclass
class Context:
    """The text, the anchor and helpers rules share."""

    text: str
    anchor: dt.date | None
    future_words: FutureCue
    used_anchor: bool = False
    past_words: FutureCue | None = None  # past-tense forms, where a language's rules use them
    # where a language's rules give one: a period that ends a sentence (not that of "vs.", "Ala.", "1.5" or "U.S.");
    # without it every period, semicolon, "!", "?" and line break ends the clause
    sentence_end: SentenceEnd | None = None
    clauses: Clauses | None = None  # where a language's rules give them: the clause that holds the verb of the match
    # the clauses found for a match, by its (start, end): several rules and checks ask for the same match's
    _own: dict[tuple[int, int], tuple[int, int, int] | None] = field(default_factory=dict, repr=False)
    _verb: dict[tuple[int, int], tuple[list[tuple[int, int]], tuple[int, int] | None]] = field(default_factory=dict, repr=False)  # noqa: E501

    def need_anchor(self) -> dt.date:
        if self.anchor is None:
            raise NoAnchor
        self.used_anchor = True
        return self.anchor

    def clause_bounds(self, m: re.Match[str]) -> tuple[int, int]:
        """Where the clause around the match starts and ends: the sentence's punctuation, at most 100 characters
        before the match and 50 after it."""
        text = self.text
        if self.sentence_end is not None:
            start = max(m.start() - 100, 0)
            before = self.sentence_end.positions(text, start, m.start())
            left = before[-1] + 1 if before else start
            # an expression that opens its sentence ("In January, a week after ..., a bombing killed ...") goes with
            # the sentence's verb, however far: the clause reaches the sentence's end (at most 250 characters)
            opens = bool(before or start == 0) and _OPENING.fullmatch(text, left, m.start()) is not None
            stop = min(m.end() + (250 if opens else 50), len(text))
            after = self.sentence_end.positions(text, m.end(), stop)
            return left, (after[0] if after else stop)
        left = max(max(text.rfind(c, 0, m.start()) for c in ".;!?\n") + 1, m.start() - 100, 0)
        stops = [p for p in (text.find(c, m.end()) for c in ".;!?\n") if p >= 0]
        return left, min([*stops, m.end() + 50, len(text)])

    def clause(self, m: re.Match[str]) -> str:
        """The words around the match up to the sentence's punctuation (at most 100 characters before, 50 after)."""
        left, right = self.clause_bounds(m)
        return self.text[left : m.start()] + " " + self.text[m.end() : right]

    def segments(self, m: re.Match[str]) -> list[tuple[int, int, bool]]:
        """The sentence around the match cut into clauses: (start, end, opens a subordinate clause)."""
        left, right = self.clause_bounds(m)
        if self.clauses is None:
            return [(left, right, False)]
        cuts = [left]
        for c in self.clauses.cuts.finditer(self.text, left, right):
            if not m.start() < c.start() < m.end() and c.start() > cuts[-1]:
                cuts.append(c.start())
        cuts.append(right)
        return [(a, b, bool(self.clauses.opener.match(self.text, a, b))) for a, b in zip(cuts, cuts[1:], strict=False)]  # noqa: E501

    def own_clause(self, m: re.Match[str]) -> tuple[int, int, int] | None:
        """The match's own clause when it has a verb of its own: (its start, its end, the index of its segment)."""
        if self.clauses is None:
            return None
        key = (m.start(), m.end())
        if key not in self._own:
            self._own[key] = self._own_clause(m)
        return self._own[key]

    def _own_clause(self, m: re.Match[str]) -> tuple[int, int, int] | None:
        assert self.clauses is not None
        segments = self.segments(m)
        own = next(i for i, (a, b, _) in enumerate(segments) if a <= m.start() < b or i == len(segments) - 1)
        a, b, _ = segments[own]
        if not self.clauses.has_verb(self.text_of([(a, m.start()), (min(m.end(), b), b)])):
            return None
        return a, b, own

    def verb_clause(self, m: re.Match[str]) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
        """The stretches of text whose verbs give the match its tense, and where the sentence may name the time of a
        saying that governs it.

        The clause that holds the match, when it has a verb of its own ("The chairman said that in January the board
        will meet": the clause after "that"); for a clause without one ("In January, after the merger that was
        announced in May, the board will meet") the sentence's clauses that are not subordinate to it; else the
        whole window of `clause`. The second item, for reported speech with a verb of its own after a clause with a
        past-tense verb ("In December he said that ..."), is the part of the sentence before it, where the saying's
        time may be named; else None."""
        key = (m.start(), m.end())
        if key not in self._verb:
            self._verb[key] = self._verb_clause(m)
        spans, saying = self._verb[key]
        return list(spans), saying

    def _verb_clause(self, m: re.Match[str]) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
        left, right = self.clause_bounds(m)
        whole = [(left, m.start()), (m.end(), right)]
        if self.clauses is None:
            return whole, None
        segments = self.segments(m)
        found = self.own_clause(m)
        if found is not None:
            a, b, own = found
            said = own > 0 and self.clauses.reported.match(self.text, a, b) is not None
            said = said and self.clauses.has_past(self.text[segments[own - 1][0] : a])
            return [(a, m.start()), (min(m.end(), b), b)], ((left, a) if said else None)
        own = next(i for i, (a, b, _) in enumerate(segments) if a <= m.start() < b or i == len(segments) - 1)
        a, b, _ = segments[own]
        main = [(a, m.start()), (min(m.end(), b), b)]
        main += [(x, y) for i, (x, y, sub) in enumerate(segments) if i != own and not sub]
        main.sort()
        if self.clauses.has_verb(self.text_of(main)):
            return main, None
        return whole, None

    def text_of(self, spans: Sequence[tuple[int, int]]) -> str:
        return " ".join(self.text[a:b] for a, b in spans)

    def tense(self, m: re.Match[str]) -> int:
        """+1 when the clause around the match has a future cue ("will", "будет"...), or the clause that gives the
        match its tense has one («Председатель сказал, что в пятницу совет соберётся», «В пятницу, как нам сообщили,
        совет соберётся»: the saying's past does not reach it), else 0."""
        if self.future_words.search(self.clause(m)):
            return 1
        return 1 if self.clauses is not None and self.future_words.search(self.text_of(self.verb_clause(m)[0])) else 0

    def past(self, m: re.Match[str]) -> bool:
        """True when the clause has a past-tense verb and no future cue ("In January he resigned")."""
        if self.past_words is None:
            return False
        window = self.clause(m)
        return not self.future_words.search(window) and bool(self.past_words.search(window))

    def direction(self, m: re.Match[str]) -> int:
        """-1 when the sentence around the match speaks of the past (the default in letters and news), +1 future."""
        return self.tense(m) or -1


Handler = Callable[[re.Match[str], Context], Result | None]


@dataclass
class Rule:
    name: str
    pattern: re.Pattern[str]
    handler: Handler
    unresolved: str | Callable[[re.Match[str]], str] | None = None  # value when the anchor is missing
    unresolved_type: str | None = None


@dataclass
class _Candidate:
    start: int
    end: int
    order: int
    result: Result


def rule(
    rules: list[Rule],
    pattern: str,
    *,
    flags: int = re.IGNORECASE,
    unresolved: str | Callable[[re.Match[str]], str] | None = None,
) -> Callable[[Handler], Handler]:
    """Decorator registering a handler with its pattern in a language's rule list."""

    def deco(fn: Handler) -> Handler:
        rules.append(Rule(fn.__name__, re.compile(pattern, flags), fn, unresolved))
        return fn

    return deco


def span_of(m: re.Match[str]) -> tuple[int, int]:
    """The timex span: the named group `t` when the pattern has one (context words stay outside), else the match."""
    if "t" in m.re.groupindex and m.start("t") >= 0:
        return m.start("t"), m.end("t")
    return m.start(), m.end()


def run_rules(text: str, rules: Sequence[Rule], context: Context, order_offset: int = 0) -> list[_Candidate]:
    found: list[_Candidate] = []
    for order, r in enumerate(rules):
        for m in r.pattern.finditer(text):
            start, end = span_of(m)
            if start == end:
                continue
            context.used_anchor = False
            try:
                result = r.handler(m, context)
            except NoAnchor:
                value = r.unresolved(m) if callable(r.unresolved) else r.unresolved
                if value is None:
                    continue
                result = Result("DATE", value, flags=["no-anchor"], note="relative expression without an anchor date")
            except (ValueError, OverflowError):  # e.g. "9999999 days ago": beyond the calendar; not a usable date
                continue
            if result is None:
                continue
            result.anchored = result.anchored or context.used_anchor
            found.append(_Candidate(start, end, order_offset + order, result))
    return found


def select(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep the longest candidates that do not overlap (earlier rules win ties)."""
    chosen: list[_Candidate] = []
    taken: list[tuple[int, int]] = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.order, c.start)):
        if any(c.start < e and s < c.end for s, e in taken):
            continue
        chosen.append(c)
        taken.append((c.start, c.end))
    return sorted(chosen, key=lambda c: c.start)


def to_timex(text: str, c: _Candidate) -> Timex:
    r = c.result
    start, end = c.start, c.end
    surface = text[start:end]
    interval_start = interval_end = None
    if r.type in ("DATE", "TIME") and "invalid-date" not in r.flags:
        span = cal.interval(r.value)
        if span is not None:
            interval_start, interval_end = cal.apply_mod(span, r.mod)
    return Timex(
        start=start,
        end=end,
        text=surface,
        type=r.type,
        value=r.value,
        interval_start=interval_start,
        interval_end=interval_end,
        anchored=r.anchored,
        flags=list(r.flags),
        note=r.note,
        mod=r.mod,
    )


def _counted_from(day: dt.date, unit: str, n: int) -> str:
    """The value `n` units from a named day; "weekday before/after" take n as the weekday (0 = Monday) and give the
    nearest such day strictly before or after it ("the previous Friday", "the following Monday")."""
    if unit == "weekday before":
        return (day - dt.timedelta(days=(day.weekday() - n - 1) % 7 + 1)).isoformat()
    if unit == "weekday after":
        return (day + dt.timedelta(days=(n - day.weekday() - 1) % 7 + 1)).isoformat()
    return cal.shift(day, unit, n)


_REFERENCE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
REFERENCE_REACH = 600  # characters: a named date further back is no longer the story's reference point


def resolve_references(candidates: list[_Candidate]) -> list[_Candidate]:
    """ "On May 22, 1995 he was promoted; the following year he left": count from the date last named before,
    at the expression's own granularity, when that date is precise enough; else keep the anchor's value."""
    last: tuple[int, dt.date, str] | None = None  # (end, date, granularity)
    named: list[tuple[int, int, dt.date]] = []  # (start, end, first day) of every date named so far
    for c in candidates:
        ref = c.result.from_reference
        if ref is not None and ref[0] == "month after":
            _after_named_date(c, named)
        elif ref is not None and last is not None and c.start - last[0] <= REFERENCE_REACH:
            unit, n = ref
            _, day, granularity = last
            needed = {"day": 3, "week": 3, "month": 2, "year": 1, "weekday before": 3, "weekday after": 3}[unit]
            if {"day": 3, "month": 2, "year": 1}[granularity] >= needed:
                c.result.value = _counted_from(day, unit, n)
                c.result.flags.append("counted-from-named-date")
        m = _REFERENCE.match(c.result.value) if c.result.type == "DATE" else None
        if m and cal.valid_day(int(m[1]), int(m[2] or 1), int(m[3] or 1)):
            granularity = "day" if m[3] else "month" if m[2] else "year"
            last = (c.end, dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1)), granularity)
        if c.result.type == "DATE" and (span := cal.interval(c.result.value)) and (span[1] - span[0]).days < 100:
            named.append((c.start, c.end, span[0]))  # a day, a month or a season: precise enough for a saying's time
    return candidates


def _after_named_date(c: _Candidate, named: list[tuple[int, int, dt.date]]) -> None:
    """ "In December he said that in January the board will meet": the first such month (or day) after the time the
    sentence gives the saying, when it gives one before the clause; else the value counted from the letter stays."""
    assert c.result.from_reference is not None and c.result.reference_window is not None
    low, high = c.result.reference_window
    said = [day for start, end, day in named if start >= low and end <= high]
    if not said:
        return
    month, day = divmod(c.result.from_reference[1], 100)
    start = said[-1]
    year = start.year if (month, day or 1) >= (start.month, start.day if day else 1) else start.year + 1
    c.result.value = f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
    c.result.flags.append("counted-from-named-date")
