"""Authorship verification on a case: each letter of a series against all its other letters (leave-one-out),
reference pools, expert reviews and the per-dispatch status. The CLI calls these functions.

Calibration. The shipped fusion (see `models/fusion.json`) was fitted on generic training problems. A case's own
reference pool is usually small and of other topics, which makes raw scores look better than they are; so when the
series has enough letters and the pool enough texts, the fusion is re-fitted *for each letter* on the case itself:
the other letters' leave-one-out problems stand for "same author" and the reference texts (questioned against the
series) for "another author". The letter being judged never takes part in its own fit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from leakdesk.authorship.calibration import method_votes, probability, vote_reasons
from leakdesk.authorship.features import ProfileCache, detect_language
from leakdesk.authorship.ood import language_name
from leakdesk.authorship.problem import Problem
from leakdesk.authorship.verifier import CANNOT_TELL, DIFFERENT, SAME, VERSION, AuthorshipVerifier
from leakdesk.case import Case
from leakdesk.errors import AuthorshipError, UsageError
from leakdesk.store import tables as t
from leakdesk.store.records import verdicts

ORIGINAL_ROLES = ("decrypted", "body", "html-body")  # in order of preference
METHOD = "leakdesk-fusion"
MIN_CASE_LETTERS = 5
MIN_CASE_REFERENCES = 4
CALIBRATION_LETTERS = 6  # other letters scored when only one dispatch is asked for
CALIBRATION_REFERENCES = 10  # reference texts questioned against the series for the calibration

Progress = Callable[[int, int], None]


@dataclass
class Letter:
    """One dispatch of a series with its original text."""

    dispatch_id: int
    text: str
    language: str
    label: str
    variant_of: int | None = None
    problem: str = ""  # why it has no usable text, if so


# ----------------------------------------------------------------------------------------------- reading the case


def series_row(conn: sa.Connection, name: str) -> Any:
    row = conn.execute(sa.select(t.series).where(t.series.c.name == name)).first()
    if row is None:
        names = [r for r in conn.execute(sa.select(t.series.c.name).order_by(t.series.c.name)).scalars()]
        hint = f" Series in this case: {', '.join(names)}." if names else " This case has no series yet."
        raise UsageError(f"There is no series called '{name}'.{hint}")
    return row


def _original_text(conn: sa.Connection, dispatch_id: int) -> tuple[str, str, str]:
    """(text, language, problem) of a dispatch's own original text; refuses translations."""
    rows = conn.execute(
        sa.select(t.text.c.role, t.text.c.content, t.text.c.language).where(t.text.c.dispatch_id == dispatch_id)
    ).all()
    by_role: dict[str, Any] = {}
    for r in rows:
        by_role.setdefault(r.role, r)
    for role in ORIGINAL_ROLES:
        original = by_role.get(role)
        if original is not None and original.content.strip():
            return original.content, original.language or detect_language(original.content), ""
    if any("translation" in r.role for r in rows):
        raise AuthorshipError(
            f"Dispatch {dispatch_id} holds only a translation; authorship can be judged only on the original text "
            "its writer sent. Verify the original dispatch instead."
        )
    return "", "", "it has no readable original text (for example an encrypted letter that was not decrypted)"


def load_letters(conn: sa.Connection, series_id: int) -> list[Letter]:
    d = t.dispatch.c
    rows = conn.execute(
        sa.select(d.id, d.subject, d.filename, d.variant_of)
        .where(d.series_id == series_id, d.parent_id.is_(None))
        .order_by(d.id)
    ).all()
    out = []
    for r in rows:
        text, lang, problem = _original_text(conn, r.id)
        label = r.subject or r.filename or f"dispatch {r.id}"
        out.append(Letter(r.id, text, lang, label, r.variant_of, problem))
    return out


