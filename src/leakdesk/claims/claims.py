"""Claims: check-worthy sentences of each letter, with who, where, when and how sure.

Structure (actors, places, dates) always comes from the original's own language. Check-worthiness comes from the
English model: English sentences are scored directly; a Russian sentence is scored on its aligned English
translation, and the claim says so (`scored_on`). Relative dates are resolved against the letter's own date, or,
when the letter has none, against the time it was received (flagged).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz
from razdel import sentenize

from leakdesk.claims import checkworthy, ner
from leakdesk.claims.entities import readable_texts, run_entities
from leakdesk.claims.modality import modality_polarity
from leakdesk.errors import ClaimsError
from leakdesk.store.records import claims as claim_records
from leakdesk.store.records import dispatches, translations
from leakdesk.store.records import entities as entity_records
from leakdesk.store.records import series as series_records
from leakdesk.store.records import timex as timex_records
from leakdesk.store.records.claims import ClaimDraft
from leakdesk.store.records.dates import FLAGS, anchor_date
from leakdesk.store.records.dispatches import Text
from leakdesk.store.records.provenance import upstream

CLAIMS_VERSION = "claims-4"  # 4: ranges, correction cues, Russian scored by meaning
THRESHOLD = 0.5
MIN_WORDS = 4
# "at that same time": the sentence's time is the previous sentence's.
SAME_TIME = re.compile(r"(?<!\w)(?:тогда\s+же|в\s+то\s+же\s+время|в\s+тот\s+же\s+(?:день|месяц|год)|"
                       r"at\s+the\s+same\s+time|that\s+same\s+(?:day|week|month|year)|"
                       r"around\s+the\s+same\s+time)(?!\w)", re.IGNORECASE)


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    language: str | None
    mixed: bool


@dataclass
class Anchor:
    date: dt.date | None
    source: str  # letter-date | received-time | none
    flag: str | None


def sentences(content: str, languages: list[str]) -> list[Sentence]:
    """Sentences with character offsets, line by line, with the language of their section."""
    sections = ner.split_by_language(content, languages)
    out = []
    line_start = 0
    for line in content.split("\n"):
        for s in sentenize(line):
            if not s.text.strip():
                continue
            start, end = line_start + s.start, line_start + s.stop
            langs = [sec.language for sec in sections if sec.start < end and start < sec.end]
            main = max(set(langs), key=langs.count) if langs else None
            out.append(Sentence(start, end, s.text, main, len(set(langs)) > 1))
        line_start += len(line) + 1
    return out


def letter_anchor(conn: sa.Connection, dispatch_id: int) -> Anchor:
    """The date relative expressions in a letter refer to, by the store's one rule (`store.records.dates`): its own
    date, an attachment's letter's date, else when it was received (flagged)."""
    found = anchor_date(conn, dispatch_id)
    return Anchor(found.date, found.source, None if found.is_own else found.reason)


def find_times(content: str, sections: list[ner.Section], anchor: dt.date | None) -> tuple[list[Any], str | None]:
    """Temporal expressions of a text, section by section in each section's language."""
    try:
        from leakdesk.claims.timex import find_timexes
        from leakdesk.claims.timex.ranges import find_ranges
    except ImportError:
        return [], "temporal expressions not extracted: the timex engine is not installed"
    found, problems = [], []
    for sec in sections:
        if sec.language not in ("ru", "en"):
            continue
        try:
            timexes = find_timexes(content[sec.start : sec.end], sec.language, anchor)
        except Exception as exc:  # another capability's engine: a failure must not lose the letter's claims
            problems.append(f"characters {sec.start}-{sec.end}: {type(exc).__name__}: {exc}")
            continue
        for tx in [*timexes, *find_ranges(content[sec.start : sec.end], timexes)]:
            tx.start += sec.start
            tx.end += sec.start
            found.append(tx)
    note = ("temporal expressions could not be read in " + "; ".join(problems)) if problems else None
    return found, note


@dataclass
class StoredTime:
    """A temporal expression as the dates stage stored it (`timex` row), in the shape claims read."""

    start: int
    end: int
    text: str
    type: str
    value: str
    interval_start: dt.date | None
    interval_end: dt.date | None
    flags: list[str]
    note: str | None


