"""Paragraph-level persuasion techniques (SemEval-2023 task 3, subtask 3): model, reading the format, scoring.

The model is one logistic regression per technique over multilingual sentence vectors (USE v3, the project's one
encoder) and/or TF-IDF n-grams; the decision thresholds are chosen by cross-validation on the training data only,
for the official score: micro-F1 over (paragraph, technique) pairs. The shipped model file is built by
`benchmarks/narratives_persuasion.py train` (every variant measured: `benchmarks/narratives_persuasion_variants.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]

from leakdesk.errors import NarrativesError

MODEL_FILE = Path(__file__).with_name("persuasion.joblib")
MODEL_VERSION = "persuasion-use-lr-2"
NAME_CALLING = "Name_Calling-Labeling"
_ARTICLE_ID = re.compile(r"article(\w+)\.txt$")

Paragraph = tuple[str, int]  # (article id, paragraph number: 1-based line number in the article file)


# --------------------------------------------------------------------------- reading the task's files


def read_articles(folder: Path) -> dict[Paragraph, str]:
    """Every non-empty paragraph of every `article<ID>.txt` in a folder, keyed by (article id, line number)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NarrativesError(f"{folder} is not a folder of articles (article<ID>.txt files).")
    found: dict[Paragraph, str] = {}
    for path in sorted(folder.iterdir()):
        match = _ARTICLE_ID.search(path.name)
        if not match:
            continue
        text = path.read_text("utf-8", errors="replace")
        for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
            if line.strip():
                found[(match.group(1), number)] = line.strip()
    if not found:
        raise NarrativesError(f"{folder} holds no article<ID>.txt files with text.")
    return found


def read_labels(path: Path) -> dict[Paragraph, set[str]]:
    """A subtask-3 labels file: `article_id<TAB>paragraph_no<TAB>technique,technique` (empty: no technique)."""
    path = Path(path)
    if not path.is_file():
        raise NarrativesError(f"The labels file {path} does not exist.")
    labels: dict[Paragraph, set[str]] = {}
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[1].strip().isdigit():
            raise NarrativesError(
                f"{path.name}, line {number}: expected 'article id, paragraph number, techniques' separated by tabs."
            )
        techniques = parts[2].strip() if len(parts) > 2 else ""
        labels[(parts[0].strip(), int(parts[1]))] = {t for t in techniques.split(",") if t}
    return labels


# --------------------------------------------------------------------------- scoring


@dataclass
class PersuasionScores:
    """Official micro-F1 over (paragraph, technique) pairs, and precision/recall/F1 per technique."""

    paragraphs: int
    micro_precision: float
    micro_recall: float
    micro_f1: float
    per_technique: dict[str, dict[str, float]] = field(default_factory=dict)
    missing_paragraphs: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(gold: dict[Paragraph, set[str]], predicted: dict[Paragraph, set[str]]) -> PersuasionScores:
    """Score predictions on the gold paragraphs only (as the official scorer does)."""
    techniques = sorted({t for ts in gold.values() for t in ts} | {t for ts in predicted.values() for t in ts})
    counts = {t: [0, 0, 0] for t in techniques}
    for key, truth in gold.items():
        guess = predicted.get(key, set())
        for t in truth & guess:
            counts[t][0] += 1
        for t in guess - truth:
            counts[t][1] += 1
        for t in truth - guess:
            counts[t][2] += 1
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    p, r, f = _f1(tp, fp, fn)
    per = {}
    for t, (a, b, c) in counts.items():
        tp_, rp, f_ = _f1(a, b, c)
        per[t] = {"precision": round(tp_, 4), "recall": round(rp, 4), "f1": round(f_, 4), "support": a + c}
    missing = sum(1 for k in gold if k not in predicted)
    return PersuasionScores(len(gold), round(p, 4), round(r, 4), round(f, 4), per, missing)


# --------------------------------------------------------------------------- the model


