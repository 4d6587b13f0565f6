"""Series-internal consistency: the letters of a series are the best known writing of its writer.

For every letter, and for every reference text put in its place, two statistics per feature family:
- *alone*: closer to the centroid of the other letters than to the centroid of the reference pool?
- *with a partner*: the same for the letter joined with whichever other letter makes the most separate pair. Two
  letters by another hand resemble each other; together they are twice as long and stand out where either alone is
  lost in the genuine letters' own variation.
Texts are compared as centred square roots of their relative frequencies (`hellinger_rows`). A fourth kind of
evidence is not a bag of features: how well a character model of the other letters predicts the letter, against a
model of the pool (`sequential.py`, weight SEQUENTIAL_WEIGHT, series of up to its MAX_LETTERS letters).
With it comes a *clean-up*: the CLEAN_UP least likely letters of a first pass are taken out of every text's picture
of the series and every letter is scored again, so one letter by another hand no longer vouches for the other.
Then the *pair step*: among the three least likely letters, the two that resemble each other most beyond their
rows of similarities (a double-centred cosine, as a robust z over every two letters) are joined, and both letters
get the pair's score (their mean log-likelihood ratio minus half that z) when it is lower than their own: two
letters by one other hand resemble each other, a genuine letter from another book or beat resembles nobody in
particular. A letter is flagged only below 0.2 (BAND): the pair step lowers two letters in every series.
Every statistic is put on the scale of the series' own letters (median and MAD, so a minority of impostors barely
moves it). The reference texts, scored in exactly the same way (the same pool in fit and predict), give the
"another writer" distribution; the letters give "this writer". A letter's probability is the likelihood ratio of
the two, so a series whose pool does not separate from its letters (letters too short, pool too alike) answers
"cannot tell" rather than guessing.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from leakdesk.authorship import sequential
from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import top_vocabulary, vectorize

# name -> (what it counts, vocabulary size, plain words for an explanation)
FAMILIES: dict[str, tuple[Callable[[TextProfile], Counter[str]], int, str]] = {
    "characters": (lambda p: p.char_grams, 8000, "character sequences (spelling, endings, punctuation)"),
    "word-forms": (lambda p: p.typed_grams, 1000, "word beginnings, endings and punctuation next to words"),
    "function words": (lambda p: p.function_counts, 300, "function words and punctuation"),
}
# the character model of the other letters (authorship/sequential.py): its name in the evidence, its plain words and
# its weight beside the three families (each weight 1). Session 10 (BENCHMARKS.md, issue 14): on 72 held-out series
# both impostors lowest and flagged 51 against 47, false alarms 0.17 against 0.21 per 12, with SHIFT below
SEQUENTIAL = "characters in sequence"
SEQUENTIAL_WORDS = "run of characters (how well a model of the other letters predicts it)"
SEQUENTIAL_WEIGHT = 2.0
# log-odds added to every letter after the pair step: the fourth family and its likeness lower the letters of series
# with no impostor; 0.5 chosen among 0, 0.25, 0.5, 0.75 on the 288 development series (session 10), 0.75 with the
# clean-up (session 11, among 0.5, 0.75, 1, 1.25: the least that keeps the false alarms at the shipped 0.12 per 12)
SHIFT = 0.75
# the clean-up (session 11): this many least likely letters of a first pass are taken out of every text's model of
# the series (the families' centres, the character model, the reference texts' too) and every letter is scored again,
# so a letter by another hand meets a picture of the writer without the other impostor. On 72 held-out series both
# impostors lowest and flagged 50 against 47, both lowest 54 against 52 (with SHIFT 0.75 against 0.5); 0 turns it off
CLEAN_UP = 2
MIN_LETTERS = 6  # fewer letters: no stable centre of the series
MIN_COMPANIONS = 3  # letters (not its variants) each must be compared with, also after the clean-up
MIN_REFERENCES = 4  # fewer reference texts: no "another writer" distribution
CAP = 4.0  # bound on each family's log-likelihood ratio
REF_WEIGHT = 1.0  # how much "closer to the series than to the pool" counts against plain closeness to the series
# "another writer" spreads at least this share of the way towards the letters: a writer of the same kind as the
# series sits nearer to it than the reference pool does
OTHER_SPREAD = 0.8
# probabilities answered "cannot tell"; below the band: "different". The lower edge was 0.4 until the pair step
# (session 9): on the 216 development series the step with 0.2 flags both impostors in 134 against 111, with fewer
# false alarms (0.16 against 0.27 per 12; with no impostor 0.57 against 0.64)
BAND = (0.2, 0.6)
PAIR_CANDIDATES = 3  # the pair step joins two of this many least likely letters
PAIR_WEIGHT = 0.5  # how much the two letters' resemblance (robust z) counts in the pair's score
MIN_SEPARATION = 1.5  # reference texts closer to the letters than this (in the letters' own spread): cannot tell


@dataclass
class Consistency:
    """Per letter: P(same writer as the series), the log-likelihood ratio, and each family's evidence."""

    probability: list[float]
    llr: list[float]
    evidence: list[dict[str, float]]  # family -> bounded LLR (positive: this writer)
    # the letter it is judged with: for the pair step's two letters each other, else the letter that makes the most
    # separate pair with it (character sequences)
    partner: list[int | None]
    separation: float  # how far the reference texts lie from the letters, in the letters' own spread
    pairwise: np.ndarray  # letter x letter: P(same writer) of the two letters alone, on the same features and pool
    pair: tuple[int, int] | None = None  # the two letters the pair step joined (both got the pair's score)
    pair_likeness: float = 0.0  # how much more alike the two are than their rows of similarities predict (robust z)


