"""`leakdesk narratives`: find the sentences of the case's media streams that name a target, decide which apply the
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
from leakdesk.narratives.onset import Onset, cusum_alarm, estimate_onset
from leakdesk.narratives.records import now, stream_items
from leakdesk.store.tables import claim, dispatch, media_item, narrative_mention, timex

EXAMPLES = 5
SIGNIFICANT = 0.01  # permutation p-value below which an onset is reported
BATCH = 2000


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
        rows = [r for r in stream_items(conn)]
    seen: set[str] = set()
    unique = [r for r in rows if not (r.dedup_key in seen or seen.add(r.dedup_key))]  # type: ignore[func-returns-value]
    found: list[dict[str, Any]] = []
    sentences = 0
    for done, item in enumerate(unique, start=1):
        spans = list(labelling.sentences_of(item.content))
        sentences += len(spans)
        for (start, end, text), cand in zip(spans, detector.candidates([s for _, _, s in spans]), strict=True):
            if cand is None:
                continue
            found.append(dict(item_id=item.id, target=target, label_family=family, date=item.date,
                              start_char=start, end_char=end, sentence=text, target_surface=cand.target_surface,
                              label_surface=cand.label_surface, hit=cand.hit, score=cand.score,
                              features=cand.features, version=labelling.VERSION, created=now()))
        if progress and (done % 50 == 0 or done == len(unique)):
            progress(done, len(unique))
    with case.transaction() as conn:
        conn.execute(narrative_mention.delete().where(narrative_mention.c.target == target,
                                                      narrative_mention.c.label_family == family))
        for i in range(0, len(found), BATCH):
            conn.execute(narrative_mention.insert(), found[i: i + BATCH])
        hits = sum(1 for f in found if f["hit"])
        case.audit(conn, "narratives.run", f"target:{target}",
                   {"family": family, "version": labelling.VERSION, "items": len(unique), "mentions": len(found),
                    "hits": hits})
    return RunSummary(len(unique), sentences, len(found), hits, round(time.perf_counter() - started, 2))


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
        span = conn.execute(sa.select(sa.func.min(media_item.c.date), sa.func.max(media_item.c.date))).one()
        rows = conn.execute(
            sa.select(narrative_mention.c.date, narrative_mention.c.hit, sa.func.count())
            .where(narrative_mention.c.target == target, narrative_mention.c.label_family == family)
            .group_by(narrative_mention.c.date, narrative_mention.c.hit)).all()
        letter_claims = claims_about(conn, target, family)
    if span[0] is None:
        raise NarrativesError("This case has no media streams yet; add one with `leakdesk stream add`.")
    first, last = span
    counts: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for day, hit, n in rows:
        counts[day][1] += n
        if hit:
            counts[day][0] += n
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    hits = [counts[d][0] for d in days]
    mentions = [counts[d][1] for d in days]
    daily = [{"day": d.isoformat(), "hits": h, "mentions": m} for d, h, m in zip(days, hits, mentions, strict=True)]
    weeks: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for d, h, m in zip(days, hits, mentions, strict=True):
        weeks[week_of(d)][0] += h
        weeks[week_of(d)][1] += m
    weekly = [{"week": w.isoformat(), "hits": h, "mentions": m, "rate": round(h / m, 4) if m else None}
              for w, (h, m) in sorted(weeks.items())]
    onset = estimate_onset(days, hits, mentions)
    alarm_index = cusum_alarm(hits, mentions)
    trend = Trend(target, family, first, last, daily, weekly, onset,
                  days[alarm_index] if alarm_index is not None else None, [], letter_claims)
    trend.examples = examples(case, target, family, onset.onset if trend.significant and onset else None)
    return trend


def examples(case: Case, target: str, family: str, since: dt.date | None) -> list[dict[str, Any]]:
    """The highest-scoring hits (after the onset, if there is one), each with its date, source and URL."""
    query = (sa.select(narrative_mention.c.date, narrative_mention.c.sentence, narrative_mention.c.score,
                       narrative_mention.c.label_surface, media_item.c.source, media_item.c.url,
                       media_item.c.location)
             .join(media_item, media_item.c.id == narrative_mention.c.item_id)
             .where(narrative_mention.c.target == target, narrative_mention.c.label_family == family,
                    narrative_mention.c.hit.is_(True))
             .order_by(narrative_mention.c.date, narrative_mention.c.score.desc()).limit(EXAMPLES))
    if since:
        query = query.where(narrative_mention.c.date >= since)
    with case.connect() as conn:
        return [{"date": r.date.isoformat(), "sentence": r.sentence, "label": r.label_surface,
                 "score": r.score, "source": r.source, "url": r.url, "location": r.location}
                for r in conn.execute(query)]


def claims_about(conn: sa.Connection, target: str, family: str) -> list[LetterClaim]:
    """Claims of the letters that name the target and a word of the label family (read from the claims stage)."""
    tgt, fam = labelling.target(target), labelling.family(family)
    found = []
    for c in conn.execute(sa.select(claim.c.id, claim.c.dispatch_id, claim.c.text, claim.c.text_en,
                                    claim.c.time_start, claim.c.time_end, claim.c.text_id, claim.c.start_char)
                          .order_by(claim.c.dispatch_id, claim.c.start_char)):
        texts = [t for t in (c.text, c.text_en) if t]
        if not any(labelling.quick_mentions(t, tgt) and labelling.quick_mentions(t, fam) for t in texts):
            continue
        start, end, origin = c.time_start, c.time_end, "the claim's own date"
        if start is None:
            before = conn.execute(
                sa.select(timex.c.interval_start, timex.c.interval_end)
                .where(timex.c.text_id == c.text_id, timex.c.start_char < c.start_char,
                       timex.c.interval_start.is_not(None), timex.c.type == "DATE")
                .order_by(timex.c.start_char.desc()).limit(1)).first()
            if before:
                start, end, origin = before.interval_start, before.interval_end, "the nearest date before it"
            else:
                origin = "none"
        letter = conn.execute(sa.select(dispatch.c.date_utc).where(dispatch.c.id == c.dispatch_id)).scalar()
        found.append(LetterClaim(c.id, c.dispatch_id, letter.date() if letter else None, c.text, start, end, origin))
    return found
