"""Sentence alignment of an original and its translation: Gale-Church length model, anchors and meaning.

Dynamic programming over 1-1, 1-2, 2-1, 1-0 and 0-1 beads. The cost of a bead is -log of its prior times the
probability of its length difference (Gale & Church 1993), minus a bonus for shared anchors (numbers, months, names,
?/!), plus a penalty for anchors left without a partner, and — with the multilingual sentence encoder — minus the
agreement in meaning of the bead's two sides (so two non-1-1 beads whose lengths cancel out no longer fool it), plus
a penalty for a 2-1 or 1-2 bead one of whose sentences matches no clause of the other side (an omitted sentence
beside a long one is not taken for a merge).
Each bead gets a confidence in [0, 1]; the document's confidence is their length-weighted mean, which collapses when
the "translation" is of another letter.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from leakdesk.language.anchors import anchors
from leakdesk.language.segment import Sentence

# Bead priors (source sentences, target sentences) -> probability, after Gale & Church.
PRIORS = {(1, 1): 0.89, (1, 0): 0.005, (0, 1): 0.005, (2, 1): 0.045, (1, 2): 0.045}
VARIANCE = 6.8  # variance of the target length per source character (Gale & Church)
WEIGHTS = {"n": (1.5, 1.5), "p": (0.6, 0.15), "q": (0.4, 0.3)}  # kind -> (bonus per match, penalty per orphan)
NOTE_PRIOR = 0.2  # an added or omitted sentence in brackets: usually a translator's note
PARAGRAPH_PENALTY = 2.5  # a bead that joins sentences of two paragraphs
PLAUSIBLE_RATIO = (0.7, 1.5)  # target/source characters of a complete translation (ru→en measured 0.94-1.16)
BAND = 25  # sentences either side of the diagonal searched (widened by the difference in sentence counts)
# Meaning: cosine of the two sides in the encoder's space (a sentence and its translation ≈ 0.8, unrelated ≈ 0).
# Cost per unit of similarity away from the centre: the slope of the log-likelihood ratio of two normal laws fitted
# on the development gold (benchmarks/data/alignment and alignment-heldout): true 1-1 beads 0.714 ± 0.115, other
# pairs near the diagonal 0.115 ± 0.135, so (0.714 - 0.115) / 0.125² ≈ 38. (8 until 2026-12-03 let two poor 1-1
# beads outweigh an omission and an addition one bead apart.)
SEMANTIC_WEIGHT = 38.0
SEMANTIC_CENTRE = 0.45  # similarity at which a bead is neither helped nor hurt
SEMANTIC_FLOOR, SEMANTIC_FULL = 0.25, 0.65  # bead confidence from meaning: 0 at the floor, 1 at full
# Coverage of a 2-1 or 1-2 bead: each of its two sentences must match some clause of the one sentence on the other
# side. A short sentence joined to a long one barely moves the merged cosine, so without this an omitted sentence
# right after a long one was read as a merge. Best cosine of a sentence with the clauses (and neighbouring clause
# pairs) of the other side, on the gold of benchmarks/data/alignment and alignment-heldout 1-4: the weaker sentence
# of true merges 0.570 ± 0.138 (53 beads), sentences near the diagonal that are not each other's translation
# 0.121 ± 0.106 (3,992 pairs). The log-likelihood ratio of two normal laws fitted to these crosses zero at 0.325
# with a pooled slope of (0.570 - 0.121) / 0.123² ≈ 30: a merge whose weaker sentence covers less than that pays
# 30 per unit below it; above it nothing changes.
COVERAGE_WEIGHT = 30.0
COVERAGE_CENTRE = 0.325
CLAUSE_BREAKS = re.compile(r"\s*[,;:()\[\]«»\"“”„—–]\s*")


@dataclass(frozen=True)
class Bead:
    source: tuple[int, ...]  # indexes into the source sentences
    target: tuple[int, ...]
    confidence: float

    @property
    def kind(self) -> str:
        return f"{len(self.source)}-{len(self.target)}"


@dataclass(frozen=True)
class Alignment:
    beads: list[Bead]
    confidence: float  # document confidence in [0, 1]
    ratio: float  # target characters per source character

    def counts(self) -> dict[str, int]:
        return dict(Counter(b.kind for b in self.beads))


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _length_probability(ls: int, lt: int, ratio: float) -> float:
    """Two-tailed probability of a length difference at least this large (Gale-Church delta)."""
    if ls == 0 and lt == 0:
        return 1.0
    mean = (ls + lt / ratio) / 2.0
    delta = (lt - ls * ratio) / math.sqrt(max(mean, 1.0) * VARIANCE)
    return max(2.0 * (1.0 - _phi(abs(delta))), 1e-12)


def _anchor_score(a: Counter[str], b: Counter[str]) -> tuple[float, int, int]:
    """(cost adjustment, matched, orphaned) for the anchors of two bead sides."""
    adjust = 0.0
    matched = orphaned = 0
    for key in set(a) | set(b):
        bonus, penalty = WEIGHTS[key[0]]
        both = min(a[key], b[key])
        alone = abs(a[key] - b[key])
        adjust += -bonus * both + penalty * alone
        if key[0] != "q":  # numbers and names say whether the bead is right; ?! only helps find it
            matched += both
            orphaned += alone
    return adjust, matched, orphaned


def _size(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


@dataclass(frozen=True)
class _Pair:
    """The two texts as the aligner sees them: sentences, their lengths and anchors, the overall length ratio."""

    source: list[Sentence]
    target: list[Sentence]
    s_len: list[int]
    t_len: list[int]
    s_anc: list[Counter[str]]
    t_anc: list[Counter[str]]
    ratio: float
    meaning: _Meaning | None = None

    @classmethod
    def of(cls, source: list[Sentence], target: list[Sentence], semantic: bool = True) -> _Pair:
        s_len = [_size(s.text) for s in source]
        t_len = [_size(t.text) for t in target]
        ratio = (sum(t_len) / sum(s_len)) if sum(s_len) and sum(t_len) else 1.0
        return cls(
            source,
            target,
            s_len,
            t_len,
            [anchors(s.text) for s in source],
            [anchors(t.text) for t in target],
            min(max(ratio, 0.3), 3.0),
            _Meaning.of(source, target) if semantic and source and target else None,
        )

    def anchors_of(
        self, src: range | tuple[int, ...], tgt: range | tuple[int, ...]
    ) -> tuple[Counter[str], Counter[str]]:
        a: Counter[str] = sum((self.s_anc[k] for k in src), Counter())
        b: Counter[str] = sum((self.t_anc[k] for k in tgt), Counter())
        return a, b


@dataclass(frozen=True)
class _Meaning:
    """Similarity in meaning of every 1-1, 2-1 and 1-2 bead the search may consider."""

    one_one: np.ndarray  # [i, j]: source i with target j
    two_one: np.ndarray  # [i, j]: source i + i+1 with target j
    one_two: np.ndarray  # [i, j]: source i with target j + j+1
    source_in_target: np.ndarray  # [i, j]: best cosine of source i with a clause of target j
    target_in_source: np.ndarray  # [j, i]: best cosine of target j with a clause of source i

    @classmethod
    def of(cls, source: list[Sentence], target: list[Sentence]) -> _Meaning:
        from leakdesk.language.encoder import encode

        s_join = [f"{a.text} {b.text}" for a, b in zip(source, source[1:], strict=False)]
        t_join = [f"{a.text} {b.text}" for a, b in zip(target, target[1:], strict=False)]
        s_clauses = [_clauses(s.text) for s in source]
        t_clauses = [_clauses(t.text) for t in target]
        s_flat = [c for cs in s_clauses for c in cs]
        t_flat = [c for cs in t_clauses for c in cs]
        texts = [s.text for s in source] + s_join + [t.text for t in target] + t_join + s_flat + t_flat
        vectors = encode(texts)
        n, m = len(source), len(target)
        es, es2 = vectors[:n], vectors[n : n + len(s_join)]
        t_start, c_start = n + len(s_join), n + len(s_join) + m + len(t_join)
        et, et2 = vectors[t_start : t_start + m], vectors[t_start + m : c_start]
        ec_s, ec_t = vectors[c_start : c_start + len(s_flat)], vectors[c_start + len(s_flat) :]
        return cls(
            es @ et.T,
            es2 @ et.T,
            es @ et2.T,
            _best_per_owner(es @ ec_t.T, [len(cs) for cs in t_clauses]),
            _best_per_owner(et @ ec_s.T, [len(cs) for cs in s_clauses]),
        )

    def coverage(self, i: int, j: int, di: int, dj: int) -> float | None:
        """How well the weaker sentence of a 2-1 or 1-2 bead matches a clause of the other side (None otherwise)."""
        if (di, dj) == (2, 1):
            return float(min(self.source_in_target[i, j], self.source_in_target[i + 1, j]))
        if (di, dj) == (1, 2):
            return float(min(self.target_in_source[j, i], self.target_in_source[j + 1, i]))
        return None

    def of_bead(self, i: int, j: int, di: int, dj: int) -> float | None:
        if (di, dj) == (1, 1):
            return float(self.one_one[i, j])
        if (di, dj) == (2, 1):
            return float(self.two_one[i, j])
        if (di, dj) == (1, 2):
            return float(self.one_two[i, j])
        return None


def _clauses(sentence: str) -> list[str]:
    """The sentence, its parts between commas, colons, brackets, quotes and dashes, and neighbouring pairs of them."""
    parts = [p for p in CLAUSE_BREAKS.split(sentence) if p.strip(" .!?…")]
    out = [sentence, *parts, *(f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False))]
    return list(dict.fromkeys(out))


def _best_per_owner(similarity: np.ndarray, counts: list[int]) -> np.ndarray:
    """Column-wise groups of `counts` clauses reduced to their best similarity: [rows, len(counts)]."""
    starts = np.cumsum([0, *counts[:-1]])
    return np.maximum.reduceat(similarity, starts, axis=1)


def align(source: list[Sentence], target: list[Sentence], semantic: bool = True) -> Alignment:
    """Best bead sequence covering both sentence lists in order (`semantic=False`: lengths and anchors only)."""
    pair = _Pair.of(source, target, semantic)
    n, m = len(source), len(target)
    back = _search(pair, max(BAND, abs(n - m) + 10))
    if back is None:  # the band was too narrow for this pair: search everything
        back = _search(pair, None)
    assert back is not None
    beads: list[Bead] = []
    i, j = n, m
    while i > 0 or j > 0:
        step = back[i][j]
        assert step is not None
        di, dj = step
        src, tgt = tuple(range(i - di, i)), tuple(range(j - dj, j))
        beads.append(Bead(src, tgt, _bead_confidence(pair, src, tgt)))
        i, j = i - di, j - dj
    beads.reverse()
    confidence = _document_confidence(beads, pair.s_len, pair.t_len) * _shape_factor(beads, pair)
    return Alignment(beads, round(confidence, 4), pair.ratio)


def _search(pair: _Pair, band: int | None) -> list[list[tuple[int, int] | None]] | None:
    """Dynamic programming over beads, optionally within a band around the diagonal; None if the end is unreached."""
    n, m = len(pair.source), len(pair.target)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        if band is None:
            columns = range(m + 1)
        else:
            centre = round(i * m / n) if n else 0
            columns = range(max(0, centre - band), min(m, centre + band) + 1)
        for j in columns:
            here = cost[i][j]
            if here == inf:
                continue
            for (di, dj), prior in PRIORS.items():
                ni, nj = i + di, j + dj
                if ni > n or nj > m:
                    continue
                c = here + _bead_cost(pair, i, j, di, dj, prior)
                if c < cost[ni][nj]:
                    cost[ni][nj] = c
                    back[ni][nj] = (di, dj)
    return back if cost[n][m] < inf else None


def _bead_cost(pair: _Pair, i: int, j: int, di: int, dj: int, prior: float) -> float:
    if not (di and dj) and _bracketed((pair.source[i] if di else pair.target[j]).text):
        prior = NOTE_PRIOR
    cost = -math.log(prior)
    if di and dj:  # an omitted or added sentence has no length to compare; its prior says it all
        ls, lt = sum(pair.s_len[i : i + di]), sum(pair.t_len[j : j + dj])
        cost -= math.log(_length_probability(ls, lt, pair.ratio))
    cost += _anchor_score(*pair.anchors_of(range(i, i + di), range(j, j + dj)))[0]
    if pair.meaning is not None and (similarity := pair.meaning.of_bead(i, j, di, dj)) is not None:
        cost += SEMANTIC_WEIGHT * (SEMANTIC_CENTRE - similarity)
        if (covered := pair.meaning.coverage(i, j, di, dj)) is not None and covered < COVERAGE_CENTRE:
            cost += COVERAGE_WEIGHT * (COVERAGE_CENTRE - covered)
    if di == 2 and pair.source[i].paragraph != pair.source[i + 1].paragraph:
        cost += PARAGRAPH_PENALTY
    if dj == 2 and pair.target[j].paragraph != pair.target[j + 1].paragraph:
        cost += PARAGRAPH_PENALTY
    return cost


def _bracketed(sentence: str) -> bool:
    s = sentence.strip()
    return (s[:1], s[-1:]) in {("(", ")"), ("[", "]")} or (s[:1] in "([" and s[-2:-1] in ")]")


def _bead_confidence(pair: _Pair, src: tuple[int, ...], tgt: tuple[int, ...]) -> float:
    """How sure the bead is: length agreement, anchor agreement; omissions and additions get 0."""
    if not src or not tgt:
        return 0.0
    ls = sum(pair.s_len[k] for k in src)
    lt = sum(pair.t_len[k] for k in tgt)
    p_len = _length_probability(ls, lt, pair.ratio)
    _, matched, orphaned = _anchor_score(*pair.anchors_of(src, tgt))
    parts = [p_len]
    if matched + orphaned:
        parts.append(matched / (matched + orphaned))
    similarity = pair.meaning.of_bead(src[0], tgt[0], len(src), len(tgt)) if pair.meaning is not None else None
    if similarity is not None:
        parts.append(min(max((similarity - SEMANTIC_FLOOR) / (SEMANTIC_FULL - SEMANTIC_FLOOR), 0.0), 1.0))
    return round(sum(parts) / len(parts), 4)


def _shape_factor(beads: list[Bead], pair: _Pair) -> float:
    """Discount for a translation whose overall shape does not fit: far too short or long, or mostly merged beads.

    Translations of the same letter keep the length within PLAUSIBLE_RATIO and are mostly 1-1; a text that only fits
    by merging sentence after sentence is the translation of something else.
    """
    s_total, t_total = sum(pair.s_len), sum(pair.t_len)
    if not s_total or not t_total:
        return 0.0
    raw = t_total / s_total
    low, high = PLAUSIBLE_RATIO
    outside = math.log(raw / low) if raw < low else math.log(raw / high) if raw > high else 0.0
    ratio_factor = math.exp(-(outside**2) / (2 * 0.15**2))
    uneven = sum(1 for b in beads if b.kind != "1-1") / len(beads)
    shape = 1.0 if uneven <= 0.3 else max(0.0, 1.0 - (uneven - 0.3) * 1.5)
    return ratio_factor * shape


def _document_confidence(beads: list[Bead], s_len: list[int], t_len: list[int]) -> float:
    total = weight = 0.0
    for bead in beads:
        size = sum(s_len[k] for k in bead.source) + sum(t_len[k] for k in bead.target)
        total += bead.confidence * size
        weight += size
    return round(total / weight, 4) if weight else 0.0