def _vectorizers() -> list[Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    return [
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, max_features=60000, sublinear_tf=True,
                        lowercase=True, dtype=np.float32),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, max_features=120000, sublinear_tf=True,
                        lowercase=True, dtype=np.float32),
    ]


FAMILIES = ("tfidf", "encoder")
THRESHOLDS = ("technique", "micro", "global")


class PersuasionModel:
    """One-vs-rest logistic regressions over TF-IDF n-grams and/or multilingual sentence vectors (USE v3, through
    `leakdesk.language.encoder`), their probabilities averaged, with a cut per technique.

    `thresholds`: "technique" (each technique's own best F1), "micro" (the cuts that together maximise micro-F1,
    the official score; a technique may be switched off) or "global" (one cut for all)."""

    def __init__(self, c: float = 4.0, folds: int = 4, min_support: int = 5, features: tuple[str, ...] = ("tfidf",),
                 encoder_c: float = 1.0, thresholds: str = "technique") -> None:
        self.c = c
        self.folds = folds
        self.min_support = min_support
        self.features = features
        self.encoder_c = encoder_c
        self.thresholds = thresholds

    def _tfidf(self, texts: Sequence[str], fit: bool = False) -> sparse.csr_matrix:
        if fit:
            self.vectorizers_ = _vectorizers()
            return sparse.hstack([v.fit_transform(texts) for v in self.vectorizers_]).tocsr()
        return sparse.hstack([v.transform(texts) for v in self.vectorizers_]).tocsr()

    @staticmethod
    def _fit_classifiers(x: Any, y: np.ndarray, c: float, known: np.ndarray | None) -> list[Any]:
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        models: list[Any] = []
        for j in range(y.shape[1]):
            rows = slice(None) if known is None else known[:, j]
            if len(set(y[rows, j].tolist())) < 2:  # a fold without one example of the technique
                models.append(_Never())
                continue
            solver = "lbfgs" if isinstance(x, np.ndarray) else "liblinear"  # lbfgs is quicker on dense vectors
            clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver=solver)
            clf.fit(x[rows], y[rows, j])
            models.append(clf)
        return models

    def _fit_all(self, texts: Sequence[str], vectors: np.ndarray | None, y: np.ndarray, known: np.ndarray | None,
                 tfidf_rows: np.ndarray) -> dict[str, list[Any]]:
        fitted: dict[str, list[Any]] = {}
        if "tfidf" in self.features:  # n-grams of one language say little about another: its own rows only
            x = self._tfidf([t for t, keep in zip(texts, tfidf_rows, strict=True) if keep], fit=True)
            fitted["tfidf"] = self._fit_classifiers(x, y[tfidf_rows], self.c,
                                                    None if known is None else known[tfidf_rows])
        if "encoder" in self.features and vectors is not None:
            fitted["encoder"] = self._fit_classifiers(vectors, y, self.encoder_c, known)
        return fitted

    def _probs(self, fitted: dict[str, list[Any]], texts: Sequence[str], vectors: np.ndarray | None) -> np.ndarray:
        parts = []
        if "tfidf" in fitted:
            x = self._tfidf(list(texts))
            parts.append(np.column_stack([clf.predict_proba(x)[:, 1] for clf in fitted["tfidf"]]))
        if "encoder" in fitted:
            parts.append(np.column_stack([clf.predict_proba(vectors)[:, 1] for clf in fitted["encoder"]]))
        return np.mean(parts, axis=0)

    def fit(self, texts: Sequence[str], labels: Sequence[set[str]], groups: Sequence[str],
            tune: Sequence[bool] | None = None, known: np.ndarray | None = None,
            tfidf_rows: Sequence[bool] | None = None) -> PersuasionModel:
        """Learn the classifiers, then thresholds from out-of-fold probabilities (folds grouped by article).

        `tune` marks the paragraphs whose out-of-fold probabilities choose the thresholds (default: all), so a
        model trained on several languages can have thresholds fitted to Russian. `known[i, j]` False leaves
        paragraph i out of technique j's training (a corpus that does not annotate j). `tfidf_rows` marks the
        paragraphs the n-gram part learns from (default: all).
        """
        from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

        if self.thresholds not in THRESHOLDS or not set(self.features) <= set(FAMILIES) or not self.features:
            raise NarrativesError(f"A persuasion model needs features among {FAMILIES} and thresholds among "
                                  f"{THRESHOLDS}.")
        counts: dict[str, int] = {}
        for ts in labels:
            for t in ts:
                counts[t] = counts.get(t, 0) + 1
        self.techniques_ = sorted(t for t, n in counts.items() if n >= self.min_support)
        y = np.array([[t in ts for t in self.techniques_] for ts in labels], dtype=np.int8)
        if known is not None:
            known = np.asarray(known, dtype=bool)
        ngram_rows = np.ones(len(texts), bool) if tfidf_rows is None else np.asarray(tfidf_rows, dtype=bool)
        vectors = _encode(texts) if "encoder" in self.features else None
        mask = np.ones(len(texts), dtype=bool) if tune is None else np.asarray(tune, dtype=bool)
        oof = np.zeros(y.shape, dtype=np.float32)
        tuned = np.flatnonzero(mask)
        tuned_groups = [groups[int(i)] for i in tuned]
        for _, held_t in GroupKFold(n_splits=self.folds).split(tuned, groups=tuned_groups):
            held = tuned[held_t]
            train = np.setdiff1d(np.arange(len(texts)), held)  # every other paragraph, of any language
            fitted = self._fit_all([texts[i] for i in train], None if vectors is None else vectors[train],
                                   y[train], None if known is None else known[train], ngram_rows[train])
            oof[held] = self._probs(fitted, [texts[i] for i in held], None if vectors is None else vectors[held])
        if self.thresholds == "technique":
            self.thresholds_ = threshold_per_technique(oof[mask], y[mask])
        else:
            self.thresholds_ = threshold_micro(oof[mask], y[mask], shared=self.thresholds == "global")
        self.oof_ = oof
        self.fitted_ = self._fit_all(texts, vectors, y, known, ngram_rows)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        fitted = getattr(self, "fitted_", None) or {"tfidf": self.__dict__["classifiers_"]}  # a version-1 model file
        vectors = _encode(texts) if "encoder" in fitted else None
        return self._probs(fitted, texts, vectors)

    def predict(self, texts: Sequence[str]) -> list[set[str]]:
        probs = self.predict_proba(texts)
        return [{t for t, p, th in zip(self.techniques_, row, self.thresholds_, strict=True) if p >= th}
                for row in probs]


