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
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from leakdesk.authorship.calibration import method_votes, probability, vote_reasons
from leakdesk.authorship.consistency import BAND, MIN_SEPARATION, Consistency, series_consistency
from leakdesk.authorship.consistency import reasons as consistency_reasons
from leakdesk.authorship.explain import habit_reasons
from leakdesk.authorship.features import ProfileCache, TextProfile
from leakdesk.authorship.ood import check as ood_check
from leakdesk.authorship.ood import language_name
from leakdesk.authorship.problem import Problem
from leakdesk.authorship.verifier import CANNOT_TELL, DIFFERENT, SAME, VERSION, AuthorshipVerifier
from leakdesk.case import Case
from leakdesk.errors import AuthorshipError, UsageError
from leakdesk.language.langid import NAMES as KNOWN_LANGUAGES
from leakdesk.language.langid import guess_language
from leakdesk.language.langid import language_name as langid_name
from leakdesk.store.records import dispatches, references, reviews, verdicts
from leakdesk.store.records import series as records_series
from leakdesk.store.records import status as records_status

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
    """The series called `name` (the record layer's one error when there is none)."""
    return records_series.by_name(conn, name)


def _original_text(conn: sa.Connection, dispatch_id: int) -> tuple[str, str, str]:
    """(text, language, problem) of a dispatch's own original text (the record layer's one preference order);
    refuses translations."""
    texts = dispatches.texts(conn, dispatch_id)
    original = dispatches.choose_original(texts)
    if original is not None:
        return original.content, original.language or guess_language(original.content) or "", ""
    if any("translation" in t.role for t in texts):
        raise AuthorshipError(
            f"Dispatch {dispatch_id} holds only a translation; authorship can be judged only on the original text "
            "its writer sent. Verify the original dispatch instead."
        )
    return "", "", "it has no readable original text (for example an encrypted letter that was not decrypted)"


def load_letters(conn: sa.Connection, series_id: int) -> list[Letter]:
    out = []
    for d in dispatches.find(conn, top_level=True, series_id=series_id):
        text, lang, problem = _original_text(conn, d.id)
        out.append(Letter(d.id, text, lang, d.subject or d.filename or f"dispatch {d.id}", d.variant_of, problem))
    return out


def reference_pool(conn: sa.Connection, series_id: int) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Texts by other people, per language: the reference texts and the letters of every other series."""
    pool: dict[str, list[str]] = {}
    for r in references.all_references(conn):
        pool.setdefault(r.language, []).append(r.content)
    counts = {lang: len(v) for lang, v in pool.items()}
    for d in dispatches.find(conn, top_level=True):
        if d.series_id is None or d.series_id == series_id:
            continue
        text, lang, _ = _original_text(conn, d.id)
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
            dispatches.get(conn, dispatch_id)  # the one "No such dispatch" message for a number the case lacks
            _original_text(conn, dispatch_id)  # refuses a translation with its own message
        raise UsageError(f"Dispatch {dispatch_id} is not a letter of the series '{series}'.")
    if not letters:
        raise AuthorshipError(f"The series '{series}' has no letters yet; ingest some with `leakdesk dispatch ingest`.")
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
    cache: ProfileCache | None = None,
) -> list[dict[str, Any]]:
    verifier = _verifier(pool, language)
    cache = cache if cache is not None else ProfileCache(verifier._function_words())
    refs = pool.get(language, [])
    internal = _judge_by_consistency(letters, readable, language, refs, cache, verifier, focus)
    if internal is not None:
        if progress:
            progress(len(internal), len(letters))
        return internal
    problems, index = [], []
    for x in readable:
        if focus is not None and x.dispatch_id not in focus:
            continue
        known = [o.text for o in readable if not _excluded(x, o)]
        if known:
            problems.append(Problem(known=known, unknown=x.text, language=language, id=str(x.dispatch_id),
                                    kind="letter"))
            index.append(x.dispatch_id)
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
            out.append(_not_compared(x))
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


def _not_compared(x: Letter) -> dict[str, Any]:
    """The answer for a letter nothing could be compared with: cannot tell, and why."""
    why = x.problem or "the series has no other readable letter to compare it with"
    return _result(x, 0.5, 0.0, CANNOT_TELL, [f"cannot tell: {why}"], [why], "none")


def _judge_by_consistency(
    letters: list[Letter],
    readable: list[Letter],
    language: str,
    refs: list[str],
    cache: ProfileCache,
    verifier: AuthorshipVerifier,
    focus: set[int] | None,
) -> list[dict[str, Any]] | None:
    """Every letter against the other letters of its series, calibrated on the reference pool (`consistency`);
    None when the series or the pool is too small for it (the shipped fusion answers instead)."""
    found, profiles, excluded = consistency_of(readable, language, refs, cache)
    if found is None:
        return None
    position = {x.dispatch_id: i for i, x in enumerate(readable)}
    labels = [x.label for x in readable]
    weak = found.separation < MIN_SEPARATION
    out = []
    for x in letters:
        if focus is not None and x.dispatch_id not in focus:
            continue
        i = position.get(x.dispatch_id)
        if i is None:
            out.append(_not_compared(x))
            continue
        known = [profiles[j] for j in range(len(readable)) if not excluded[i, j]]
        ood = ood_check(known, profiles[i], language, len(refs), verifier.min_words, verifier.min_impostors)
        if weak:
            ood.append(f"the {len(refs)} reference texts are hardly distinguishable from the letters "
                       f"themselves at this length (separation {found.separation:.1f}, "
                       f"{MIN_SEPARATION:.1f} needed); add longer letters or other people's texts of this kind")
        prob = found.probability[i]
        reasons = consistency_reasons(found, i, len(readable), len(refs), labels)
        reasons += habit_reasons(known, profiles[i], "known letters")
        if ood:
            decision = CANNOT_TELL
            reasons = ["cannot tell: " + "; ".join(ood)] + reasons
        elif BAND[0] <= prob <= BAND[1]:
            decision = CANNOT_TELL
            reasons = [f"the evidence is not strong enough either way (probability {prob:.2f}; 'different' "
                       f"needs below {BAND[0]:.2f}, 'same' above {BAND[1]:.2f})"] + reasons
        else:
            decision = SAME if prob > 0.5 else DIFFERENT
        scores = {f"consistency_{k.replace(' ', '_')}": v for k, v in found.evidence[i].items()}
        out.append(_result(x, prob, found.llr[i], decision, reasons, ood, "series-consistency", scores))
    return out


def consistency_of(
    readable: list[Letter], language: str, refs: list[str], cache: ProfileCache
) -> tuple[Consistency | None, list[TextProfile], np.ndarray]:
    """The series-consistency model of these letters against these reference texts (None when too few of either),
    with the letters' profiles and which letters may not stand for each other (variants of one message)."""
    profiles = [cache.get(x.text, language) for x in readable]
    ref_profiles = [cache.get(r, language) for r in refs]
    excluded = np.array([[_excluded(a, b) for b in readable] for a in readable], dtype=bool)
    return series_consistency(profiles, ref_profiles, excluded), profiles, excluded


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
        # The one language identifier (script first, lingua between languages of one script): a Ukrainian text is
        # not "Russian" just because it is Cyrillic.
        found = guess_language(content, sorted({language, *case.settings.languages, *KNOWN_LANGUAGES}))
        if found and found != language:
            refused.append({"file": str(f), "reason": f"it looks {langid_name(found)}, not "
                                                      f"{langid_name(language)}"})
            continue
        with case.transaction() as conn:
            ref_id, sha = references.add(conn, case.originals, data, content, language, label or f.name,
                                         source=str(f), actor=case.actor)
            if ref_id is None:
                skipped.append(str(f))
                continue
            case.audit(conn, "authorship.reference-add", f"reference {ref_id}",
                       {"file": f.name, "sha256": sha, "language": language})
        added.append({"id": int(ref_id), "file": str(f), "sha256": sha, "words": len(content.split())})
    return {"added": added, "already_present": skipped, "refused": refused, "language": language}