def reference_pool(conn: sa.Connection, series_id: int) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Texts by other people, per language: the reference texts and the letters of every other series."""
    pool: dict[str, list[str]] = {}
    for r in conn.execute(sa.select(t.reference_text.c.language, t.reference_text.c.content)):
        pool.setdefault(r.language, []).append(r.content)
    counts = {lang: len(v) for lang, v in pool.items()}
    d = t.dispatch.c
    others = conn.execute(
        sa.select(d.id).where(d.series_id.is_not(None), d.series_id != series_id, d.parent_id.is_(None))
    ).scalars()
    for dispatch_id in others:
        text, lang, _ = _original_text(conn, dispatch_id)
        if text:
            pool.setdefault(lang, []).append(text)
    return pool, counts


# ----------------------------------------------------------------------------------------------- verification


def _verifier(pool: dict[str, list[str]], language: str) -> AuthorshipVerifier:
    v = AuthorshipVerifier.pretrained(pool_from_batch=False)
    v.set_impostors(pool.get(language, []), language)
    return v


def _excluded(letter: Letter, other: Letter) -> bool:
    """A variant of the same message is not independent evidence of style; keep it out of the known letters."""
    return other.dispatch_id == letter.dispatch_id or letter.variant_of == other.dispatch_id or (
        other.variant_of == letter.dispatch_id
    ) or (letter.variant_of is not None and letter.variant_of == other.variant_of)


def verify_series(
    case: Case, series: str, dispatch_id: int | None = None, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """Score each letter of the series against all its other letters; store and return the verdicts."""
    with case.connect() as conn:
        srow = series_row(conn, series)
        letters = load_letters(conn, srow.id)
        pool, ref_counts = reference_pool(conn, srow.id)
    if dispatch_id is not None and dispatch_id not in {x.dispatch_id for x in letters}:
        with case.connect() as conn:
            _original_text(conn, dispatch_id)  # refuses a translation with its own message
        raise UsageError(f"Dispatch {dispatch_id} is not a letter of the series '{series}'.")
    if not letters:
        raise AuthorshipError(f"The series '{series}' has no letters yet; ingest some with `leakdesk ingest`.")
    readable = [x for x in letters if x.text.strip()]
    langs = Counter(x.language for x in readable)
    language = langs.most_common(1)[0][0] if langs else ""
    focus = None
    if dispatch_id is not None:
        # One letter: its own problem plus a few other letters' problems, enough for the case calibration.
        others = [x.dispatch_id for x in readable if x.dispatch_id != dispatch_id]
        step = max(1, len(others) // CALIBRATION_LETTERS)
        focus = {dispatch_id, *others[::step][:CALIBRATION_LETTERS]}
    results = _judge(letters, readable, language, pool, ref_counts, progress, focus)
    if dispatch_id is not None:
        results = [r for r in results if r["dispatch_id"] == dispatch_id]
    _store(case, srow.id, results)
    return results


def _judge(
    letters: list[Letter],
    readable: list[Letter],
    language: str,
    pool: dict[str, list[str]],
    ref_counts: dict[str, int],
    progress: Progress | None,
    focus: set[int] | None = None,
) -> list[dict[str, Any]]:
    verifier = _verifier(pool, language)
    problems, index = [], []
    for x in readable:
        if focus is not None and x.dispatch_id not in focus:
            continue
        known = [o.text for o in readable if not _excluded(x, o)]
        if known:
            problems.append(Problem(known=known, unknown=x.text, language=language, id=str(x.dispatch_id),
                                    kind="letter"))
            index.append(x.dispatch_id)
    cache = ProfileCache(verifier._function_words())
    verdicts = verifier.verdicts(problems, cache) if problems else []
    if progress:
        progress(len(problems), len(letters))
    by_id = dict(zip(index, verdicts, strict=True))
    calibrated = _case_calibration(verifier, problems, verdicts, pool.get(language, []), language, cache)
    pool_note = _pool_note(pool, ref_counts, language)
    out = []
    for x in letters:
        if focus is not None and x.dispatch_id not in focus:
            continue
        v = by_id.get(x.dispatch_id)
        if v is None:
            why = x.problem or "the series has no other readable letter to compare it with"
            out.append(_result(x, 0.5, 0.0, CANNOT_TELL, [f"cannot tell: {why}"], [why], "none"))
            continue
        ood = list(v.ood)
        if pool_note and pool_note not in " ".join(ood) and not pool.get(language):
            ood.append(pool_note)
        prob, method, reasons = v.probability, "shipped", v.reasons
        if x.dispatch_id in calibrated:
            prob, reasons_methods = calibrated[x.dispatch_id]
            method = "case-calibrated"
            reasons = v.habits + reasons_methods
        low, high = verifier.fusion_.band_
        if ood:
            decision = CANNOT_TELL
            reasons = ["cannot tell: " + "; ".join(ood)] + [r for r in reasons if not r.startswith("cannot tell")]
        elif low <= prob <= high:
            decision = CANNOT_TELL
            reasons = [f"the evidence is balanced (probability {prob:.2f})"] + reasons
        else:
            decision = SAME if prob > 0.5 else DIFFERENT
        logit = float(np.log(max(prob, 1e-9) / max(1 - prob, 1e-9)))
        out.append(_result(x, prob, logit, decision, reasons, ood, method, v.scores))
    return out


def _case_calibration(
    verifier: AuthorshipVerifier,
    problems: list[Problem],
    verdicts: list[Any],
    refs: list[str],
    language: str,
    cache: ProfileCache | None = None,
) -> dict[int, tuple[float, list[str]]]:
    """Per letter: method votes calibrated on the case without that letter (see `calibration`)."""
    if len(problems) < MIN_CASE_LETTERS or len(refs) < MIN_CASE_REFERENCES:
        return {}
    all_known = sorted({k for p in problems for k in p.known}, key=len)
    step = max(1, len(refs) // CALIBRATION_REFERENCES)
    ref_problems = [Problem(known=all_known, unknown=r, language=language, id=f"ref{j}")
                    for j, r in enumerate(refs[::step][:CALIBRATION_REFERENCES])]  # fmt: skip
    X_ref, _ = verifier._score(ref_problems, {}, False, cache)
    X_let = np.array([[v.scores[c] for c in verifier.columns] for v in verdicts])
    X_ref = X_ref[np.isfinite(X_ref).all(axis=1)]
    out: dict[int, tuple[float, list[str]]] = {}
    for i, p in enumerate(problems):
        votes = method_votes(verifier.columns, np.delete(X_let, i, axis=0), X_ref, X_let[i])
        out[int(p.id)] = (probability(votes), vote_reasons(votes))
    return out


def _pool_note(pool: dict[str, list[str]], ref_counts: dict[str, int], language: str) -> str:
    if pool.get(language):
        return ""
    other = [f"{n} in {language_name(lang)}" for lang, n in ref_counts.items() if n]
    if other:
        return (f"the reference texts are in another language ({', '.join(other)}), the letters in "
                f"{language_name(language)}")
    return ""


def _result(x: Letter, prob: float, score: float, decision: str, reasons: list[str], ood: list[str], method: str,
            scores: dict[str, float] | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "dispatch_id": x.dispatch_id,
        "label": x.label,
        "probability": round(float(prob), 4),
        "decision": decision,
        "reasons": reasons[:6],
        "ood": ood,
        "score": round(score, 4),
        "calibration": method,
        "scores": {k: round(v, 4) for k, v in (scores or {}).items() if not k.startswith("_")},
    }


def _store(case: Case, series_id: int, results: list[dict[str, Any]]) -> None:
    with case.transaction() as conn:
        for r in results:
            # A re-run of the same method version supersedes its earlier verdict; older versions stay as history.
            verdicts.replace(conn, r["dispatch_id"], series_id, VERSION)
            verdicts.add(conn, r["dispatch_id"], series_id, f"{METHOD}/{r['calibration']}", VERSION, r["score"],
                         r["probability"], r["decision"], r["reasons"], r["ood"])
        case.audit(conn, "authorship.verify", f"series {series_id}", {
            "method": METHOD, "version": VERSION,
            "verdicts": {str(r["dispatch_id"]): r["decision"] for r in results},
        })  # fmt: skip


# ----------------------------------------------------------------------------------------------- references


def add_references(case: Case, path: Path, language: str, label: str | None = None) -> dict[str, Any]:
    """Add texts by other people (a file, or every .txt/.md file of a folder) to the case's reference pool."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder.")
    if not language or len(language) > 12:
        raise UsageError("Give the language of the reference texts, e.g. --language ru.")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".txt", ".md")) \
        if path.is_dir() else [path]  # fmt: skip
    if not files:
        raise UsageError(f"{path}: no .txt or .md files found in this folder.")
    added, skipped, refused = [], [], []
    for f in files:
        data = f.read_bytes()
        try:
            content = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            refused.append({"file": str(f), "reason": "it is not UTF-8 text"})
            continue
        if len(content.split()) < 20:
            refused.append({"file": str(f), "reason": f"it has only {len(content.split())} words (20 needed)"})
            continue
        found = detect_language(content)
        if found and found != language and found != "und":
            refused.append({"file": str(f), "reason": f"it looks {language_name(found)}, not "
                                                      f"{language_name(language)}"})
            continue
        digests = case.originals.put_bytes(data)
        with case.transaction() as conn:
            if conn.execute(sa.select(t.reference_text.c.id).where(
                    t.reference_text.c.original_sha256 == digests.sha256)).first():  # fmt: skip
                skipped.append(str(f))
                continue
            if conn.execute(sa.select(t.original.c.sha256).where(t.original.c.sha256 == digests.sha256)).first() \
                    is None:  # fmt: skip
                conn.execute(t.original.insert().values(
                    sha256=digests.sha256, sha1=digests.sha1, md5=digests.md5, size=digests.size,
                    media_type="text/plain", first_seen=datetime.now(UTC)))  # fmt: skip
            ref_id = conn.execute(t.reference_text.insert().values(
                language=language, label=label or f.name, content=content, original_sha256=digests.sha256,
                created=datetime.now(UTC))).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
            case.audit(conn, "authorship.reference-add", f"reference {ref_id}",
                       {"file": f.name, "sha256": digests.sha256, "language": language})
        added.append({"id": int(ref_id), "file": str(f), "sha256": digests.sha256, "words": len(content.split())})
    return {"added": added, "already_present": skipped, "refused": refused, "language": language}