# family -> the weight of each feature of a vocabulary (most frequent first): a learnt metric, as tried in
# benchmarks/series_metrics.py
Weights = dict[str, Callable[[list[str]], np.ndarray]]


def _matrix(profiles: list[TextProfile], family: str, weights: Weights | None = None) -> np.ndarray:
    get, size, _ = FAMILIES[family]
    counters = [get(p) for p in profiles]
    vocab = top_vocabulary(counters, size)
    M = np.stack([vectorize(c, vocab) for c in counters]).astype(np.float64)
    if weights is None or family not in weights:
        return hellinger_rows(M)
    return hellinger_rows(M, np.sqrt(weights[family](list(vocab))))


def hellinger_rows(frequencies: np.ndarray, scale: np.ndarray | None = None) -> np.ndarray:
    """Square roots of relative frequencies, centred on the texts' mean, each row of unit length.

    The square root (Hellinger) damps the frequent features without blowing up the rare ones, as z-scores over a
    few dozen texts do (a feature seen twice in one text gets the weight of the most frequent ones). On the 72
    development series it raised "both impostors lowest and flagged" from 50% to 61% (BENCHMARKS.md, issue 14).
    """
    Z = np.sqrt(np.maximum(frequencies, 0.0))
    Z = Z - Z.mean(axis=0)
    if scale is not None:  # a learnt metric: each feature's axis stretched by its reliability
        Z = Z * scale
    return Z / (np.linalg.norm(Z, axis=1, keepdims=True) + 1e-12)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of a (n, d) with b (n, d) or (d,)."""
    na = np.linalg.norm(a, axis=-1)
    nb = np.linalg.norm(b, axis=-1)
    return np.sum(a * b, axis=-1) / (na * nb + 1e-12)


def _statistics(Z: np.ndarray, n_letters: int, excluded: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(alone, with partner, partner index) for every row of Z (letters first, then references).

    `excluded[i, j]` marks letters j that must not serve as i's companions (itself, variants of one message).
    """
    n = len(Z)
    L, R = Z[:n_letters], Z[n_letters:]
    alone = np.zeros(n)
    paired = np.zeros(n)
    partner = np.zeros(n, dtype=int)
    for x in range(n):
        others = [j for j in range(n_letters) if not excluded[x, j]]
        refs = [r for r in range(len(R)) if r + n_letters != x]
        ref_centre = R[refs].mean(axis=0)
        total = L[others].sum(axis=0)
        alone[x] = _cos(Z[x], total / len(others)) - REF_WEIGHT * _cos(Z[x], ref_centre)
        if len(others) < 3:
            paired[x], partner[x] = alone[x], -1
            continue
        idx = np.array(others)
        pair = (Z[x][None, :] + L[idx]) / 2
        rest = (total[None, :] - L[idx]) / (len(others) - 1)
        scores = _cos(pair, rest) - REF_WEIGHT * _cos(pair, ref_centre)
        best = int(np.argmin(scores))
        paired[x], partner[x] = scores[best], int(idx[best])
    return alone, paired, partner


def _robust(values: np.ndarray) -> tuple[float, float]:
    med = float(np.median(values))
    return med, max(1.4826 * float(np.median(np.abs(values - med))), 1e-6)