class _Never:
    """Stands in for a technique a training fold has no example of: probability 0."""

    def predict_proba(self, x: Any) -> np.ndarray:
        return np.column_stack([np.ones(x.shape[0]), np.zeros(x.shape[0])])


def _encode(texts: Sequence[str]) -> np.ndarray:
    from leakdesk.language import encoder

    return encoder.encode(list(texts))


CUTS = np.arange(0.05, 0.95, 0.025)
OFF = 1.01  # a cut no probability reaches: the technique is never predicted


def _counts(probs: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, false positives and false negatives per technique (rows) and cut (columns)."""
    guess = probs[:, :, None] >= CUTS[None, None, :]
    positive = (truth == 1)[:, :, None]
    tp = np.sum(guess & positive, axis=0)
    fp = np.sum(guess & ~positive, axis=0)
    fn = np.sum(~guess & positive, axis=0)
    return tp, fp, fn


def _middle_of_best(scores: np.ndarray) -> int:
    best = np.flatnonzero(np.isclose(scores, scores.max()))
    return int(best[len(best) // 2])


def _f1_array(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    return np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros(np.shape(tp), dtype=float), where=(2 * tp + fp + fn) > 0)


def threshold_per_technique(probs: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Each technique's cut that maximises its own F1 on out-of-fold probabilities (middle of the best plateau)."""
    tp, fp, fn = _counts(probs, truth)
    return np.array([CUTS[_middle_of_best(_f1_array(tp[j], fp[j], fn[j]))] for j in range(probs.shape[1])])


def threshold_micro(probs: np.ndarray, truth: np.ndarray, shared: bool = False, passes: int = 3) -> np.ndarray:
    """Cuts that maximise micro-F1 over (paragraph, technique) pairs — the official score — on out-of-fold
    probabilities: one cut for all techniques (`shared`), or per technique by coordinate ascent from the shared one
    (a rare technique that only adds false positives gets a high cut)."""
    tp, fp, fn = _counts(probs, truth)
    shared_cut = _middle_of_best(_f1_array(tp.sum(axis=0), fp.sum(axis=0), fn.sum(axis=0)))
    if shared:
        return np.full(probs.shape[1], CUTS[shared_cut])
    cuts = np.append(CUTS, OFF)  # a technique may also be switched off
    positives = (truth == 1).sum(axis=0)
    tp, fp = np.column_stack([tp, np.zeros(len(tp))]), np.column_stack([fp, np.zeros(len(fp))])
    fn = np.column_stack([fn, positives])
    chosen = np.full(probs.shape[1], shared_cut)
    rows = np.arange(probs.shape[1])
    for _ in range(passes):
        for j in rows:
            rest = rows != j
            base = [m[rest, chosen[rest]].sum() for m in (tp, fp, fn)]
            chosen[j] = _middle_of_best(_f1_array(base[0] + tp[j], base[1] + fp[j], base[2] + fn[j]))
    return cuts[chosen]


def context_vectors(vectors: np.ndarray, articles: Sequence[str], numbers: Sequence[int]) -> np.ndarray:
    """Each paragraph's vector beside the mean of its neighbours (previous and next paragraph of the same article)
    and the article's mean: a technique often shows only against what comes before and after."""
    out = np.zeros((len(vectors), vectors.shape[1] * 3), np.float32)
    by_article: dict[str, list[int]] = {}
    for i, article in enumerate(articles):
        by_article.setdefault(article, []).append(i)
    for rows in by_article.values():
        rows = sorted(rows, key=lambda i: numbers[i])
        mean = vectors[rows].mean(axis=0)
        for pos, i in enumerate(rows):
            near = [rows[p] for p in (pos - 1, pos + 1) if 0 <= p < len(rows)]
            out[i] = np.concatenate([vectors[i], vectors[near].mean(axis=0) if near else vectors[i], mean])
    return out


def _best_threshold(probs: np.ndarray, truth: np.ndarray) -> float:
    """The probability cut that maximises this technique's F1 on out-of-fold predictions (the middle of the best
    plateau, so a perfectly separated technique does not get the lowest cut)."""
    return float(threshold_per_technique(probs[:, None], truth[:, None])[0])


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_FILE) -> PersuasionModel:
    """The shipped persuasion model (trained on the SemEval-2023 task 3 training data)."""
    import joblib  # type: ignore[import-untyped]

    if not path.is_file():
        raise NarrativesError(
            f"The persuasion model {path.name} is missing; rebuild it with "
            "`benchmarks/narratives_persuasion.py train` or reinstall leakdesk."
        )
    model = joblib.load(path)
    if not isinstance(model, PersuasionModel):
        raise NarrativesError(f"{path} is not a leakdesk persuasion model.")
    return model


def evaluate(articles_dir: Path, labels_file: Path, model: PersuasionModel | None = None) -> PersuasionScores:
    """Predict the techniques of every labelled paragraph and score them (`leakdesk eval persuasion`)."""
    paragraphs = read_articles(articles_dir)
    gold = read_labels(labels_file)
    keys = [k for k in gold if k in paragraphs]
    if not keys:
        raise NarrativesError(
            f"None of the paragraphs in {Path(labels_file).name} were found in {articles_dir}; "
            "check that the labels belong to these articles."
        )
    model = model or load_model()
    predicted = dict(zip(keys, model.predict([paragraphs[k] for k in keys]), strict=True))
    return score(gold, predicted)
