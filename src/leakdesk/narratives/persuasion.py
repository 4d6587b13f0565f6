"""Paragraph-level persuasion techniques (SemEval-2023 task 3, subtask 3): model, reading the format, scoring.

The model is TF-IDF (word and character n-grams) with one logistic regression per technique; each technique's
decision threshold is chosen by cross-validation on the training data only. The official score is micro-F1 over
(paragraph, technique) pairs. The shipped model file is built by `benchmarks/narratives_persuasion.py train`.
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
MODEL_VERSION = "persuasion-tfidf-lr-1"
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


class PersuasionModel:
    """One-vs-rest logistic regression over TF-IDF features, with a threshold per technique."""

    def __init__(self, c: float = 4.0, folds: int = 4, min_support: int = 5) -> None:
        self.c = c
        self.folds = folds
        self.min_support = min_support

    def _features(self, texts: Sequence[str], fit: bool = False) -> sparse.csr_matrix:
        if fit:
            self.vectorizers_ = _vectorizers()
            return sparse.hstack([v.fit_transform(texts) for v in self.vectorizers_]).tocsr()
        return sparse.hstack([v.transform(texts) for v in self.vectorizers_]).tocsr()

    def _fit_classifiers(self, x: sparse.csr_matrix, y: np.ndarray) -> list[Any]:
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        models = []
        for j in range(y.shape[1]):
            clf = LogisticRegression(C=self.c, class_weight="balanced", max_iter=2000, solver="liblinear")
            clf.fit(x, y[:, j])
            models.append(clf)
        return models

    def fit(self, texts: Sequence[str], labels: Sequence[set[str]], groups: Sequence[str],
            tune: Sequence[bool] | None = None) -> PersuasionModel:
        """Learn the classifiers, then thresholds from out-of-fold probabilities (folds grouped by article).

        `tune` marks the paragraphs whose out-of-fold probabilities choose the thresholds (default: all), so a
        model trained on Russian and English can have thresholds fitted to Russian.
        """
        from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

        counts: dict[str, int] = {}
        for ts in labels:
            for t in ts:
                counts[t] = counts.get(t, 0) + 1
        self.techniques_ = sorted(t for t, n in counts.items() if n >= self.min_support)
        y = np.array([[t in ts for t in self.techniques_] for ts in labels], dtype=np.int8)
        oof = np.zeros(y.shape, dtype=np.float32)
        for train, held in GroupKFold(n_splits=self.folds).split(texts, y, groups):
            x_train = self._features([texts[i] for i in train], fit=True)
            x_held = self._features([texts[i] for i in held])
            for j, clf in enumerate(self._fit_classifiers(x_train, y[train])):
                oof[held, j] = clf.predict_proba(x_held)[:, 1]
        mask = np.ones(len(texts), dtype=bool) if tune is None else np.asarray(tune, dtype=bool)
        self.thresholds_ = np.array([_best_threshold(oof[mask, j], y[mask, j]) for j in range(y.shape[1])])
        self.oof_ = oof
        x = self._features(texts, fit=True)
        self.classifiers_ = self._fit_classifiers(x, y)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        x = self._features(list(texts))
        return np.column_stack([clf.predict_proba(x)[:, 1] for clf in self.classifiers_])

    def predict(self, texts: Sequence[str]) -> list[set[str]]:
        probs = self.predict_proba(texts)
        return [{t for t, p, th in zip(self.techniques_, row, self.thresholds_, strict=True) if p >= th}
                for row in probs]


def _best_threshold(probs: np.ndarray, truth: np.ndarray) -> float:
    """The probability cut that maximises this technique's F1 on out-of-fold predictions (the middle of the best
    plateau, so a perfectly separated technique does not get the lowest cut)."""
    cuts = np.arange(0.05, 0.95, 0.025)
    scores = []
    for th in cuts:
        guess = probs >= th
        tp = int(np.sum(guess & (truth == 1)))
        fp = int(np.sum(guess & (truth == 0)))
        fn = int(np.sum(~guess & (truth == 1)))
        scores.append(_f1(tp, fp, fn)[2])
    best = np.flatnonzero(np.isclose(scores, max(scores)))
    return float(cuts[best[len(best) // 2]])


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