def stored_times(conn: sa.Connection, text_id: int) -> list[StoredTime] | None:
    """The timex rows the dates stage stored for a text; None when dates were never extracted from its letter
    (then claims find them themselves, with the same engine and the same anchor)."""
    anchor_flags = {f for flags in FLAGS.values() for f in flags}
    rows = timex_records.of_text(conn, text_id)
    if not rows:
        owner = dispatches.text_by_id(conn, text_id)
        ran = upstream(conn, "dates", f"dispatch:{owner.dispatch_id if owner else None}")
        return [] if ran is not None and ran.startswith("done:") else None
    return [StoredTime(r.start_char, r.end_char, r.surface, r.type, r.value, r.interval_start, r.interval_end,
                       [f for f in r.flags if f not in anchor_flags], r.note) for r in rows]


def aligned_english(conn: sa.Connection, text: Text) -> tuple[list[tuple[str, str]], int | None]:
    """(source, target) pairs of the current English translation of a text (the record layer's one rule), and its
    version."""
    tr = translations.current(conn, text.dispatch_id, "en", text_id=text.id)
    if tr is None:
        return [], None
    return [(s.source, s.target) for s in tr.segments], tr.version


def english_for(sentence: str, pairs: list[tuple[str, str]]) -> str | None:
    """The aligned English of a Russian sentence: the segment containing it, else the closest segment."""
    s = " ".join(sentence.split())
    best, best_score = None, 0.0
    for source, target in pairs:
        src = " ".join(source.split())
        if s and (s in src or src in s):
            return target
        score = fuzz.ratio(s, src)
        if score > best_score:
            best, best_score = target, score
    return best if best_score >= 80 else None


# "…were thought to be set for September, in fact they were planned for October": the date after the cue is the claim's.
CORRECTION = re.compile(r"(?<!\w)(?:на\s+самом\s+деле|в\s+действительности|в\s+реальности|на\s+деле|"
                        r"in\s+fact|actually|in\s+reality|in\s+truth)(?!\w)", re.IGNORECASE)
CORRECTED = "the sentence corrects a date: the time after «{cue}» is taken, not the one it corrects"


def _time_of(sentence: Sentence, timexes: list[Any]) -> tuple[Any, list[Any], str | None]:
    """The claim's time, the expressions inside the sentence, and a flag when a correction cue chose the time."""
    inside = [t for t in timexes if sentence.start <= t.start < sentence.end]
    dated = [t for t in inside if t.type in ("DATE", "TIME") and t.interval_start is not None]
    ranges = [t for t in dated if "range" in t.flags]  # «с 14 августа по 20 ноября» is the claim's time, not its start
    plain = [t for t in inside if "range" not in t.flags]
    cue = CORRECTION.search(sentence.text)
    if cue is not None and not ranges:
        after = [t for t in dated if t.start >= sentence.start + cue.end()]
        if after and len(dated) > len(after):
            return after[0], plain, CORRECTED.format(cue=cue.group(0))
    return (ranges or dated or inside or [None])[0], plain, None


def entities_in(conn: sa.Connection, text_id: int, start: int, end: int) -> tuple[list[dict], list[dict]]:
    rows = entity_records.named_in(conn, text_id, start, end)
    actors: dict[int, dict] = {}
    places: dict[int, dict] = {}
    for r in rows:
        target = places if r.type == "LOC" else actors
        target.setdefault(r.id, {"entity_id": r.id, "name": r.name, "type": r.type})
    return list(actors.values()), list(places.values())


