"""PAN authorship-verification measures, defined exactly as the PAN evaluators define them.

A verifier answers each problem with a score in [0, 1] (probability of "same author"). A score of exactly 0.5 is a
non-answer ("cannot tell"). The measures and their treatment of non-answers follow the PAN 2020/2021 evaluator
(pan-webis-de/pan-code, ``pan20_verif_evaluator.py``):

- AUC: ROC AUC over all scores, non-answers included as 0.5; 0.0 when the truth has a single class (as PAN does).
- c@1: (nc + nu * nc / n) / n, where nc is the number of correct answers and nu the number of non-answers.
- F1: non-answers are left out, the remaining scores binarised (>= 0.5 means "same"), then the usual F1.
- F0.5u: 1.25 tp / (1.25 tp + 0.25 (fn + nu) + fp), i.e. non-answers count as false negatives. This is the
  corrected definition (pan-code commit 4a56c34, 2021). The official PAN 2020 table was computed with a bug that
  binarised 0.5 to "same" first, so non-answers counted as true or false positives; ``f05u_2020=True`` reproduces it.
- Brier: the complement 1 - mean((score - truth)^2), so higher is better.
- overall: the mean of AUC, c@1, F1 and F0.5u, as in the PAN 2020 ranking (PAN 2021 added Brier to the mean; see
  ``overall_2021``).
- AUC·c@1: the product of AUC and c@1, the final score of PAN 2014 and 2015.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from leakdesk.authorship.pan import (
    PanCorpus,
    align_answers,
    read_answers_jsonl,
    read_pan_folder,
    read_truth_jsonl,
    write_answers,
)
from leakdesk.errors import AuthorshipError

NON_ANSWER = 0.5


def _arrays(truth: Sequence[float] | np.ndarray, scores: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check and align truth (0/1) and scores ([0, 1], NaN = non-answer, as PAN's evaluator fills it)."""
    y = np.asarray(truth, dtype=np.float64).ravel()
    p = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise AuthorshipError(f"There are {len(y)} truth values but {len(p)} scores; every problem needs both.")
    if len(y) == 0:
        raise AuthorshipError("There are no problems to score.")
    if not np.isin(y, (0.0, 1.0)).all():
        bad = y[~np.isin(y, (0.0, 1.0))][0]
        raise AuthorshipError(f"A truth value must be 0 (different authors) or 1 (same author), not {bad}.")
    p = np.where(np.isnan(p), NON_ANSWER, p)
    if ((p < 0) | (p > 1)).any():
        index = int(np.flatnonzero((p < 0) | (p > 1))[0])
        raise AuthorshipError(f"Score number {index + 1} is {p[index]}; a score must lie between 0 and 1.")
    return y, p


def auc(truth: Sequence[float] | np.ndarray, scores: Sequence[float] | np.ndarray) -> float:
    """Area under the ROC curve; non-answers take part as 0.5. PAN reports 0.0 when only one class is present."""
    y, p = _arrays(truth, scores)
    if len(np.unique(y)) < 2:
        return 0.0
    return float(roc_auc_score(y, p))


def c_at_1(truth: Sequence[float] | np.ndarray, scores: Sequence[float] | np.ndarray) -> float:
    """Accuracy that rewards leaving hard problems unanswered (Peñas and Rodrigo 2011)."""
    y, p = _arrays(truth, scores)
    n = len(y)
    answered = p != NON_ANSWER
    n_unanswered = int((~answered).sum())
    n_correct = int(((p > NON_ANSWER) == (y > 0.5))[answered].sum())
    return (n_correct + n_unanswered * n_correct / n) / n


def f1(truth: Sequence[float] | np.ndarray, scores: Sequence[float] | np.ndarray) -> float:
    """F1 of the answered problems (PAN leaves non-answers out); 0.0 when nothing was answered."""
    y, p = _arrays(truth, scores)
    answered = p != NON_ANSWER
    if not answered.any():
        return 0.0
    decided = (p[answered] >= NON_ANSWER).astype(int)
    return float(f1_score(y[answered].astype(int), decided, zero_division=0.0))


