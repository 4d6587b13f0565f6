"""A series as a whole: leave-one-out consistency of every letter, the outliers, a pairwise same-author matrix,
and a clustering into hands (how many people wrote this series?), with a heat-map and a dendrogram.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import dendrogram, fcluster, linkage
from scipy.spatial.distance import squareform

from leakdesk.authorship.calibration import method_votes, probability
from leakdesk.authorship.casework import (
    MIN_CASE_LETTERS,
    MIN_CASE_REFERENCES,
    Letter,
    Progress,
    _excluded,
    _judge,
    _verifier,
    consistency_of,
    load_letters,
    reference_pool,
    series_row,
)
from leakdesk.authorship.features import ProfileCache
from leakdesk.authorship.problem import Problem
from leakdesk.authorship.verifier import DIFFERENT, VERSION, AuthorshipVerifier
from leakdesk.case import Case
from leakdesk.errors import AuthorshipError
from leakdesk.store.records import series as records_series

REPORT_DIR = "authorship"


def report_dir(case: Case) -> Path:
    folder = case.reports / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-") or "series"


def series_report(case: Case, series: str, progress: Progress | None = None) -> dict[str, Any]:
    """Compute the whole-series analysis, store it, and draw its figures into the case's reports folder."""
    with case.connect() as conn:
        srow = series_row(conn, series)
        letters = load_letters(conn, srow.id)
        pool, ref_counts = reference_pool(conn, srow.id)
    readable = [x for x in letters if x.text.strip()]
    if len(readable) < 2:
        raise AuthorshipError(
            f"The series '{series}' has {len(readable)} readable letter(s); a series report needs at least two."
        )
    language = Counter(x.language for x in readable).most_common(1)[0][0]
    refs = pool.get(language, [])
    verifier = _verifier(pool, language)
    cache = ProfileCache(verifier._function_words())
    loo = _judge(letters, readable, language, pool, ref_counts, progress, cache=cache)
    methods = sorted({r["calibration"] for r in loo} - {"none"})
    found = consistency_of(readable, language, refs, cache)[0] if methods == ["series-consistency"] else None
    if found is not None:
        # The verdicts came from the series-consistency model: the matrix and the hands come from it too.
        matrix = found.pairwise
        by_id = {r["dispatch_id"]: r["decision"] for r in loo}
        hands, labels = hands_from_verdicts([by_id[x.dispatch_id] for x in readable], found.partner)
        basis = (
            f"series consistency: every letter against the other {len(readable) - 1} letters, relative to "
            f"{len(refs)} reference texts by other people; the hands are the letters judged by the series' "
            "writer, and the letters judged by another hand grouped with the letter they most resemble; the "
            "matrix compares two letters at a time on the same features and the same reference texts"
        )
    else:
        matrix = pairwise_matrix(verifier, readable, refs, language)
        hands, labels = cluster_hands(matrix)
        basis = (
            f"the shipped pairwise verifier ({', '.join(methods) or 'no verdict'}): every pair of letters judged "
            "on its own two texts, hands by clustering that matrix at 0.5"
        )
    outliers = [r["dispatch_id"] for r in loo if r["decision"] == "different"]
    ids = [x.dispatch_id for x in readable]
    result: dict[str, Any] = {
        "series": series,
        "language": language,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "letters": [{"dispatch_id": x.dispatch_id, "label": x.label} for x in readable],
        "leave_one_out": loo,
        "outliers": outliers,
        "basis": basis,
        "method": "series-consistency" if found is not None else "pairwise",
        "matrix": {"dispatch_ids": ids, "probability": np.round(matrix, 4).tolist()},
        "hands": hands,
        "hand_of": {str(i): int(h) for i, h in zip(ids, labels, strict=True)},
        "reference_texts": len(refs),
    }
    folder = report_dir(case)
    base = slug(series)
    result["figures"] = {
        "heatmap": str(_heatmap(matrix, ids, folder / f"{base}-heatmap.png", series)),
        "dendrogram": str(_dendrogram(matrix, ids, folder / f"{base}-dendrogram.png", series,
                                      cut=found is None)),
    }
    with case.transaction() as conn:
        records_series.save_analysis(conn, srow.id, VERSION, json.loads(json.dumps(result, default=str)))
        case.audit(conn, "authorship.series-report", f"series {srow.id}",
                   {"hands": len(hands), "outliers": outliers, "letters": len(readable)})  # fmt: skip
    return result