def extract_claims(case: Any, conn: sa.Connection, row: Text) -> dict[str, Any]:
    """Build the claims of one text (re-run safe: claims with verdicts are kept, the rest are rebuilt)."""
    languages = list(case.settings.languages)
    content = row.content
    sents = sentences(content, languages)
    anchor = letter_anchor(conn, row.dispatch_id)
    stored = stored_times(conn, row.id)
    if stored is not None:
        from leakdesk.claims.timex.ranges import find_ranges

        timexes, time_note = [*stored, *find_ranges(content, stored)], None
    else:
        timexes, time_note = find_times(content, ner.split_by_language(content, languages), anchor.date)
    pairs, tr_version = aligned_english(conn, row)
    english = [s.text if s.language == "en" else english_for(s.text, pairs) for s in sents]
    to_score = [e for e in english if e]
    scores = dict(zip(to_score, checkworthy.score_sentences(to_score), strict=True))
    # No aligned English yet: a Russian sentence is scored on its meaning (the encoder puts ru and en in one space).
    by_meaning = {s.text: s.language for s, e in zip(sents, english, strict=True) if not e and s.language == "ru"}
    meaning_scores = dict(zip(by_meaning, checkworthy.score_sentences(list(by_meaning), "ru"), strict=True))
    kept = {(c.start_char, c.end_char): c.id for c in claim_records.of_text(conn, row.id)}
    made = 0
    seen: set[tuple[int, int]] = set()
    elsewhere = {" ".join(c.text.split()) for c in claim_records.of_dispatch(conn, row.dispatch_id)
                 if c.text_id != row.id}
    previous_time = None
    for s, en in zip(sents, english, strict=True):
        tx, inside, corrected = _time_of(s, timexes)
        inherited = None
        if tx is None and previous_time is not None and SAME_TIME.search(s.text):
            tx, inherited = previous_time, previous_time
        elif tx is not None and tx.interval_start is not None:
            previous_time = tx
        if len(s.text.split()) < MIN_WORDS or " ".join(s.text.split()) in elsewhere:
            continue
        score = scores.get(en) if en else meaning_scores.get(s.text)
        actors, places = entities_in(conn, row.id, s.start, s.end)
        dated = tx is not None and tx.interval_start is not None and bool(actors or places)
        worthy = score is not None and score >= THRESHOLD
        if not worthy and not dated and not (score is None and (tx or actors or places)):
            continue
        flags = [f for f in (anchor.flag, time_note) if f]
        if score is not None and not worthy:
            flags.append("kept for its date and names although the model scores it below 0.5")
        if corrected:
            flags.append(corrected)
        if inherited is not None:
            flags.append(f"time taken from the sentence before ({inherited.text!r}): this one says it happened then")
        if s.mixed:
            flags.append("the sentence mixes languages; structure was read from each part in its own language")
        if s.language == "ru" and en:
            flags.append("scored on the aligned English translation")
        elif s.language == "ru" and score is not None:
            flags.append("scored on the Russian original by meaning (no aligned English translation yet)")
        elif score is None:
            flags.append("not scored: no English translation and no model for this language")
        for t in inside:
            flags += [f"{t.text}: {f}" for f in (t.flags or [])]
            if t.note:
                flags.append(f"{t.text}: {t.note}")
        modality, polarity = modality_polarity(s.text, s.language)
        draft = ClaimDraft(
            dispatch_id=row.dispatch_id, text_id=row.id, start_char=s.start, end_char=s.end,
            text=s.text, language=s.language, text_en=en if en != s.text else None,
            checkworthiness=score,
            scored_on="original" if en == s.text or (not en and score is not None) else (
                "aligned-translation" if en else "not-scored"),
            actors=actors, places=places, time_text=tx.text if tx else None,
            time_value=tx.value if tx else None, time_start=tx.interval_start if tx else None,
            time_end=tx.interval_end if tx else None, anchor=anchor.date, anchor_source=anchor.source,
            modality=modality, polarity=polarity, flags=flags, model_version=checkworthy.MODEL_VERSION,
        )
        key = (s.start, s.end)
        seen.add(key)
        claim_records.save(conn, draft, kept.get(key))
        made += 1
    _drop_stale(conn, kept, seen)
    notes = {"claims": made, "sentences": len(sents), "translation_version": tr_version, "anchor": anchor.source,
             "notes": [n for n in (anchor.flag, time_note) if n]}
    claim_records.record_run(conn, "claims", CLAIMS_VERSION, notes, text_id=row.id)
    return notes


def _drop_stale(conn: sa.Connection, kept: dict[tuple[int, int], int], seen: set[tuple[int, int]]) -> None:
    """Claims no longer found are removed, unless someone already gave a verdict on them."""
    for key, claim_id in kept.items():
        if key not in seen:
            claim_records.remove_unjudged(conn, claim_id)


def _needs_claims(conn: sa.Connection, text: Text) -> bool:
    last = claim_records.last_run(conn, "claims", CLAIMS_VERSION, text.id)
    if last is None:
        return True
    _, version = aligned_english(conn, text)
    return last.notes.get("translation_version") != version