def f_05_u(
    truth: Sequence[float] | np.ndarray, scores: Sequence[float] | np.ndarray, *, variant_2020: bool = False
) -> float:
    """F0.5u (Bevendorff et al. 2019): precision-weighted F that counts non-answers as false negatives.

    ``variant_2020=True`` reproduces the official PAN 2020 figures, which treated a score of 0.5 as "same".
    """
    y, p = _arrays(truth, scores)
    unanswered = p == NON_ANSWER
    if variant_2020:
        unanswered = np.zeros_like(unanswered)
    said_same = (p > NON_ANSWER) | ((p == NON_ANSWER) & variant_2020)
    said_different = p < NON_ANSWER
    tp = int((said_same & (y == 1)).sum())
    fp = int((said_same & (y == 0)).sum())
    fn = int((said_different & (y == 1)).sum())
    nu = int(unanswered.sum())
    denominator = 1.25 * tp + 0.25 * (fn + nu) + fp
    return 1.25 * tp / denominator if denominator else 0.0


def brier(truth: Sequence[float] | np.ndarray, scores: Sequence[float] | np.ndarray) -> float:
    """Complement of the Brier score (1 = perfectly calibrated and right, 0 = confidently wrong everywhere)."""
    y, p = _arrays(truth, scores)
    return float(1.0 - np.mean((p - y) ** 2))


@dataclass(frozen=True)
class Scores:
    """All PAN measures for one set of answers; JSON keys are the field names."""

    auc: float
    c_at_1: float
    f1: float
    f_05_u: float
    brier: float
    overall: float
    overall_2021: float
    auc_c_at_1: float
    problems: int
    answered: int

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def evaluate(
    truth: Sequence[float] | np.ndarray, scores: Sequence[float] | np.ndarray, *, f05u_2020: bool = False
) -> Scores:
    """Every PAN measure at once. ``f05u_2020`` switches F0.5u (and so overall) to the official 2020 variant."""
    y, p = _arrays(truth, scores)
    measures = {
        "auc": auc(y, p),
        "c_at_1": c_at_1(y, p),
        "f1": f1(y, p),
        "f_05_u": f_05_u(y, p, variant_2020=f05u_2020),
    }
    brier_value = brier(y, p)
    overall = float(np.mean(list(measures.values())))
    overall_2021 = float(np.mean([*measures.values(), brier_value]))
    return Scores(
        **measures,
        brier=brier_value,
        overall=overall,
        overall_2021=overall_2021,
        auc_c_at_1=measures["auc"] * measures["c_at_1"],
        problems=len(y),
        answered=int((p != NON_ANSWER).sum()),
    )


def score_answer_files(truth_path: Path | str, answers_path: Path | str, *, f05u_2020: bool = False) -> Scores:
    """Score a PAN 2020-style answers file against its truth file (missing answers count as non-answers)."""
    truth = read_truth_jsonl(truth_path)
    answers = read_answers_jsonl(answers_path)
    _, y, p = align_answers(truth, answers, answers_name=f"The answers in {answers_path}")
    return evaluate(y, p, f05u_2020=f05u_2020)


# ---- fitting on a PAN training folder and answering its test folder ---------------------------------------------


@dataclass(frozen=True)
class EvaluationRun:
    """The outcome of `run_pan_evaluation`: the measures, every answer, and where the time went."""

    scores: Scores
    ids: list[str]
    probabilities: list[float]
    train_problems: int
    fit_seconds: float
    answer_seconds: float
    seconds: float
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, float | int | list[str]]:
        return {
            **self.scores.to_dict(),
            "train_problems": self.train_problems,
            "fit_seconds": round(self.fit_seconds, 3),
            "answer_seconds": round(self.answer_seconds, 3),
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
        }


def as_problems(corpus: PanCorpus) -> list[Any]:
    """The verifier's `Problem` records for a PAN corpus (language left empty, i.e. detected, when unknown)."""
    from leakdesk.authorship.problem import Problem  # imported late: the engine is optional for scoring files

    return [
        Problem(known=list(p.known), unknown=p.unknown, language="" if p.language == "auto" else p.language, id=p.id)
        for p in corpus.problems
    ]


