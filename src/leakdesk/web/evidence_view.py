"""What the letter page adds beside the letter itself: the exposure check for that letter (metadata that names or
locates someone, from `leakdesk.publish`), and for a claim about a labelling campaign the narrative monitor's
evidence (`leakdesk.narratives`): measured onset beside the letter's date and the claimed start, the weekly plot.
Everything here only reads; attaching evidence is the narratives capability's own audited act."""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leakdesk import narratives
from leakdesk.case import Case
from leakdesk.errors import DeskNotFound, LeakdeskError, UsageError
from leakdesk.publish.exposure import CanaryRisk, FindingGroup, canary_risk, grouped, latest_checks
from leakdesk.publish.metadata import Finding, file_findings, header_findings
from leakdesk.store.records import desk

MAX_ATTACHMENT = 50_000_000  # bytes of an attachment the page reads for its metadata
ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class LetterExposure:
    """This letter's exposure: its own headers and attachments now, and the series comparisons of the newest
    stored exposure check (sender changed, time zone, mailer), which only `leakdesk series exposure` can measure."""

    findings: list[FindingGroup]
    canary: CanaryRisk | None
    checked: str | None = None  # when the series' exposure check ran, and who ran it
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"findings": [f.__dict__ for f in self.findings], "checked": self.checked, "notes": self.notes,
                "canary": None if self.canary is None else self.canary.__dict__}


def letter_exposure(case: Case, page: desk.LetterPage, text: str | None) -> LetterExposure:
    """Metadata of this letter that names or locates someone, with the advice that goes with each finding."""
    letter = page.letter
    found: list[Finding] = header_findings(letter.id, [(h["name"], h["decoded"] or h["raw"]) for h in page.headers])
    notes = []
    for a in page.attachments:
        if (a["size"] or 0) > MAX_ATTACHMENT:
            notes.append(f"Attachment {a['filename'] or a['id']} is larger than {MAX_ATTACHMENT // 1_000_000} MB; "
                         "its metadata is in the series' exposure check only.")
            continue
        try:
            data = case.originals.read_bytes(a["original_sha256"])
            found.extend(file_findings(a["id"], a["media_type"], a["filename"], data))
        except LeakdeskError as exc:
            notes.append(f"Attachment {a['filename'] or a['id']} could not be read for its metadata: {exc}")
    mine = {letter.id, *(a["id"] for a in page.attachments)}
    checked = None
    for check in latest_checks(case):
        if check.get("series") == letter.series:
            checked = f"{check.get('checked', '?')} by {check.get('actor', '?')}"
            found.extend(Finding(**{k: f[k] for k in Finding.__dataclass_fields__})
                         for f in check.get("findings", []) if f["dispatch_id"] in mine and f["where"] == "series")
    if checked is None and letter.series:
        notes.append(f"No exposure check has been run for the series {letter.series} yet: run `leakdesk series "
                     f"exposure CASE {letter.series}` to compare this letter's sender, time zone and mailer with the "
                     "rest of the series.")
    found.sort(key=lambda f: (ORDER.get(f.risk, 3), f.dispatch_id))
    return LetterExposure(grouped(found), canary_risk(letter.id, text) if text else None, checked, notes)


# --------------------------------------------------------------------------- the narrative monitor's evidence


def needs_evidence(status: str, evidence: str | None, how: str) -> None:
    """The rule of `claims.corroboration` (a verdict needs its evidence), worded for the desk, not the CLI."""
    if status in ("corroborated", "contradicted") and not (evidence or "").strip():
        raise UsageError(f"A claim can only be marked {status} with its evidence: {how}.")


def claims_evidence(case: Case, dispatch_id: int) -> dict[int, Any]:
    """Claim id → the stream evidence for each claim of this letter that names a monitored campaign."""
    out: dict[int, Any] = {}
    for claim_id, (target, family) in narratives.claims_with_evidence(case, dispatch_id).items():
        try:
            out[claim_id] = narratives.evidence_for_claim(case, claim_id, target, family)
        except LeakdeskError:
            continue  # the claim names the campaign, but the streams cannot speak to it (yet)
    return out


class PlotCache:
    """Weekly-rate plots (SVG, matplotlib) kept until the case changes: drawing one takes a few hundred ms."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._plots: dict[tuple[str, int, int], bytes] = {}

    def get(self, case: Case, claim_id: int) -> bytes:
        with case.connect() as conn:
            key = (str(case.engine.url), claim_id, desk.state_mark(conn))
        with self._lock:
            found = self._plots.get(key)
        if found is None:
            found = _plot(case, claim_id)
            with self._lock:
                self._plots[key] = found
                while len(self._plots) > self.size:
                    self._plots.pop(next(iter(self._plots)))
        return found


PLOTS = PlotCache()


def _plot(case: Case, claim_id: int) -> bytes:
    """The claim's campaign per week, with the measured onset, this letter's date and its claimed start marked."""
    from leakdesk.narratives.report import render_svg
    from leakdesk.narratives.trend import build_trend

    try:
        evidence = narratives.evidence_for_claim(case, claim_id)
    except LeakdeskError as exc:
        raise DeskNotFound(f"There is no stream plot for claim {claim_id}: {exc}") from None
    trend = build_trend(case, evidence.target, evidence.label_family)
    trend.claims = [c for c in trend.claims if c.claim_id == claim_id]
    with tempfile.TemporaryDirectory(prefix="leakdesk-plot-") as folder:
        return render_svg(trend, Path(folder) / "plot.svg").read_bytes()
