"""The exposure check: before a desk publishes, how identifiable is its source?

Three parts: metadata that names or locates someone (`publish.metadata`), stylometric identifiability
(`publish.identifiability`), and canary-trap risk — how many verbatim words a full quote or an export would publish,
and how many details an organisation could have varied between the copies it handed out. The result is stored per
series (table `exposure_check`, audited) so the report shows what was measured, and when.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leakdesk.authorship.casework import load_letters
from leakdesk.errors import UsageError
from leakdesk.publish.identifiability import Identifiability, identifiability, population_from_folder
from leakdesk.publish.metadata import Finding, case_metadata_findings
from leakdesk.store.records import exposure as exposure_records
from leakdesk.store.records import references, verdicts
from leakdesk.store.records import series as series_records
from leakdesk.store.records import translations as translation_records
from leakdesk.store.records.series import Series

CASE_POOL = "the case's reference pool"
NUMBER = re.compile(r"\b\d[\d.,:/-]*\b")
NAME = re.compile(r"(?<=[^.!?…\s]\s)[A-ZА-ЯЁ][a-zа-яё]{2,}")


@dataclass
class CanaryRisk:
    """What a full quote or export of one letter would hand to an organisation running a canary trap."""

    dispatch_id: int
    verbatim_words: int
    details: int  # numbers, dates and names: what a canary trap varies between copies
    examples: list[str]
    advice: str


@dataclass
class ExposureReport:
    series: str
    checked: str
    actor: str
    letters: list[int]
    left_out: dict[int, str]  # dispatch id -> why it is not counted as the writer's letter
    findings: list[Finding]
    style: Identifiability
    canary: list[CanaryRisk] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "series": self.series, "checked": self.checked, "actor": self.actor, "letters": self.letters,
            "left_out": {str(k): v for k, v in self.left_out.items()},
            "findings": [f.as_dict() for f in self.findings], "style": self.style.as_dict(),
            "canary": [asdict(c) for c in self.canary],
        }


def pick_series(conn: sa.Connection, name: str | None) -> Series:
    """The named series, or the case's only series; a clear error otherwise."""
    if name:
        return series_records.by_name(conn, name)
    rows = sorted(series_records.all_series(conn), key=lambda s: s.name)
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise UsageError("This case has no series yet; the exposure check looks at a series "
                         "(`leakdesk series create CASE NAME`).")
    raise UsageError(f"This case has {len(rows)} series ({', '.join(r.name for r in rows)}); choose one with --series.")


def _judged_other_hand(conn: sa.Connection, series_id: int) -> dict[int, str]:
    """Letters whose newest authorship verdict says another hand wrote them."""
    latest = verdicts.latest_by_dispatch(conn, series_id)
    return {d: "the authorship check says another hand wrote it" for d, v in latest.items()
            if v.decision == "different"}


def case_population(conn: sa.Connection, series_id: int, language: str) -> dict[str, list[str]]:
    """Each reference text as one candidate writer, and each other series as one writer."""
    out: dict[str, list[str]] = {}
    for ref in references.all_references(conn, language):
        out[f"reference text {ref.id} ({ref.label})"] = [ref.content]
    for other in sorted(series_records.all_series(conn), key=lambda s: s.id):
        if other.id == series_id:
            continue
        texts = [x.text for x in load_letters(conn, other.id) if x.text and x.language == language]
        if texts:
            out[f"series {other.name}"] = texts
    return out


def translations(conn: sa.Connection, dispatch_ids: list[int]) -> dict[int, str]:
    """The current translation of each dispatch (the record layer's one rule), paragraphs by a blank line."""
    out: dict[int, str] = {}
    for dispatch_id in dispatch_ids:
        current = translation_records.current(conn, dispatch_id)
        text = current.target_text() if current is not None else ""
        if text.strip():
            out[dispatch_id] = text
    return out


def canary_risk(dispatch_id: int, text: str) -> CanaryRisk:
    """Verbatim words a full quote would publish, and the details (numbers, dates, names) a trap would vary."""
    words = sum(1 for w in text.split() if any(c.isalnum() for c in w))
    details = [m.group(0) for m in NUMBER.finditer(text)] + [m.group(0) for m in NAME.finditer(text)]
    common = [w for w, _ in Counter(details).most_common(5)]
    if words == 0:
        advice = "Nothing to quote."
    else:
        advice = (f"Quoting this letter in full publishes {words} words exactly as the source received them; if the "
                  f"organisation handed out marked copies, {len(details)} numbers, dates and names are where copies "
                  "usually differ. Paraphrase, quote a few words at most, and round or omit the details.")
    return CanaryRisk(dispatch_id, words, len(details), common, advice)