def series_consistency(
    letters: list[TextProfile],
    references: list[TextProfile],
    excluded: np.ndarray | None = None,
    weights: Weights | None = None,
) -> Consistency | None:
    """Score every letter of a series against the others, calibrated on the reference pool; None when the series
    or the pool is too small for this (see MIN_LETTERS, MIN_REFERENCES), or a letter has fewer than MIN_COMPANIONS
    letters that are not its variants."""
    n = len(letters)
    if n < MIN_LETTERS or len(references) < MIN_REFERENCES:
        return None
    texts = letters + references
    full = np.zeros((len(texts), n), dtype=bool)
    full[np.arange(n), np.arange(n)] = True
    if excluded is not None:
        full[:n, :n] |= excluded
    if _fewest_companions(full[:n, :n]) < MIN_COMPANIONS:  # a letter whose others are nearly all its variants
        return None
    matrices = {family: _matrix(texts, family, weights) for family in FAMILIES}
    model = sequential.SeriesModel([p.text for p in texts], n) if n <= sequential.MAX_LETTERS else None
    mean_llr, separation, evidence, partners, helps = _evidence(matrices, model, n, full)
    likeness = SEQUENTIAL_WEIGHT * double_centred(helps) if model is not None else np.zeros((n, n))
    pair_llr = np.zeros((n, n))
    for Z in matrices.values():
        likeness += double_centred(Z[:n] @ Z[:n].T)
        pair_llr += _pairwise_llr(Z, n, full[:n, :n]) / len(FAMILIES)
    likeness /= _weight_sum(model)
    if model is not None and CLEAN_UP:
        # the suspects out of every text's model of the series (their variants too), every letter scored again
        first, _, _ = pair_step(mean_llr, likeness, full[:n, :n])
        suspects = np.argsort(first, kind="stable")[:CLEAN_UP]
        gone = np.any(full[suspects, :n], axis=0)
        if _fewest_companions(full[:n, :n] | gone) >= MIN_COMPANIONS:  # else (few messages, many variants): one pass
            mean_llr, separation, evidence, _, _ = _evidence(matrices, model, n, full, gone)
    mean_llr, pair, z = pair_step(mean_llr, likeness, full[:n, :n])
    if model is not None:
        mean_llr = mean_llr + SHIFT
    if pair is not None:
        partners[pair[0]], partners[pair[1]] = pair[1], pair[0]
    prob = 1 / (1 + np.exp(-mean_llr))
    pairwise = 1 / (1 + np.exp(-pair_llr))
    np.fill_diagonal(pairwise, 1.0)
    return Consistency(prob.tolist(), mean_llr.tolist(), evidence, partners, separation, pairwise, pair, z)


def _evidence(
    matrices: dict[str, np.ndarray],
    model: sequential.SeriesModel | None,
    n: int,
    full: np.ndarray,
    left_out: np.ndarray | None = None,  # boolean per letter
) -> tuple[np.ndarray, float, list[dict[str, float]], list[int | None], np.ndarray]:
    """Every family's LLR per letter, each text scored against the series without itself, its variants (`full`) and
    the letters `left_out` (the clean-up's suspects): the weighted mean LLR, the mean separation, each letter's
    evidence by family, its character partner and the character model's help matrix (zeros without the model)."""
    out = full.copy()
    if left_out is not None:
        out[:, left_out] = True
    evidence: list[dict[str, float]] = [{} for _ in range(n)]
    partners: list[int | None] = [None] * n
    total_llr, separations, helps = np.zeros(n), [], np.zeros((n, n))
    if model is not None:
        gone = frozenset(np.flatnonzero(left_out).tolist()) if left_out is not None else frozenset()
        alone, paired, helps = model.statistics(full[:n, :n], gone)
        llr, separation = family_llr(alone, paired, n)
        total_llr += SEQUENTIAL_WEIGHT * llr
        separations += [separation] * int(SEQUENTIAL_WEIGHT)
        for i in range(n):
            evidence[i][SEQUENTIAL] = float(llr[i])
    for family, Z in matrices.items():
        alone, paired, partner = _statistics(Z, n, out)
        llr, separation = family_llr(alone, paired, n)
        separations.append(separation)
        total_llr += llr
        for i in range(n):
            evidence[i][family] = float(llr[i])
            if family == "characters":
                partners[i] = int(partner[i]) if partner[i] >= 0 else None
    # The families are correlated (all see the same words): their mean, not their sum, is the evidence.
    return total_llr / _weight_sum(model), float(np.mean(separations)), evidence, partners, helps


def _weight_sum(model: sequential.SeriesModel | None) -> float:
    """The families' weights together (each 1), with the character model's when the series has one."""
    return len(FAMILIES) + (SEQUENTIAL_WEIGHT if model is not None else 0.0)


def _fewest_companions(out: np.ndarray) -> int:
    """The fewest letters any letter is compared with (`out[i, j]`: letter j is not letter i's companion)."""
    return int((~out).sum(axis=1).min())


def family_llr(alone: np.ndarray, paired: np.ndarray, n: int) -> tuple[np.ndarray, float]:
    """One family's evidence from its two statistics (letters first, then the references): the bounded LLR of each
    letter (same writer against another) and the separation of the pool from the letters, in the letters' spread."""
    # One statistic per family, on the letters' own scale; the references scored in the same way.
    med_a, mad_a = _robust(alone[:n])
    med_p, mad_p = _robust(paired[:n])
    s = ((alone - med_a) / mad_a + (paired - med_p) / mad_p) / 2
    same_m, same_s = _robust(s[:n])
    other_m = float(np.mean(s[n:]))
    other_s = max(float(np.std(s[n:])), 0.5, OTHER_SPREAD * abs(same_m - other_m))
    llr = _gauss(s[:n], same_m, same_s) - _gauss(s[:n], other_m, other_s)
    llr = np.where(s[:n] > same_m, np.maximum(llr, 0.0), llr)  # more typical than the median is no evidence against
    return np.clip(llr, -CAP, CAP), (same_m - other_m) / same_s


