"""`AuthorshipVerifier`: five methods (more with the opt-in character spectrum, compression distance, style gaps,
unmasking and character language model) fused
into a calibrated probability, a c@1 "cannot tell" band and out-of-distribution flags. A scikit-learn estimator:
hyper-parameters in the constructor, everything learned in `fit` (with a trailing underscore); `predict_proba`,
`decision` and `explain` never change the fitted state, so fitting on the problems being answered is impossible by
construction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from leakdesk.authorship.explain import habit_reasons, method_reasons
from leakdesk.authorship.features import ProfileCache, TextProfile, detect_language, learn_function_words
from leakdesk.authorship.function_words import builtin
from leakdesk.authorship.fusion import Fusion
from leakdesk.authorship.methods import (
    CharLanguageModel,
    CharSpectrum,
    CompressionDistance,
    CosineDelta,
    GeneralImpostors,
    GrammarModelRatio,
    PPMCompression,
    StyleGaps,
    TypographyHabits,
    Unmasking,
)
from leakdesk.authorship.methods.base import Batch, Method
from leakdesk.authorship.ood import check as ood_check
from leakdesk.authorship.ood import language_name
from leakdesk.authorship.problem import Problem
from leakdesk.authorship.selection import keep_optional, text_groups

# 1.1: the series analysis weighs the character model of the other letters (session 10); 1.2: its clean-up (session
# 11: the two least likely letters out of every other letter's model, every letter scored again)
VERSION = "1.2"
SAME, DIFFERENT, CANNOT_TELL = "same", "different", "cannot tell"


@dataclass
class Verdict:
    """One answered problem: calibrated probability, decision, reasons, OOD flags and raw method scores."""

    probability: float
    decision: str
    reasons: list[str]
    ood: list[str]
    scores: dict[str, float] = field(default_factory=dict)
    habits: list[str] = field(default_factory=list)  # the typography/sentence-length part of the reasons

    @property
    def score(self) -> float:
        """The fused log-odds before calibration (what `method` scores, stored for audit)."""
        return self.scores.get("_logit", 0.0)


class AuthorshipVerifier(BaseEstimator):
    """Did the author of a problem's known texts write its questioned text?"""

    def __init__(
        self,
        language: str = "auto",
        random_state: int = 0,
        n_iter: int = 100,
        min_words: int = 30,
        min_impostors: int = 3,
        ppm_order: int = 3,
        C: float | str = "auto",
        pool_from_batch: bool = True,
        max_impostors: int = 40,
        char_spectrum: bool | str = False,
        compression: bool | str = False,
        style_gaps: bool | str = False,
        unmasking: bool | str = False,
        grouped_folds: bool = False,
        char_lm: bool | str = False,
    ) -> None:
        self.language = language
        self.random_state = random_state
        self.n_iter = n_iter
        self.min_words = min_words
        self.min_impostors = min_impostors
        self.ppm_order = ppm_order
        self.C = C
        self.pool_from_batch = pool_from_batch
        self.max_impostors = max_impostors
        self.char_spectrum = char_spectrum
        self.compression = compression
        self.style_gaps = style_gaps
        self.unmasking = unmasking
        self.grouped_folds = grouped_folds
        self.char_lm = char_lm

    # ------------------------------------------------------------------------------------------- setup
    def _methods(self) -> list[Method]:
        methods: list[Method] = [
            GeneralImpostors(n_iter=self.n_iter, random_state=self.random_state),
            CosineDelta(),
            PPMCompression(order=self.ppm_order, random_state=self.random_state),
            GrammarModelRatio(random_state=self.random_state),
            TypographyHabits(),
        ]
        if self._spectrum_on():
            methods.append(CharSpectrum())
        if self._compression_on():
            methods.append(CompressionDistance())
        if self._style_gaps_on():
            methods.append(StyleGaps())
        if self._optional_on(self.unmasking, "unmasking"):
            methods.append(Unmasking(random_state=self.random_state))
        if self._optional_on(self.char_lm, "char_lm"):
            methods.append(CharLanguageModel())
        return methods

    def _optional_on(self, mode: bool | str, family: str) -> bool:
        """An optional family's `mode` is True, or "auto" and the training problems chose it (`{family}_used_`, see
        `_choose_optional`); before an "auto" verifier is fitted its columns include the family, so `fit` can weigh
        it."""
        if mode == "auto":
            return bool(getattr(self, f"{family}_used_", True))
        return bool(mode)

    def _spectrum_on(self) -> bool:
        return self._optional_on(self.char_spectrum, "spectrum")

    def _compression_on(self) -> bool:
        return self._optional_on(self.compression, "compression")

    def _style_gaps_on(self) -> bool:
        return self._optional_on(self.style_gaps, "style_gaps")

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for m in self._methods() for c in m.columns)

    def set_impostors(self, texts: list[str], language: str) -> AuthorshipVerifier:
        """Texts by other people in `language`, used as impostors. Texts in another language are left out (and
        counted in `rejected_impostors`); this is a reference pool, not training data."""
        pools: dict[str, list[str]] = getattr(self, "_impostor_texts", {})
        rejected: dict[str, int] = getattr(self, "_rejected_impostors", {})
        kept = []
        for t in texts:
            found = detect_language(t)
            if t.strip() and (found == language or found in ("", "und") and language not in ("ru", "en")):
                kept.append(t)
            else:
                rejected[language] = rejected.get(language, 0) + 1
        pools[language] = pools.get(language, []) + kept
        self._impostor_texts = pools
        self._rejected_impostors = rejected
        return self

    @property
    def rejected_impostors(self) -> dict[str, int]:
        return dict(getattr(self, "_rejected_impostors", {}))

    def _languages(self, problems: list[Problem]) -> list[str]:
        if self.language != "auto":
            return [self.language] * len(problems)
        return [p.language or detect_language(p.unknown + " " + " ".join(p.known)) for p in problems]

    def _function_words(self) -> dict[str, frozenset[str]]:
        return dict(getattr(self, "function_words_", {}))

    def _batch(
        self, problems: list[Problem], cache: ProfileCache, extra: dict[str, list[str]], from_batch: bool
    ) -> Batch:
        langs = self._languages(problems)
        pools: dict[str, list[TextProfile]] = {}
        seen: set[tuple[str, str]] = set()

        def add(lang: str, text: str) -> None:
            prof = cache.get(text, lang)
            if (prof.key, lang) not in seen and text.strip():
                seen.add((prof.key, lang))
                pools.setdefault(lang, []).append(prof)

        for lang, texts in getattr(self, "_impostor_texts", {}).items():
            for t in texts:
                add(lang, t)
        for lang, texts in extra.items():
            for t in texts:
                add(lang, t)
        if from_batch:
            for p, lang in zip(problems, langs, strict=True):
                for t in p.known:  # other problems' known texts; never anyone's questioned text
                    add(lang, t)
        return Batch.build(problems, langs, cache, pools, self.random_state, self.max_impostors)

    def _score(
        self,
        problems: list[Problem],
        extra: dict[str, list[str]],
        from_batch: bool = True,
        cache: ProfileCache | None = None,
    ) -> tuple[np.ndarray, Batch]:
        if cache is None:
            # Profiles depend only on text, language and the function-word lists, so a memo kept between calls
            # changes no answer; it spares re-analysing the training and reference texts on every call.
            memo = getattr(self, "_memo", None)
            if memo is None or memo.function_words != self._function_words() or len(memo) > 20000:
                memo = ProfileCache(self._function_words())
                self._memo = memo
            cache = memo
        batch = self._batch(problems, cache, extra, from_batch)
        X = np.hstack([m.score_batch(batch) for m in self._methods()]) if problems else np.zeros((0, len(self.columns)))
        return X, batch

    # ------------------------------------------------------------------------------------------- learning
    def fit(self, problems: list[Problem], y: Any) -> AuthorshipVerifier:
        """Learn function words for languages without a list, the fusion, its calibration and the band."""
        problems = list(problems)
        y = np.asarray(y).astype(int)
        if len(problems) != len(y):
            raise ValueError(f"{len(problems)} problems but {len(y)} labels")
        langs = self._languages(problems)
        # "auto" chooses again, from scores that include the family
        for chosen in ("spectrum_used_", "compression_used_", "style_gaps_used_", "unmasking_used_", "char_lm_used_"):
            self.__dict__.pop(chosen, None)
        learned: dict[str, frozenset[str]] = {}
        for lang in set(langs):
            if builtin(lang) is None:
                texts = [t for p, pl in zip(problems, langs, strict=True) if pl == lang for t in p.known]
                texts += getattr(self, "_impostor_texts", {}).get(lang, [])
                learned[lang] = learn_function_words(texts)
        self.function_words_ = learned
        X, _ = self._score(problems, {})
        X = np.where(np.isfinite(X), X, np.nanmean(np.where(np.isfinite(X), X, np.nan), axis=0))
        X = np.nan_to_num(X)
        groups = text_groups(problems)
        if "auto" in (self.char_spectrum, self.compression, self.style_gaps, self.unmasking, self.char_lm):
            X = self._choose_optional(problems, X, y)
        fusion = Fusion(C=self.C, random_state=self.random_state)
        self.fusion_ = fusion.fit(X, y, groups if self.grouped_folds else None)
        self.train_known_: dict[str, list[str]] = {}
        for p, lang in zip(problems, langs, strict=True):
            self.train_known_.setdefault(lang, []).extend(p.known)
        self.n_features_in_ = X.shape[1]
        return self

    def _choose_optional(self, problems: list[Problem], X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The stated rule of `selection`, by forward selection over the optional families set to "auto": the
        family whose columns raise grouped, nested train-CV AUC·c@1 most over what is already kept (the five
        methods and any family switched on outright) is added if it gains at least `selection.MARGIN`, then the
        rest are judged again on top of it. The last figures each family got are kept in `spectrum_cv_` /
        `compression_cv_` / `style_gaps_cv_` (without, with)."""
        columns = list(self.columns)
        families = {"spectrum": (self.char_spectrum, CharSpectrum().columns),
                    "compression": (self.compression, CompressionDistance().columns),
                    "style_gaps": (self.style_gaps, StyleGaps().columns),
                    "unmasking": (self.unmasking, Unmasking().columns),
                    "char_lm": (self.char_lm, CharLanguageModel.columns)}  # fmt: skip
        optional = {c for _, cols in families.values() for c in cols}
        kept = [c for c in columns if c not in optional]
        kept += [c for mode, cols in families.values() if mode is True for c in cols]
        waiting = [name for name, (mode, _) in families.items() if mode == "auto"]
        groups = text_groups(problems)
        for name in waiting:
            setattr(self, f"{name}_used_", False)
        while waiting:
            base = [columns.index(c) for c in columns if c in kept]
            trials = {}
            for name in waiting:
                extra = [columns.index(c) for c in families[name][1]]
                trials[name] = keep_optional(
                    X[:, base + extra], y, groups, len(base), C=self.C, random_state=self.random_state,
                    grouped_folds=self.grouped_folds,
                )
                setattr(self, f"{name}_cv_", trials[name][1:])
            best = max(waiting, key=lambda n: (trials[n][0], trials[n][2]))
            if not trials[best][0]:
                break
            setattr(self, f"{best}_used_", True)
            kept += families[best][1]
            waiting.remove(best)
        return X[:, [i for i, c in enumerate(columns) if c in kept]]

    # ------------------------------------------------------------------------------------------- answering
    def verdicts(self, problems: list[Problem], cache: ProfileCache | None = None) -> list[Verdict]:
        """Everything about each problem in one pass (probability, decision, reasons, OOD flags, scores).
        `cache` may be shared between calls on the same texts (profiles depend only on text and language)."""
        check_is_fitted(self, "fusion_")
        problems = list(problems)
        X, batch = self._score(problems, getattr(self, "train_known_", {}), self.pool_from_batch, cache)
        if not problems:
            return []
        neutral = np.asarray(self.fusion_.model_[0].mean_)  # a method that could not score counts as average
        X = np.where(np.isfinite(X), X, neutral)
        p_same = self.fusion_.predict_proba(X)[:, 1]
        low, high = self.fusion_.band_
        out = []
        for i, prob in enumerate(p_same):
            n_imp = len(batch.impostors(i))
            ood = ood_check(
                batch.known[i], batch.unknown[i], batch.languages[i], n_imp, self.min_words, self.min_impostors
            )
            rejected = self.rejected_impostors.get(batch.languages[i], 0)
            if rejected and n_imp < self.min_impostors:
                ood.append(
                    f"{rejected} reference texts were not in {language_name(batch.languages[i])} and were left out"
                )
            if ood:
                decision = CANNOT_TELL
            elif low <= prob <= high:
                decision = CANNOT_TELL
            else:
                decision = SAME if prob > 0.5 else DIFFERENT
            contrib = self.fusion_.contributions(X[i])
            word = "known letters" if batch.problems[i].kind in ("letter", "email", "dispatch") else "known texts"
            habits = habit_reasons(batch.known[i], batch.unknown[i], word)
            reasons = self._reasons(X[i], contrib, prob, decision, ood, habits)
            scores = dict(zip(self.columns, map(float, X[i]), strict=True))
            scores["_logit"] = float(np.log(prob / (1 - prob + 1e-12) + 1e-12))
            out.append(Verdict(float(prob), decision, reasons, ood, scores, habits))
        return out

    def _reasons(self, x: np.ndarray, contrib: np.ndarray, prob: float, decision: str, ood: list[str],
                 habits: list[str]) -> list[str]:  # fmt: skip
        reasons: list[str] = []
        if ood:
            reasons.append("cannot tell: " + "; ".join(ood))
        elif decision == CANNOT_TELL:
            reasons.append(f"the evidence is balanced (probability {prob:.2f} lies in the no-answer band)")
        reasons.extend(habits)
        reasons.extend(method_reasons(self.columns, x, contrib))
        return reasons

    def predict_proba(self, problems: list[Problem]) -> np.ndarray:
        """(n, 2): column 1 is the calibrated P(same author). OOD problems keep their number; see `decision`."""
        p = np.array([v.probability for v in self.verdicts(problems)])
        return np.column_stack([1 - p, p]) if len(p) else np.zeros((0, 2))

    def decision(self, problems: list[Problem]) -> list[str]:
        """'same' | 'different' | 'cannot tell' (the c@1 band, or an out-of-distribution reason)."""
        return [v.decision for v in self.verdicts(problems)]

    def answer_scores(self, problems: list[Problem]) -> np.ndarray:
        """PAN-style answers: P(same), with exactly 0.5 for every "cannot tell" (what c@1 counts as unanswered)."""
        return np.array([0.5 if v.decision == CANNOT_TELL else v.probability for v in self.verdicts(problems)])

    def explain(self, problem: Problem) -> list[str]:
        return self.verdicts([problem])[0].reasons

    # ------------------------------------------------------------------------------------------- shipped model
    def to_dict(self) -> dict[str, Any]:
        check_is_fitted(self, "fusion_")
        params = self.get_params()
        params["char_spectrum"] = self._spectrum_on()  # what "auto" chose, so the saved model reads back alike
        params["compression"] = self._compression_on()
        params["style_gaps"] = self._style_gaps_on()
        params["unmasking"] = self._optional_on(self.unmasking, "unmasking")
        params["char_lm"] = self._optional_on(self.char_lm, "char_lm")
        return {
            "version": VERSION,
            "params": params,
            "columns": list(self.columns),
            "fusion": self.fusion_.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuthorshipVerifier:
        # a model saved before an optional family (spectrum, compression, style gaps) existed was fitted without it
        v = cls(**{"char_spectrum": False, "compression": False, "style_gaps": False, "unmasking": False,
                   "char_lm": False, **data["params"]})
        if list(v.columns) != data["columns"]:
            raise ValueError("the saved fusion model was made for other methods; re-run train-authorship-fusion")
        v.fusion_ = Fusion.from_dict(data["fusion"])
        v.function_words_ = {}
        v.train_known_ = {}
        v.n_features_in_ = len(data["columns"])
        return v

    @classmethod
    def pretrained(cls, **overrides: Any) -> AuthorshipVerifier:
        """The fusion shipped with leakdesk (numbers only; fitted by scripts/train-authorship-fusion)."""
        text = resources.files("leakdesk.authorship").joinpath("models/fusion.json").read_text("utf-8")
        data = json.loads(text)
        data["params"].update(overrides)
        return cls.from_dict(data)