# ----------------------------------------------------------------------------------------------- reviews and status

VERDICTS = ("genuine", "doubtful", "fake")


def review(case: Case, dispatch_id: int, verdict: str, confidence: float, reviewer: str, note: str | None) -> dict:
    """Record one expert's judgment of one dispatch (and only that dispatch)."""
    if verdict not in VERDICTS:
        raise UsageError(f"'{verdict}' is not a verdict; use one of: {', '.join(VERDICTS)}.")
    if not 0 <= confidence <= 1:
        raise UsageError(f"Confidence must be between 0 and 1 (got {confidence}).")
    if not reviewer.strip():
        raise UsageError("Name the reviewer (--reviewer).")
    with case.transaction() as conn:
        if conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.id == dispatch_id)).first() is None:
            raise UsageError(f"No dispatch with id {dispatch_id} in this case.")
        review_id = conn.execute(t.expert_review.insert().values(
            dispatch_id=dispatch_id, reviewer=reviewer.strip(), verdict=verdict, confidence=confidence, note=note,
            created=datetime.now(UTC))).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
        case.audit(conn, "authorship.review", f"dispatch {dispatch_id}",
                   {"review": int(review_id), "reviewer": reviewer.strip(), "verdict": verdict,
                    "confidence": confidence})  # fmt: skip
    return {"id": int(review_id), "dispatch_id": dispatch_id, "verdict": verdict, "confidence": confidence,
            "reviewer": reviewer.strip(), "note": note}  # fmt: skip


