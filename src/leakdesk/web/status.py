"""Plain words for a letter's own state: combined status, verdict sentence, claim summary. Nothing is inherited."""

from __future__ import annotations

from leakdesk.store.records.desk import LetterRow
from leakdesk.store.records.status import combine_authorship, combine_claims

STATUS_WORDS = {
    "unverified": "unverified",
    "consistent": "consistent with the series",
    "disputed": "disputed: another hand?",
    "doubtful": "doubtful",
    "genuine": "judged genuine by experts",
    "fake": "judged fake by experts",
}


def authorship_status(row: LetterRow) -> str:
    """unverified | consistent | disputed | doubtful | genuine | fake, from this letter's verdict and reviews."""
    return combine_authorship(row.decision, row.reviews)


def claims_word(counts: dict[str, int]) -> str:
    """The same words as `leakdesk claim list`: no claims, unverified, partly corroborated, corroborated, ..."""
    return combine_claims(counts)


def combined(row: LetterRow) -> str:
    """One line a journalist reads: authorship state, then claims state."""
    return f"{STATUS_WORDS[authorship_status(row)]}; claims: {claims_word(row.claim_counts)}"


def verdict_sentence(decision: str | None, probability: float | None) -> str:
    if decision is None:
        return "No authorship check has been run on this letter."
    p = f"{probability:.0%}" if probability is not None else "unknown"
    return {
        "same": f"Written by the same hand as the rest of the series (probability {p}).",
        "different": f"Probably written by someone else: probability of the same hand only {p}.",
        "cannot tell": f"The checks cannot tell whether the same hand wrote it (probability {p}).",
    }.get(decision, f"Verdict: {decision} (probability {p}).")