def default_verifier() -> Any:
    """The desk's own verifier, with the settings `leakdesk series verify` uses."""
    from leakdesk.authorship.verifier import AuthorshipVerifier

    return AuthorshipVerifier(language="auto", random_state=0)


def answer_problems(verifier: Any, problems: list[Any]) -> np.ndarray:
    """P(same author) per problem, with "cannot tell" written as exactly 0.5 (what PAN counts as a non-answer).

    Uses the verifier's ``answer_scores`` when it has one (leakdesk's does), else ``predict_proba`` and, when
    present, ``decisions_from_proba``; any other estimator with ``predict_proba`` works too.
    """
    if hasattr(verifier, "answer_scores"):
        return np.asarray(verifier.answer_scores(problems), dtype=np.float64)
    probabilities = np.asarray(verifier.predict_proba(problems), dtype=np.float64)[:, 1]
    decide = getattr(verifier, "decisions_from_proba", None)
    if decide is not None:
        decisions = list(decide(probabilities))
        probabilities = np.where([d == "cannot tell" for d in decisions], NON_ANSWER, probabilities)
    return probabilities


@contextlib.contextmanager
def _verifier_failure(doing: str, folder: Path) -> Iterator[None]:
    """A crash inside the verifier becomes one sentence naming the folder, never a traceback."""
    try:
        yield
    except AuthorshipError:
        raise
    except Exception as exc:  # noqa: BLE001 - any estimator may fail in its own way
        raise AuthorshipError(
            f"The verifier failed while {doing} the problems in {folder}: {type(exc).__name__}: {exc}"
        ) from exc


def run_pan_evaluation(
    test_dir: Path | str,
    train_dir: Path | str,
    *,
    make_verifier: Callable[[], Any] | None = None,
    answers_path: Path | str | None = None,
    f05u_2020: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> EvaluationRun:
    """Fit a fresh verifier on TRAIN_DIR only, answer TEST_DIR, score the answers; optionally write them PAN-style."""
    test_dir, train_dir = Path(test_dir), Path(train_dir)
    if test_dir.exists() and train_dir.exists() and test_dir.resolve() == train_dir.resolve():
        raise AuthorshipError(
            f"The training folder and the test folder are the same ({test_dir}); a verifier is never fitted on the "
            "problems it is tested on. Give the training split with --train."
        )
    started = time.perf_counter()
    stage = on_stage or (lambda _name: None)
    stage("reading")
    train = read_pan_folder(train_dir)
    test = read_pan_folder(test_dir)
    notes = []
    shared = {p.unknown for p in train.problems} & {p.unknown for p in test.problems if p.unknown.strip()}
    if shared:  # PAN 2014 English essays reuse 22 questioned texts across its official splits
        notes.append(
            f"{len(shared)} questioned text(s) of {test_dir} also appear in {train_dir} (as published); "
            "the scores may be slightly optimistic."
        )
    stage("fitting")
    fit_started = time.perf_counter()
    verifier = (make_verifier or default_verifier)()
    with _verifier_failure("being fitted on", train_dir):
        verifier.fit(as_problems(train), np.asarray(train.labels()))
    fit_seconds = time.perf_counter() - fit_started
    stage("answering")
    answer_started = time.perf_counter()
    with _verifier_failure("answering", test_dir):
        probabilities = answer_problems(verifier, as_problems(test))
    if len(probabilities) != len(test.problems):
        raise AuthorshipError(f"The verifier gave {len(probabilities)} answers for {len(test.problems)} problems.")
    answer_seconds = time.perf_counter() - answer_started
    ids = [p.id for p in test.problems]
    if answers_path is not None:
        write_answers(answers_path, ids, [float(p) for p in probabilities])
    scores = evaluate(test.labels(), probabilities, f05u_2020=f05u_2020)
    return EvaluationRun(
        scores=scores,
        ids=ids,
        probabilities=[float(p) for p in probabilities],
        train_problems=len(train.problems),
        fit_seconds=fit_seconds,
        answer_seconds=answer_seconds,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )
