"""Stream evidence for a letter's claim about a labelling campaign ("label the Japanese as Nazis since August").

`evidence_for_claim` links the claim to the monitored target and label family it names, and gives, side by side,
the letter's date, the start the letter claims and the onset measured in the case's media streams (with its
interval, effect and example sentences with their source and URL). It reads the stored analysis only (`leakdesk
narrative trend CASE --target ...` makes it). `attach_evidence` is the desk's act of keeping that evidence beside the
claim: a snapshot, audited under the desk user; it never changes the claim's status — a verdict stays a person's
decision (`leakdesk claim set CASE CLAIM --status`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import NarrativesError
from leakdesk.narratives import labelling
from leakdesk.narratives.trend import SIGNIFICANT, build_trend, letter_claim, names_both
from leakdesk.store.records import claims as claim_records
from leakdesk.store.records import narratives as records
from leakdesk.store.records.narratives import AttachedEvidence

CLOSE_DAYS = 7  # an onset this close to the claimed period counts as "at" it (a week of weekly bars)


@dataclass
class ClaimEvidence:
    """What the media streams say about one claim, ready to show beside it (never a verdict)."""

    claim_id: int
    dispatch_id: int
    claim: str
    target: str
    target_display: str
    label_family: str
    label_family_display: str
    letter_date: dt.date | None
    claimed_start: dt.date | None
    claimed_end: dt.date | None
    claimed_from: str
    first_day: dt.date | None  # the days the streams cover
    last_day: dt.date | None
    mentions: int  # stream sentences naming the target
    hits: int  # of which apply the label
    onset: dt.date | None  # None: no significant rise
    onset_low: dt.date | None
    onset_high: dt.date | None
    effect: dict[str, Any] | None
    p_value: float | None
    comparison: str  # the onset beside the claimed start and the letter's date, in words
    examples: list[dict[str, Any]] = field(default_factory=list)
    other_links: list[list[str]] = field(default_factory=list)  # other (target, family) pairs the claim names
    attached: list[dict[str, Any]] = field(default_factory=list)  # who kept this evidence beside the claim, when

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(self).items()}

    def snapshot(self) -> dict[str, Any]:
        """The evidence without the attachment list (what an attachment stores)."""
        return {k: v for k, v in self.as_dict().items() if k != "attached"}


def _days(a: dt.date, b: dt.date) -> str:
    n = abs((a - b).days)
    return f"{n} day{'s' if n != 1 else ''}"


def compare(onset: dt.date | None, low: dt.date | None, high: dt.date | None, claimed_start: dt.date | None,
            claimed_end: dt.date | None, letter_date: dt.date | None) -> str:
    """The measured onset beside the claimed start and the letter's date, in one or two plain sentences."""
    if onset is None or low is None or high is None:
        return "The streams show no significant rise in the labelling rate, so there is no measured onset to set " \
               "beside the claim."
    parts = []
    if claimed_start is not None:
        end = claimed_end or claimed_start
        if high >= claimed_start - dt.timedelta(days=CLOSE_DAYS) and low <= end + dt.timedelta(days=CLOSE_DAYS):
            where = f"a week of the claimed start ({claimed_start})" if end == claimed_start else \
                f"the claimed period ({claimed_start} – {end}, give or take a week)"
            parts.append(f"The measured onset ({onset}, likely {low} – {high}) falls within {where}.")
        elif high < claimed_start:
            parts.append(f"The measured onset ({onset}) is {_days(onset, claimed_start)} before the claimed start "
                         f"({claimed_start}).")
        else:
            parts.append(f"The measured onset ({onset}) is {_days(onset, end)} after the claimed period "
                         f"({claimed_start}{'' if end == claimed_start else f' – {end}'}).")
    else:
        parts.append(f"The measured onset is {onset} (likely {low} – {high}); the claim gives no start date.")
    if letter_date is not None:
        side = "before" if onset <= letter_date else "after"
        parts.append(f"It is {_days(onset, letter_date)} {side} the letter's date ({letter_date}).")
    return " ".join(parts)


def links(c: claim_records.Claim) -> list[tuple[str, str]]:
    """Every (target, label family) of the monitored vocabulary that the claim names, in the vocabulary's order."""
    return [(t, f) for t in labelling.known_targets() for f in labelling.known_families()
            if names_both(c, labelling.target(t), labelling.family(f))]


def _choose(conn: sa.Connection, c: claim_records.Claim, target: str | None,
            family: str | None) -> tuple[str, str, list[tuple[str, str]]]:
    if target is not None or family is not None:
        chosen = (target or "", family or "nazi")
        labelling.target(chosen[0]), labelling.family(chosen[1])  # unknown names are a usage error
        return chosen[0], chosen[1], [x for x in links(c) if x != chosen]
    found = links(c)
    if not found:
        raise NarrativesError(
            f"Claim {c.id} (dispatch {c.dispatch_id}) names no monitored target together with a label "
            f"(known targets: {', '.join(labelling.known_targets())}); give the target and label family to link it.")
    analysed = set(records.analysed(conn))
    ordered = [x for x in found if x in analysed] + [x for x in found if x not in analysed]
    return ordered[0][0], ordered[0][1], ordered[1:]


def evidence_for_claim(case: Case, claim_id: int, target: str | None = None,
                       family: str | None = None) -> ClaimEvidence:
    """The stream evidence for one claim: linked target, measured onset and interval, letter date, claimed start,
    example sentences with source and URL, and who attached it so far. Reads only; changes nothing."""
    with case.connect() as conn:
        c = claim_records.get(conn, claim_id)
        target, family, others = _choose(conn, c, target, family)
        if (target, family) not in set(records.analysed(conn)):
            raise NarrativesError(
                f"The media streams have not been analysed for {target} ({family}) yet; run `leakdesk narrative "
                f"trend CASE --target {target} --label-family {family}` first.")
        letter = letter_claim(conn, c)
        attached = records.attached_evidence(conn, claim_id)
    trend = build_trend(case, target, family)
    found = trend.onset if trend.onset is not None and trend.onset.p_value < SIGNIFICANT else None
    data = trend.as_dict()
    return ClaimEvidence(
        claim_id=c.id, dispatch_id=c.dispatch_id, claim=c.text, target=target,
        target_display=labelling.target(target).display, label_family=family,
        label_family_display=labelling.family(family).display, letter_date=letter.letter_date,
        claimed_start=letter.claimed_start, claimed_end=letter.claimed_end, claimed_from=letter.claimed_from,
        first_day=trend.first_day, last_day=trend.last_day,
        mentions=sum(d["mentions"] for d in trend.daily), hits=sum(d["hits"] for d in trend.daily),
        onset=found.onset if found else None, onset_low=found.onset_low if found else None,
        onset_high=found.onset_high if found else None, effect=data["effect"], p_value=data["p_value"],
        comparison=compare(found.onset if found else None, found.onset_low if found else None,
                           found.onset_high if found else None, letter.claimed_start, letter.claimed_end,
                           letter.letter_date),
        examples=trend.examples, other_links=[list(x) for x in others],
        attached=[_attachment(a) for a in attached if a.target == target and a.label_family == family])


def _attachment(a: AttachedEvidence) -> dict[str, Any]:
    return {"id": a.id, "actor": a.actor, "time": a.created.isoformat(), "note": a.note,
            "onset": a.onset.isoformat() if a.onset else None}


def digest(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass
class Attached:
    evidence: ClaimEvidence
    attachment: dict[str, Any]
    new: bool  # False: the same snapshot was attached before (nothing written)
    claim_status: str  # unchanged by attaching


def attach_evidence(case: Case, claim_id: int, target: str | None = None, family: str | None = None,
                    note: str | None = None) -> Attached:
    """Keep the current stream evidence beside the claim (the desk's act, audited under the desk user). The claim's
    status is left as it is; attaching the same evidence twice writes it once."""
    found = evidence_for_claim(case, claim_id, target, family)
    snapshot = found.snapshot()
    key = digest(snapshot)
    note = note.strip() if note and note.strip() else None
    with case.transaction() as conn:
        status = claim_records.get(conn, claim_id).status
        earlier = records.find_attached(conn, claim_id, key)
        if earlier is not None:
            return Attached(found, _attachment(earlier), False, status)
        row = records.attach_evidence(
            conn, claim_id=claim_id, dispatch_id=found.dispatch_id, target=found.target, family=found.label_family,
            onset=found.onset, onset_low=found.onset_low, onset_high=found.onset_high, evidence=snapshot,
            digest=key, note=note, actor=case.actor)
        case.audit(conn, "narratives.evidence.attach", f"claim:{claim_id}", {
            "dispatch": found.dispatch_id, "target": found.target, "family": found.label_family,
            "onset": snapshot["onset"], "onset_low": snapshot["onset_low"], "onset_high": snapshot["onset_high"],
            "digest": key, "note": note})
    found.attached.append(_attachment(row))
    return Attached(found, _attachment(row), True, status)


def claims_with_evidence(case: Case, dispatch_id: int) -> dict[int, tuple[str, str]]:
    """The claims of one dispatch that the stream evidence can speak to: claim id → (target, family), for claims
    that name a target and label the streams have been analysed for (for the letter page and the report)."""
    with case.connect() as conn:
        analysed = set(records.analysed(conn))
        if not analysed:
            return {}
        out = {}
        for c in claim_records.of_dispatch(conn, dispatch_id):
            usable = [x for x in links(c) if x in analysed]
            if usable:
                out[c.id] = usable[0]
        return out