def pairwise_matrix(verifier: AuthorshipVerifier, letters: list[Letter], refs: list[str], language: str) -> np.ndarray:
    """P(same author) for every pair of letters, each pair judged on its own two texts.

    With enough letters and reference texts the pair probabilities are calibrated on the case, leaving out every pair
    that involves either of the two letters judged (see `casework`); otherwise the shipped fusion is used.
    """
    n = len(letters)
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n) if not _excluded(letters[a], letters[b])]
    problems = [Problem([letters[a].text], letters[b].text, language, f"{a}-{b}") for a, b in pairs]
    X, _ = verifier._score(problems, {}, False) if problems else (np.zeros((0, len(verifier.columns))), None)
    X = np.where(np.isfinite(X), X, 0.0)
    matrix = np.eye(n)
    if not pairs:
        return matrix
    if n >= MIN_CASE_LETTERS and len(refs) >= MIN_CASE_REFERENCES:
        neg_idx = [(a, r) for a in range(n) for r in range(len(refs))]
        negs = [Problem([letters[a].text], refs[r], language, f"r{a}-{r}") for a, r in neg_idx]
        X_neg, _ = verifier._score(negs, {}, False)
        X_neg = np.where(np.isfinite(X_neg), X_neg, 0.0)
        probs = []
        for k, (a, b) in enumerate(pairs):
            pos = [j for j, (c, d) in enumerate(pairs) if len({a, b} & {c, d}) == 0]
            neg = [j for j, (c, _) in enumerate(neg_idx) if c not in (a, b)]
            if len(pos) < 3:
                probs.append(float(verifier.fusion_.predict_proba(X[k : k + 1])[0, 1]))
                continue
            probs.append(probability(method_votes(verifier.columns, X[pos], X_neg[neg], X[k])))
    else:
        probs = verifier.fusion_.predict_proba(X)[:, 1].tolist()
    for (a, b), p in zip(pairs, probs, strict=True):
        matrix[a, b] = matrix[b, a] = p
    for a in range(n):  # variants of one message: the same text, the same hand
        for b in range(n):
            if a != b and _excluded(letters[a], letters[b]):
                matrix[a, b] = 1.0
    return matrix


def hands_from_verdicts(decisions: list[str], partner: list[int | None]) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Hands as the verdicts say: the letters not judged `different` are the series' writer; each letter judged
    `different` joins the letter it makes the most separate pair with when that one is also judged `different`."""
    n = len(decisions)
    root = list(range(n))

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    apart = [i for i in range(n) if decisions[i] == DIFFERENT]
    for i in apart:
        j = partner[i]
        if j is not None and decisions[j] == DIFFERENT:
            root[find(i)] = find(j)
    group = [-1 if decisions[i] != DIFFERENT else find(i) for i in range(n)]
    order = ([-1] if any(g == -1 for g in group) else []) + [g for g, _ in Counter(g for g in group if g != -1)
                                                             .most_common()]  # fmt: skip
    renum = {g: k + 1 for k, g in enumerate(order)}
    labels = np.array([renum[g] for g in group], dtype=int)
    hands = [{"hand": h, "size": int((labels == h).sum()), "members": np.flatnonzero(labels == h).tolist()}
             for h in sorted(set(labels.tolist()))]  # fmt: skip
    return hands, labels


def cluster_hands(matrix: np.ndarray, threshold: float = 0.5) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Average-linkage clustering on 1 - P(same); a new hand starts where letters are more likely by different
    writers than by one (distance above `threshold`)."""
    n = len(matrix)
    if n < 2:
        return [{"hand": 1, "size": n, "members": list(range(n))}], np.ones(n, dtype=int)
    dist = squareform(1 - matrix, checks=False)
    labels = fcluster(linkage(dist, "average"), t=threshold, criterion="distance")
    # number hands by size, largest first
    order = [h for h, _ in Counter(labels.tolist()).most_common()]
    renum = {h: i + 1 for i, h in enumerate(order)}
    labels = np.array([renum[h] for h in labels])
    hands = [{"hand": h, "size": int((labels == h).sum()), "members": np.flatnonzero(labels == h).tolist()}
             for h in sorted(set(labels.tolist()))]  # fmt: skip
    return hands, labels


def _heatmap(matrix: np.ndarray, ids: list[int], path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.2 + 0.45 * len(ids), 1 + 0.4 * len(ids)))
    im = ax.imshow(matrix, vmin=0, vmax=1, cmap="RdYlGn")
    ax.set_xticks(range(len(ids)), [str(i) for i in ids], rotation=90)
    ax.set_yticks(range(len(ids)), [str(i) for i in ids])
    ax.set_title(f"{title}: P(same writer), by dispatch id")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _dendrogram(matrix: np.ndarray, ids: list[int], path: Path, title: str, cut: bool = True) -> Path:
    """Average linkage on 1 - P(same); `cut`: the hands are this tree cut at 0.5 (else they come from the
    verdicts, and the tree only shows which letters resemble which)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2 + 0.4 * len(ids), 3.5))
    if len(ids) >= 2:
        dendrogram(linkage(squareform(1 - matrix, checks=False), "average"), labels=[str(i) for i in ids], ax=ax,
                   color_threshold=0.5 if cut else 0)  # fmt: skip
        if cut:
            ax.axhline(0.5, ls="--", c="grey")
    ax.set_ylabel("1 - P(same writer)")
    ax.set_title(f"{title}: hands (cut at 0.5)" if cut else f"{title}: which letters resemble which")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def stored_reports(case: Case) -> list[dict[str, Any]]:
    """The newest stored analysis of every series (kept in the store, so a team on PostgreSQL shares them)."""
    with case.connect() as conn:
        return [a.result for a in records_series.analyses(conn)]