def dispatch_status(case: Case, dispatch_id: int) -> dict[str, Any]:
    """A dispatch's verification status from ITS OWN latest authorship verdict and ITS OWN expert reviews only.

    Nothing is inherited from other letters of the series: an expert check of letter 1 says nothing about letter 7.
    """
    with case.connect() as conn:
        if conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.id == dispatch_id)).first() is None:
            raise UsageError(f"No dispatch with id {dispatch_id} in this case.")
        v = conn.execute(
            sa.select(t.authorship_verdict).where(t.authorship_verdict.c.dispatch_id == dispatch_id)
            .order_by(t.authorship_verdict.c.id.desc()).limit(1)
        ).first()  # fmt: skip
        reviews = conn.execute(
            sa.select(t.expert_review).where(t.expert_review.c.dispatch_id == dispatch_id)
            .order_by(t.expert_review.c.id)
        ).all()  # fmt: skip
    review_list = [
        {"reviewer": r.reviewer, "verdict": r.verdict, "confidence": r.confidence, "note": r.note,
         "created": r.created} for r in reviews
    ]  # fmt: skip
    status = _combine(v.decision if v else None, [(r.verdict, r.confidence) for r in reviews])
    return {
        "dispatch_id": dispatch_id,
        "status": status,
        "authorship": None if v is None else {"decision": v.decision, "probability": v.probability,
                                             "method": v.method, "created": v.created},
        "reviews": review_list,
    }


def _combine(decision: str | None, reviews: list[tuple[str, float]]) -> str:
    """unverified | consistent | disputed | doubtful | genuine | fake."""
    if not reviews:
        return {SAME: "consistent", DIFFERENT: "disputed", CANNOT_TELL: "unverified", None: "unverified"}[decision]
    weight: dict[str, float] = {}
    for verdict, confidence in reviews:
        weight[verdict] = weight.get(verdict, 0.0) + confidence
    top, top_w = max(weight.items(), key=lambda kv: kv[1])
    if sum(1 for w in weight.values() if w == top_w) > 1:
        return "doubtful"
    if top == "genuine" and decision == DIFFERENT:
        return "disputed"
    if top == "fake" and decision == SAME:
        return "disputed"
    return top
