"""A small network trained on a frozen encoder's token states, for check-worthiness.

A sentence encoder's mean-pooled vector averages away the one word that makes a sentence checkable ("percent",
"voted", a number); a head that looks at every token first keeps it. `TokenHead` maps each token's state through one
hidden layer (ReLU), pools the hidden units over the sentence by their mean *and* their maximum, and weighs the pooled
units into a logit. The encoder is not touched: its token states are computed once (cached for the 22,500 training
sentences), so the head trains in seconds per epoch on two cores, in numpy (hand-written gradients, Adam, class
weights that balance Yes and No, early stopping on a tenth of the sentences). Its decision values join the mix like
the other parts, on eras the head has not seen (`checkworthy_cv`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class TokenStates:
    """Token states of many sentences in one array: sentence i's rows are `flat[offsets[i]:offsets[i + 1]]`."""

    flat: np.ndarray
    offsets: np.ndarray

    @classmethod
    def of(cls, states: Sequence[np.ndarray]) -> TokenStates:
        lengths = np.array([len(s) for s in states], dtype=np.int64)
        width = next((s.shape[1] for s in states if s.ndim == 2), 0)
        flat = np.concatenate([s.reshape(-1, width) for s in states]) if states else np.zeros((0, width))
        return cls(flat, np.concatenate([[0], np.cumsum(lengths)]))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def subset(self, rows: np.ndarray) -> TokenStates:
        return TokenStates.of([self.flat[self.offsets[i] : self.offsets[i + 1]] for i in rows])

    def padded(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A (sentences, longest, width) float32 batch of `rows` and its mask (1 for a real token)."""
        lengths = self.lengths()[rows]
        longest = max(int(lengths.max()) if len(rows) else 0, 1)
        batch = np.zeros((len(rows), longest, self.flat.shape[1]), np.float32)
        mask = np.zeros((len(rows), longest), np.float32)
        for r, (i, n) in enumerate(zip(rows, lengths, strict=True)):
            batch[r, :n] = self.flat[self.offsets[i] : self.offsets[i] + n]
            mask[r, :n] = 1.0
        return batch, mask

    def mean_pooled(self) -> np.ndarray:
        """sentence-transformers' sentence vector from the token states: their mean, then unit length (float32); a
        sentence without tokens gives a zero row."""
        flat = self.flat.astype(np.float32)
        starts = np.minimum(self.offsets[:-1], max(len(flat) - 1, 0))
        sums = np.add.reduceat(flat, starts, axis=0) if len(flat) else np.zeros((len(self), flat.shape[1]))
        sums[self.lengths() == 0] = 0.0
        pooled = sums / np.maximum(self.lengths(), 1)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.where(norms == 0, 1.0, norms)).astype(np.float32)


class TokenHead:
    """One hidden layer over every token's state, mean- and max-pooled, then a logit. Hyper-parameters are stored
    unchanged; learned weights end with an underscore (scikit-learn habit). `decision_function` > 0 means Yes at the
    balanced cut."""

    def __init__(self, hidden: int = 256, alpha: float = 1e-4, learning_rate: float = 1e-3, batch_size: int = 64,
                 max_epochs: int = 40, patience: int = 4, validation_fraction: float = 0.1, dropout: float = 0.1,
                 random_state: int = 0) -> None:
        self.hidden = hidden
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.dropout = dropout
        self.random_state = random_state
        self.weights_: list[np.ndarray] = []
        self.epochs_ = 0

    # ------------------------------------------------------------------ the network
    def _forward(self, batch: np.ndarray, mask: np.ndarray, weights: list[np.ndarray],
                 drop: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        w1, b1, w2, b2 = weights
        pre = batch @ w1 + b1
        hidden = np.maximum(pre, 0.0) * mask[..., None]
        count = np.maximum(mask.sum(1, keepdims=True), 1.0)
        peak = hidden.max(1)
        pooled = np.concatenate([hidden.sum(1) / count, peak], axis=1)
        if drop is not None:
            pooled = pooled * drop
        logit = pooled @ w2 + b2
        return logit, {"pre": pre, "hidden": hidden, "count": count, "pooled_max": peak, "pooled": pooled}

    def _gradients(self, batch: np.ndarray, mask: np.ndarray, y: np.ndarray, sample_weight: np.ndarray,
                   weights: list[np.ndarray], drop: np.ndarray | None) -> list[np.ndarray]:
        w1, _, w2, _ = weights
        logit, keep = self._forward(batch, mask, weights, drop)
        d_logit = sample_weight * (1.0 / (1.0 + np.exp(-logit)) - y) / sample_weight.sum()
        d_pooled = d_logit[:, None] * w2[None, :]
        if drop is not None:
            d_pooled = d_pooled * drop
        h = self.hidden
        # the max's gradient goes to the token that holds it (ties only at 0, where ReLU passes nothing anyway)
        holds_peak = keep["hidden"] == keep["pooled_max"][:, None, :]
        d_hidden = (d_pooled[:, :h] / keep["count"])[:, None, :] + holds_peak * d_pooled[:, None, h:]
        d_pre = d_hidden * (keep["pre"] > 0) * mask[..., None]
        flat_in, flat_d = batch.reshape(-1, batch.shape[-1]), d_pre.reshape(-1, h)
        return [flat_in.T @ flat_d + self.alpha * w1, flat_d.sum(0), keep["pooled"].T @ d_logit + self.alpha * w2,
                np.array(d_logit.sum())]

    def _loss(self, states: TokenStates, rows: np.ndarray, y: np.ndarray, sample_weight: np.ndarray,
              weights: list[np.ndarray]) -> float:
        logit = self._decide(states, rows, weights)
        per_row = np.logaddexp(0.0, logit) - y[rows] * logit
        return float((sample_weight[rows] * per_row).sum() / sample_weight[rows].sum())

    def _batches(self, states: TokenStates, rows: np.ndarray, rng: np.random.Generator | None) -> list[np.ndarray]:
        """Rows in batches of similar length (little padding); shuffled within and across batches when training."""
        lengths = states.lengths()[rows]
        jitter = rng.random(len(rows)) if rng is not None else np.zeros(len(rows))
        ordered = rows[np.lexsort((jitter, lengths))]
        chunks = [ordered[i : i + self.batch_size] for i in range(0, len(ordered), self.batch_size)]
        if rng is not None:
            rng.shuffle(chunks)  # type: ignore[arg-type]
        return chunks

    def _decide(self, states: TokenStates, rows: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
        out = np.zeros(len(rows))
        position = {int(r): k for k, r in enumerate(rows)}
        for chunk in self._batches(states, rows, None):
            batch, mask = states.padded(chunk)
            logit, _ = self._forward(batch, mask, weights)
            out[[position[int(r)] for r in chunk]] = logit
        return out

    # ------------------------------------------------------------------ learning
    def fit(self, states: TokenStates, labels: Sequence[int]) -> TokenHead:
        """Adam on the class-balanced log-loss; stops when a held-out tenth stops improving, keeps the best."""
        y = np.asarray(labels, dtype=np.float32)
        rng = np.random.default_rng(self.random_state)
        n, width = len(y), states.flat.shape[1]
        positives = max(float(y.sum()), 1.0)
        sample_weight = np.where(y == 1, n / (2.0 * positives), n / (2.0 * max(n - positives, 1.0))).astype(np.float32)
        order = rng.permutation(n)
        n_val = int(round(self.validation_fraction * n)) if n >= 50 else 0
        val, train = order[:n_val], order[n_val:]
        weights: list[np.ndarray] = [
            rng.normal(scale=np.sqrt(2.0 / width), size=(width, self.hidden)).astype(np.float32),
            np.zeros(self.hidden, np.float32),
            rng.normal(scale=np.sqrt(1.0 / (2 * self.hidden)), size=2 * self.hidden).astype(np.float32),
            np.zeros((), np.float32)]
        moment = [np.zeros_like(w) for w in weights]
        second = [np.zeros_like(w) for w in weights]
        best, best_loss, waited, step = [w.copy() for w in weights], np.inf, 0, 0
        for epoch in range(self.max_epochs):
            for chunk in self._batches(states, train, rng):
                batch, mask = states.padded(chunk)
                drop = None
                if self.dropout:
                    keep = rng.random((len(chunk), 2 * self.hidden), dtype=np.float32) >= self.dropout
                    drop = keep.astype(np.float32) / np.float32(1.0 - self.dropout)
                grads = self._gradients(batch, mask, y[chunk], sample_weight[chunk], weights, drop)
                step += 1
                for k, g in enumerate(grads):
                    g = np.asarray(g, dtype=np.float32)
                    moment[k] = np.float32(0.9) * moment[k] + np.float32(0.1) * g
                    second[k] = np.float32(0.999) * second[k] + np.float32(0.001) * g * g
                    scale = np.float32(self.learning_rate * np.sqrt(1 - 0.999**step) / (1 - 0.9**step))
                    weights[k] = weights[k] - scale * moment[k] / (np.sqrt(second[k]) + np.float32(1e-8))
            self.epochs_ = epoch + 1
            if not n_val:
                best = [w.copy() for w in weights]
                continue
            loss = self._loss(states, val, y, sample_weight, weights)
            if loss < best_loss - 1e-4:
                best, best_loss, waited = [w.copy() for w in weights], loss, 0
            else:
                waited += 1
                if waited >= self.patience:
                    break
        self.weights_ = best
        return self

    def get_params(self) -> dict[str, float | int]:
        return {"hidden": self.hidden, "alpha": self.alpha, "learning_rate": self.learning_rate,
                "batch_size": self.batch_size, "max_epochs": self.max_epochs, "patience": self.patience,
                "validation_fraction": self.validation_fraction, "dropout": self.dropout,
                "random_state": self.random_state}

    def pack(self) -> dict[str, object]:
        """The settings and learned weights (float32), for a model file."""
        if not self.weights_:
            raise ValueError("the head is not fitted")
        return {"params": self.get_params(), "epochs": self.epochs_,
                "weights": [np.asarray(w, dtype=np.float32) for w in self.weights_]}

    @classmethod
    def unpack(cls, packed: dict[str, object]) -> TokenHead:
        head = cls(**packed["params"])  # type: ignore[arg-type]
        head.weights_ = [np.asarray(w, dtype=np.float32) for w in packed["weights"]]  # type: ignore[attr-defined]
        head.epochs_ = int(packed.get("epochs", 0))  # type: ignore[call-overload]
        return head

    def decision_function(self, states: TokenStates) -> np.ndarray:
        """The head's logit of Yes per sentence (balanced, so 0 is its cut); a sentence without tokens scores b2."""
        if not self.weights_:
            raise ValueError("the head is not fitted")
        return self._decide(states, np.arange(len(states)), self.weights_)