# ----------------------------------------------------------------------------------------------- reviews and status

VERDICTS = reviews.VERDICTS


def review(case: Case, dispatch_id: int, verdict: str, confidence: float, reviewer: str, note: str | None) -> dict:
    """Record one expert's judgment of one dispatch (and only that dispatch)."""
    with case.transaction() as conn:
        made = reviews.add(conn, dispatch_id, reviewer, verdict, confidence, note)
        case.audit(conn, "authorship.review", f"dispatch {dispatch_id}",
                   {"review": made.id, "reviewer": made.reviewer, "verdict": verdict, "confidence": confidence})
    return {"id": made.id, "dispatch_id": dispatch_id, "verdict": verdict, "confidence": confidence,
            "reviewer": made.reviewer, "note": note}  # fmt: skip


def dispatch_status(case: Case, dispatch_id: int) -> dict[str, Any]:
    """A dispatch's verification status from ITS OWN latest authorship verdict and ITS OWN expert reviews only
    (the record layer's rule, `store.records.status`).

    Nothing is inherited from other letters of the series: an expert check of letter 1 says nothing about letter 7.
    """
    with case.connect() as conn:
        st = records_status.dispatch_status(conn, dispatch_id)
    v = st.verdict
    return {
        "dispatch_id": dispatch_id,
        "status": st.authorship,
        "authorship": None if v is None else {"decision": v.decision, "probability": v.probability,
                                             "method": v.method, "created": v.created},
        "reviews": [{"reviewer": r.reviewer, "verdict": r.verdict, "confidence": r.confidence, "note": r.note,
                     "created": r.created} for r in st.reviews],
    }


def _combine(decision: str | None, given: list[tuple[str, float]]) -> str:
    """unverified | consistent | disputed | doubtful | genuine | fake (the record layer's rule)."""
    return records_status.combine_authorship(decision, given)


def list_references(case: Case) -> list[dict[str, Any]]:
    """The reference pool: id, language, label, sha256 and length of every text."""
    with case.connect() as conn:
        found = references.all_references(conn)
    return [{"id": r.id, "language": r.language, "label": r.label, "sha256": r.original_sha256,
             "words": len(r.content.split())} for r in found]


def show_reference(case: Case, reference_id: int) -> dict[str, Any]:
    """One reference text: language, label, its original's sha256, when it was added, and the text itself."""
    with case.connect() as conn:
        found = references.by_id(conn, reference_id)
    return {"id": found.id, "language": found.language, "label": found.label, "sha256": found.original_sha256,
            "added": found.created.isoformat(), "words": len(found.content.split()), "text": found.content}


def remove_reference(case: Case, reference_id: int) -> dict[str, Any]:
    """Take one text out of the reference pool (audited). Its original and custody rows stay: originals are
    write-once, and verdicts already given stay as they were (a new `leakdesk run` re-judges without it)."""
    with case.transaction() as conn:
        gone = references.remove(conn, reference_id)
        case.audit(conn, "authorship.reference-remove", f"reference {reference_id}",
                   {"label": gone.label, "sha256": gone.original_sha256, "language": gone.language})
    return {"id": gone.id, "label": gone.label, "language": gone.language, "sha256": gone.original_sha256}