def run_claims(case: Any, progress: Any = None) -> dict[str, Any]:
    """Entities first, then claims for every text that is new or whose English translation changed."""
    summary = run_entities(case, progress)
    summary["claims"] = 0
    with case.connect() as conn:
        rows = readable_texts(conn)
        pending = [r for r, reason in rows if reason is None and _needs_claims(conn, r)]
    advance = progress("Extracting claims", len(pending)) if progress else None
    for row in pending:
        with case.transaction() as conn:
            notes = extract_claims(case, conn, row)
            summary["claims"] += notes["claims"]
            case.audit(conn, "claims.extract", f"text:{row.id}", {"claims": notes["claims"]})
        if advance:
            advance()
    return summary


def claims_of_text(case: Any, text_id: int) -> dict[str, Any]:
    """(Re)build the claims of one text (the pipeline's item); claims that have verdicts are kept."""
    with case.transaction() as conn:
        rows = readable_texts(conn, text_id=text_id)
        found = [r for r, reason in rows if r.id == text_id and reason is None]
        if not found:
            raise ClaimsError(f"Text {text_id} is not a readable text of this case.")
        notes = extract_claims(case, conn, found[0])
        case.audit(conn, "claims.extract", f"text:{text_id}", {"claims": notes["claims"]})
    return {"claims": notes["claims"], "sentences": notes["sentences"]}


def series_id(conn: sa.Connection, name: str | None) -> int | None:
    """The id of the series called `name` (None for no name); the record layer's one error when there is none."""
    return None if name is None else series_records.by_name(conn, name).id


DOUBTFUL_AUTHORSHIP = {"disputed": "the authorship check and the experts disagree about this letter's hand",
                       "doubtful": "the experts are split on this letter's hand",
                       "fake": "experts judged this letter not to be by the series' writer"}


def author_doubt(conn: sa.Connection, dispatch_id: int) -> str | None:
    """Why a claim's hand is doubtful — from ITS OWN letter's verdict and reviews only — or None."""
    from leakdesk.store.records.status import dispatch_status

    status = dispatch_status(conn, dispatch_id)
    if status.authorship == "disputed" and not status.reviews:
        return "the authorship check found this letter unlikely to be by the series' writer"
    return DOUBTFUL_AUTHORSHIP.get(status.authorship)


def claim_json(conn: sa.Connection, r: claim_records.Claim, doubt: dict[int, str | None] | None = None
               ) -> dict[str, Any]:
    actors, places = entities_in(conn, r.text_id, r.start_char, r.end_char)  # current resolution (after aliases)
    doubt = {} if doubt is None else doubt  # one status lookup per letter, however many claims it has
    if r.dispatch_id not in doubt:
        doubt[r.dispatch_id] = author_doubt(conn, r.dispatch_id)
    reason = doubt[r.dispatch_id]
    return {
        "author_doubtful": reason is not None, "author_doubt": reason,
        "id": r.id, "dispatch_id": r.dispatch_id, "text": r.text, "language": r.language,
        "actors": [a["name"] for a in actors], "places": [p["name"] for p in places],
        "time": {"text": r.time_text, "value": r.time_value,
                 "start": r.time_start.isoformat() if r.time_start else None,
                 "end": r.time_end.isoformat() if r.time_end else None},
        "anchor": r.anchor.isoformat() if r.anchor else None, "anchor_source": r.anchor_source,
        "checkworthiness": r.checkworthiness, "scored_on": r.scored_on, "text_en": r.text_en,
        "modality": r.modality, "polarity": r.polarity, "status": r.status, "flags": r.flags,
    }


def list_claims(case: Any, series_name: str | None = None, dispatch_id: int | None = None) -> list[dict[str, Any]]:
    """All claims (of one series or dispatch), in letter order."""
    with case.connect() as conn:
        if dispatch_id is not None:
            from leakdesk.store.records.common import require_dispatch

            require_dispatch(conn, dispatch_id)  # the one "No such dispatch" message for a number the case lacks
        rows = claim_records.find(conn, series_id(conn, series_name), dispatch_id)
        doubt: dict[int, str | None] = {}
        return [claim_json(conn, r, doubt) for r in rows]