def double_centred(sims: np.ndarray) -> np.ndarray:
    """Letter x letter cosines minus what each letter's mean similarity to the others predicts (row + column −
    grand mean, off the diagonal): positive where two letters are more alike than their rows say."""
    n = len(sims)
    off = ~np.eye(n, dtype=bool)
    row = np.array([sims[i, off[i]].mean() for i in range(n)])
    out = sims - row[:, None] - row[None, :] + sims[off].mean()
    out[~off] = 0.0
    return out


def pair_step(
    llr: np.ndarray, likeness: np.ndarray, excluded: np.ndarray
) -> tuple[np.ndarray, tuple[int, int] | None, float]:
    """Among the PAIR_CANDIDATES least likely letters, the pair (not variants of one message, more alike than their
    rows predict) with the lowest mean LLR minus PAIR_WEIGHT times its likeness z; both letters get that score when
    it is lower than their own. Returns the new LLRs, the pair (or None) and its likeness z.

    On the 216 development series (BENCHMARKS.md, issue 14, session 9) it puts both impostors lowest in 156 against
    138: a genuine letter from another book sits as low as an impostor, but resembles nobody in particular."""
    n = len(llr)
    upper = np.triu_indices(n, 1)
    med, mad = _robust(likeness[upper])
    z = (likeness - med) / mad
    best, pair = np.inf, None
    for a, b in itertools.combinations(np.argsort(llr, kind="stable")[:PAIR_CANDIDATES].tolist(), 2):
        if excluded[a, b] or excluded[b, a] or z[a, b] < 0:
            continue
        score = (llr[a] + llr[b]) / 2 - PAIR_WEIGHT * z[a, b]
        if score < best:
            best, pair = score, (int(a), int(b))
    out = llr.copy()
    if pair is None:
        return out, None, 0.0
    for k in pair:
        out[k] = min(out[k], best)
    return out, pair, float(z[pair])


def _pairwise_llr(Z: np.ndarray, n: int, excluded: np.ndarray) -> np.ndarray:
    """For every two letters: is their cosine more like that of two letters of the series (its robust centre and
    spread) or like that of a letter and a reference text? Bounded log-likelihood ratio, as for single letters."""
    sims = Z[:n] @ Z[:n].T
    free = ~excluded & ~np.eye(n, dtype=bool)
    same_m, same_s = _robust(sims[free]) if free.any() else (1.0, 1.0)
    cross = (Z[:n] @ Z[n:].T).ravel()
    other_m = float(np.mean(cross))
    other_s = max(float(np.std(cross)), 1e-3, OTHER_SPREAD * abs(same_m - other_m))
    llr = _gauss(sims, same_m, same_s) - _gauss(sims, other_m, other_s)
    llr = np.where(sims > same_m, np.maximum(llr, 0.0), llr)
    return np.clip(llr, -CAP, CAP)


def _gauss(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    return -0.5 * ((x - mean) / sd) ** 2 - np.log(sd)


def reasons(c: Consistency, i: int, n_letters: int, n_references: int, labels: list[str]) -> list[str]:
    """Plain words for letter i: which feature families speak, against how many letters and reference texts."""
    out = []
    for family, v in sorted(c.evidence[i].items(), key=lambda kv: kv[1]):
        words = SEQUENTIAL_WORDS if family == SEQUENTIAL else FAMILIES[family][2]
        if v <= -1.0:
            out.append(f"its {words} sit closer to the {n_references} reference texts by other people than to "
                       f"the other {n_letters - 1} letters (evidence {v:+.1f})")
        elif v >= 1.0:
            out.append(f"its {words} match the other {n_letters - 1} letters better than the {n_references} "
                       f"reference texts (evidence {v:+.1f})")
    j = c.partner[i]
    if c.pair is not None and i in c.pair and c.probability[i] < 0.5:
        k = c.pair[1] if c.pair[0] == i else c.pair[0]
        out.append(f"it and '{labels[k]}' are more alike than either is like the series (likeness "
                   f"{c.pair_likeness:+.1f} robust SDs) and both stand apart: judged together as a pair, possibly "
                   "the same other hand")
    elif c.probability[i] < 0.5 and j is not None and c.probability[j] < 0.5:
        out.append(f"it resembles '{labels[j]}', which also stands apart from the series: possibly the same other hand")
    return out