def exposure_check(
    case: Any, series: str | None = None, population: Path | None = None, store: bool = True
) -> ExposureReport:
    """Run the whole check for one series; store and audit the result unless `store` is False."""
    with case.connect() as conn:
        srow = pick_series(conn, series)
        letters = load_letters(conn, srow.id)
        left_out = _judged_other_hand(conn, srow.id)
        for x in letters:
            if x.variant_of is not None:
                left_out[x.dispatch_id] = f"a variant of dispatch {x.variant_of} (same Message-ID, other bytes)"
            elif not x.text.strip():
                left_out[x.dispatch_id] = x.problem or "it has no readable text"
        readable = [x for x in letters if x.dispatch_id not in left_out]
        languages = Counter(x.language for x in readable)
        language = languages.most_common(1)[0][0] if languages else ""
        if population is not None:
            pool, pool_name = population_from_folder(population), f"the folder {population.name}"
        else:
            pool, pool_name = case_population(conn, srow.id, language), CASE_POOL
        translated = translations(conn, [x.dispatch_id for x in readable])
    findings = case_metadata_findings(case, [x.dispatch_id for x in letters])
    pairs = [(x.dispatch_id, x.text) for x in readable]
    style = identifiability(pairs, pool, language, pool_name, translated)
    canary = [canary_risk(x.dispatch_id, x.text) for x in readable]
    checked = datetime.now(UTC).replace(microsecond=0)
    report = ExposureReport(srow.name, checked.isoformat(), case.actor, [x.dispatch_id for x in readable],
                            left_out, findings, style, canary)
    if store:
        with case.transaction() as conn:
            check_id = exposure_records.add(conn, srow.id, pool_name, report.as_dict(), case.actor, checked)
            case.audit(conn, "exposure.check", f"series:{srow.name}",
                       {"check": check_id, "population": pool_name, "findings": len(findings),
                        "high": sum(f.risk == "high" for f in findings),
                        "median_rank": style.measures[0].median_rank if style.measures else None})
    return report


def latest_checks(case: Any) -> list[dict[str, Any]]:
    """The newest stored exposure check of each series (for the report)."""
    with case.connect() as conn:
        return list(exposure_records.latest_results(conn).values())


# --------------------------------------------------------------------------- presentation (CLI and report)


@dataclass
class FindingGroup:
    """One finding as it recurs across letters (the same IP in twelve letters is one line, naming the twelve)."""

    risk: str
    where: str
    field: str
    value: str
    dispatches: list[int]
    why: str
    advice: str


def grouped(findings: list[dict[str, Any]] | list[Finding]) -> list[FindingGroup]:
    """Findings merged by (risk, where, field, value), in the order first seen."""
    groups: dict[tuple[str, str, str, str], FindingGroup] = {}
    for f in findings:
        d = f.as_dict() if isinstance(f, Finding) else f
        key = (d["risk"], d["where"], d["field"], d["value"])
        if key not in groups:
            groups[key] = FindingGroup(d["risk"], d["where"], d["field"], d["value"], [], d["why"], d["advice"])
        if d["dispatch_id"] not in groups[key].dispatches:
            groups[key].dispatches.append(d["dispatch_id"])
    return list(groups.values())


def style_summary(style: dict[str, Any]) -> str:
    """One sentence on the writer's rank, or why it was not measured."""
    measures = style.get("measures") or []
    if not measures:
        return "Stylometric identifiability was not measured: " + ("; ".join(style.get("notes") or []) or "no data")
    full = measures[0]
    n = len(full["letters"])
    first = sum(1 for r in full["letters"] if r["rank"] == 1)
    return (f"Among {full['candidates']} candidate writers ({style['population']} and the series' writer), the "
            f"authorship engine ranks the series' writer {full['median_rank']:g} (median over {n} letters published "
            f"one at a time) and picks the writer out first for {first} of {n} letters.")


def canary_summary(canary: list[dict[str, Any]]) -> str:
    if not canary:
        return "No letter text to quote."
    words = sorted(c["verbatim_words"] for c in canary)
    details = sum(c["details"] for c in canary)
    return (f"Quoting the letters in full would publish {sum(words)} words verbatim ({words[len(words) // 2]} per "
            f"letter, median) and {details} numbers, dates and names — the places where a canary trap's marked "
            "copies usually differ. Paraphrase, quote a few words at most, round or omit the details, and never "
            "publish the original files or emails.")
