"""`leakdesk narrative trend`: find the sentences of the case's media streams that name a target, decide which apply the
label family to it, store them, and measure the trend (per day and ISO week: hits / mentions), the onset and the
letters' claims about the same campaign.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import NarrativesError
from leakdesk.narratives import labelling
from leakdesk.narratives.onset import Onset, calibrate_threshold, cusum_alarm, estimate_onset
from leakdesk.store.records import claims as claim_records
from leakdesk.store.records import narratives as records
from leakdesk.store.records.dates import anchor_date

EXAMPLES = 5
SIGNIFICANT = 0.01  # permutation p-value below which an onset is reported


@dataclass
class RunSummary:
    items: int
    sentences: int
    mentions: int
    hits: int
    seconds: float


def run_detection(case: Case, target: str, family: str,
                  progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """Scan every stream item (the same item in two streams once) and store its target mentions and hits.

    A re-run replaces this target and family's earlier rows, so the store always holds one consistent analysis.
    """
    import time

    started = time.perf_counter()
    detector = labelling.Detector(target, family)
    with case.connect() as conn:
        items = records.items(conn)
    found: list[dict[str, Any]] = []
    sentences = 0
    for done, item in enumerate(items, start=1):
        spans = list(labelling.sentences_of(item.content))
        sentences += len(spans)
        for (start, end, text), cand in zip(spans, detector.candidates([s for _, _, s in spans]), strict=True):
            if cand is None:
                continue
            found.append(dict(item_id=item.id, date=item.date, start_char=start, end_char=end, sentence=text,
                              target_surface=cand.target_surface, label_surface=cand.label_surface, hit=cand.hit,
                              score=cand.score, features=cand.features, version=labelling.VERSION))
        if progress and (done % 50 == 0 or done == len(items)):
            progress(done, len(items))
    hits = sum(1 for f in found if f["hit"])
    with case.transaction() as conn:
        records.replace_mentions(conn, target, family, found)
        case.audit(conn, "narratives.run", f"target:{target}",
                   {"family": family, "version": labelling.VERSION, "items": len(items), "mentions": len(found),
                    "hits": hits})
    return RunSummary(len(items), sentences, len(found), hits, round(time.perf_counter() - started, 2))


def week_of(day: dt.date) -> dt.date:
    """The Monday of the ISO week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class LetterClaim:
    """A letter's claim about the campaign, with the letter's date and the start it claims."""

    claim_id: int
    dispatch_id: int
    letter_date: dt.date | None
    text: str
    claimed_start: dt.date | None
    claimed_end: dt.date | None
    claimed_from: str  # the claim's own date | the nearest date before it in the letter | none

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.__dict__.items()}


@dataclass
class Trend:
    target: str
    family: str
    first_day: dt.date | None
    last_day: dt.date | None
    daily: list[dict[str, Any]]
    weekly: list[dict[str, Any]]
    onset: Onset | None
    alarm: dt.date | None
    examples: list[dict[str, Any]]
    claims: list[LetterClaim] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = self.onset.as_dict() if self.onset and self.onset.p_value < SIGNIFICANT else None
        return {
            "target": self.target, "label_family": self.family,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "onset": found["onset"] if found else None,
            "onset_low": found["onset_low"] if found else None,
            "onset_high": found["onset_high"] if found else None,
            "effect": found["effect"] if found else None,
            "p_value": round(self.onset.p_value, 4) if self.onset else None,
            "alarm": self.alarm.isoformat() if self.alarm else None,
            "weekly": self.weekly,
            "examples": self.examples,
            "letters": [c.as_dict() for c in self.claims],
        }

    @property
    def significant(self) -> bool:
        return self.onset is not None and self.onset.p_value < SIGNIFICANT


def build_trend(case: Case, target: str, family: str) -> Trend:
    """Daily and weekly hit rates, the onset, examples and the letters' claims, from the stored analysis."""
    labelling.target(target), labelling.family(family)  # unknown names are a usage error
    with case.connect() as conn:
        first, last = records.date_range(conn)
        counts = records.daily_counts(conn, target, family)
        letter_claims = claims_about(conn, target, family)
    if first is None or last is None:
        raise NarrativesError("This case has no media streams yet; add one with `leakdesk stream add`.")
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    hits = [counts.get(d, (0, 0))[0] for d in days]
    mentions = [counts.get(d, (0, 0))[1] for d in days]
    daily = [{"day": d.isoformat(), "hits": h, "mentions": m} for d, h, m in zip(days, hits, mentions, strict=True)]
    weeks: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for d, h, m in zip(days, hits, mentions, strict=True):
        weeks[week_of(d)][0] += h
        weeks[week_of(d)][1] += m
    weekly = [{"week": w.isoformat(), "hits": h, "mentions": m, "rate": round(h / m, 4) if m else None}
              for w, (h, m) in sorted(weeks.items())]
    onset = estimate_onset(days, hits, mentions)
    alarm_index = cusum_alarm(hits, mentions, threshold=calibrate_threshold(mentions, hits))
    trend = Trend(target, family, first, last, daily, weekly, onset,
                  days[alarm_index] if alarm_index is not None else None, [], letter_claims)
    trend.examples = examples(case, target, family, onset.onset if trend.significant and onset else None)
    return trend


def examples(case: Case, target: str, family: str, since: dt.date | None) -> list[dict[str, Any]]:
    """The first hits (after the onset, if there is one), each with its date, source and URL."""
    with case.connect() as conn:
        return records.top_hits(conn, target, family, since, EXAMPLES)


def claims_about(conn: sa.Connection, target: str, family: str) -> list[LetterClaim]:
    """Claims of the letters that name the target and a word of the label family (read from the claims stage)."""
    tgt, fam = labelling.target(target), labelling.family(family)
    return [letter_claim(conn, c) for c in claim_records.find(conn) if names_both(c, tgt, fam)]


def names_both(c: claim_records.Claim, tgt: labelling.Vocabulary, fam: labelling.Vocabulary) -> bool:
    """Does the claim (as written, or its English sentence) name the target and a word of the label family?"""
    texts = [t for t in (c.text, c.text_en) if t]
    return any(labelling.quick_mentions(t, tgt) and labelling.quick_mentions(t, fam) for t in texts)


def letter_claim(conn: sa.Connection, c: claim_records.Claim) -> LetterClaim:
    """The claim with its letter's date and the start it claims (its own date, else the nearest one before it)."""
    start, end, origin = c.time_start, c.time_end, "the claim's own date"
    if start is None:
        before = records.date_before(conn, c.text_id, c.start_char)
        start, end, origin = (before[0], before[1], "the nearest date before it in the letter") if before \
            else (None, None, "none")
    letter = anchor_date(conn, c.dispatch_id)
    return LetterClaim(c.id, c.dispatch_id, letter.date, c.text, start, end, origin)
