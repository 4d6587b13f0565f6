"""When did the labelling start? Change-point estimates on the daily share of target mentions that are hits.

Two complementary tests on the same counts (hits out of mentions per day, so topic volume cannot fake a campaign):
- `estimate_onset`: the one change point that best splits the days into a lower and a higher hit rate (binomial
  likelihood-ratio scan), its likelihood interval (days whose split is within 1.92 log-likelihood units of the best:
  about 95 %), the effect (rates before and after, their ratio) and a permutation p-value (days shuffled);
- `cusum_alarm`: a one-sided binomial CUSUM run forward in time, as a monitor would: the first day the evidence for
  a `ratio`-fold rise over the baseline rate passes `threshold`. The baseline is self-starting: the rate of every
  day up to two weeks before today (at least the first four weeks), so at low volumes it is not a guess from a few
  hits. `calibrate_threshold` sets the threshold for each stream for at most one false alarm per simulated
  campaign-free year, simulating years from the stream's own daily volume and baseline rate, each estimating its
  own baseline as the monitor does (the false-alarm rate of a fixed threshold grows with the volume).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_SIDE_DAYS = 7  # a change point needs at least a week of data on each side
LIKELIHOOD_DROP = 1.92  # half the 95 % chi-square(1) quantile
CUSUM_THRESHOLD = 6.0  # used when a stream is too short to calibrate its own threshold
CUSUM_RATIO = 2.0
BASELINE_DAYS = 28
BASELINE_LAG = 14  # the baseline grows with the stream but leaves out the last two weeks (a campaign's first days)
CAUTION = 0.75  # calibrate at this quantile of the baseline rate's posterior (see `calibrate_threshold`)
SHARE_CONCENTRATION = 60.0  # day-to-day variation of the labelling share (Beta), assumed when calibrating
THRESHOLDS = np.arange(1.0, 30.01, 0.25)


@dataclass
class Onset:
    onset: dt.date
    onset_low: dt.date
    onset_high: dt.date
    rate_before: float
    rate_after: float
    ratio: float | None
    log_likelihood_ratio: float
    p_value: float

    def as_dict(self) -> dict[str, object]:
        return {"onset": self.onset.isoformat(), "onset_low": self.onset_low.isoformat(),
                "onset_high": self.onset_high.isoformat(),
                "effect": {"rate_before": round(self.rate_before, 4), "rate_after": round(self.rate_after, 4),
                           "ratio": None if self.ratio is None else round(self.ratio, 2)},
                "log_likelihood_ratio": round(self.log_likelihood_ratio, 2), "p_value": round(self.p_value, 4)}


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(y > 0, y, 1.0)), 0.0)


def _binomial_ll(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Maximised binomial log-likelihood of k hits in n trials (vectorised, constants dropped)."""
    p = np.divide(k, n, out=np.zeros_like(k, dtype=float), where=n > 0)
    return _xlogy(k, p) + _xlogy(n - k, 1 - p)


def scan(hits: np.ndarray, mentions: np.ndarray) -> np.ndarray:
    """Log-likelihood gain of splitting before each day (NaN where not allowed or where the rate falls)."""
    k, n = np.cumsum(hits, dtype=float), np.cumsum(mentions, dtype=float)
    total_k, total_n = k[-1], n[-1]
    kb, nb = np.concatenate([[0.0], k[:-1]]), np.concatenate([[0.0], n[:-1]])  # before day i
    ka, na = total_k - kb, total_n - nb
    gain = _binomial_ll(kb, nb) + _binomial_ll(ka, na) - _binomial_ll(np.array([total_k]), np.array([total_n]))
    before = np.divide(kb, nb, out=np.zeros_like(kb), where=nb > 0)
    after = np.divide(ka, na, out=np.zeros_like(ka), where=na > 0)
    days = np.arange(len(hits))
    allowed = (days >= MIN_SIDE_DAYS) & (days <= len(hits) - MIN_SIDE_DAYS) & (after > before) & (nb > 0) & (na > 0)
    return np.where(allowed, gain, np.nan)


def estimate_onset(days: Sequence[dt.date], hits: Sequence[int], mentions: Sequence[int],
                   permutations: int = 199, seed: int = 13) -> Onset | None:
    """The most likely start of a rise in the hit rate, or None if there is no rise to speak of."""
    k, n = np.asarray(hits, dtype=float), np.asarray(mentions, dtype=float)
    if len(k) < 2 * MIN_SIDE_DAYS or k.sum() == 0:
        return None
    gains = scan(k, n)
    if np.all(np.isnan(gains)):
        return None
    best = int(np.nanargmax(gains))
    best_gain = float(gains[best])
    inside = np.flatnonzero(np.nan_to_num(gains, nan=-np.inf) >= best_gain - LIKELIHOOD_DROP)
    rng = np.random.default_rng(seed)
    exceed = 0
    for _ in range(permutations):
        order = rng.permutation(len(k))
        g = scan(k[order], n[order])
        if not np.all(np.isnan(g)) and np.nanmax(g) >= best_gain:
            exceed += 1
    before = k[:best].sum() / n[:best].sum()
    after = k[best:].sum() / n[best:].sum()
    return Onset(days[best], days[int(inside.min())], days[int(inside.max())], float(before), float(after),
                 float(after / before) if before > 0 else None, best_gain, (exceed + 1) / (permutations + 1))


def baseline_rates(hits: np.ndarray, mentions: np.ndarray, baseline_days: int = BASELINE_DAYS,
                   lag: int | None = BASELINE_LAG) -> np.ndarray:
    """The baseline rate each day's CUSUM step compares against (last axis = days; works on one stream or many).

    Day t uses the days before max(`baseline_days`, t - `lag`), with one pseudo-hit so a quiet start is not 0;
    `lag=None` keeps the first `baseline_days` days for ever (the earlier, fixed baseline)."""
    k, n = np.cumsum(hits, axis=-1, dtype=float), np.cumsum(mentions, axis=-1, dtype=float)
    days = np.arange(hits.shape[-1])
    upto = np.full(len(days), baseline_days) if lag is None else np.maximum(baseline_days, days - lag)
    upto = np.minimum(upto, len(days))
    return (k[..., upto - 1] + 1) / (n[..., upto - 1] + 2)


def _steps(hits: np.ndarray, mentions: np.ndarray, ratio: float, baseline_days: int,
           lag: int | None) -> np.ndarray:
    p0 = baseline_rates(hits, mentions, baseline_days, lag)
    p1 = np.minimum(ratio * p0, 0.99)
    return hits * np.log(p1 / p0) + (mentions - hits) * np.log((1 - p1) / (1 - p0))


def cusum_alarms(hits: Sequence[int], mentions: Sequence[int], ratio: float = CUSUM_RATIO,
                 threshold: float = CUSUM_THRESHOLD, baseline_days: int = BASELINE_DAYS,
                 lag: int | None = BASELINE_LAG) -> list[int]:
    """Indices of the days a one-sided binomial CUSUM for a `ratio`-fold rise passes `threshold` (restarting at
    zero after each alarm); the baseline rate is `baseline_rates`."""
    k, n = np.asarray(hits, dtype=float), np.asarray(mentions, dtype=float)
    if len(k) <= baseline_days:
        return []
    steps = _steps(k, n, ratio, baseline_days, lag)
    s, found = 0.0, []
    for i in range(baseline_days, len(k)):
        s = max(0.0, s + steps[i])
        if s > threshold:
            found.append(i)
            s = 0.0
    return found


def cusum_alarm(hits: Sequence[int], mentions: Sequence[int], ratio: float = CUSUM_RATIO,
                threshold: float = CUSUM_THRESHOLD, baseline_days: int = BASELINE_DAYS,
                lag: int | None = BASELINE_LAG) -> int | None:
    """The first CUSUM alarm day (see `cusum_alarms`), or None."""
    found = cusum_alarms(hits, mentions, ratio, threshold, baseline_days, lag)
    return found[0] if found else None


def calibrate_threshold(mentions: Sequence[int], hits: Sequence[int], years: int = 200, seed: int = 7,
                        ratio: float = CUSUM_RATIO, per_year: float = 1.0, baseline_days: int = BASELINE_DAYS,
                        lag: int | None = BASELINE_LAG, caution: float | None = CAUTION) -> float:
    """The smallest CUSUM threshold with at most `per_year` false alarms per simulated campaign-free year.

    Each simulated year draws its days' volumes from the stream's own days (bootstrap) and each day's labelling
    share from a Beta around the baseline rate; it then runs the monitor exactly as on the stream, estimating its
    own baseline. The rate of a few weeks is uncertain, and a rate guessed too low gives too low a threshold, so the
    simulation takes the `caution` quantile of what the first `baseline_days` days allow (Beta posterior; None:
    their rate itself). All years and thresholds run at once (vectorised)."""
    n_obs, k_obs = np.asarray(mentions, dtype=float), np.asarray(hits, dtype=float)
    if len(n_obs) < baseline_days or n_obs.sum() == 0:
        return CUSUM_THRESHOLD
    k0, n0 = k_obs[:baseline_days].sum(), n_obs[:baseline_days].sum()
    rng = np.random.default_rng(seed)
    if caution is None:
        p0 = (k0 + 1) / (n0 + 2)
    else:
        from scipy.stats import beta  # type: ignore[import-untyped]

        p0 = float(beta.ppf(caution, k0 + 1, n0 - k0 + 1))
    n = rng.choice(n_obs, size=(years, 365))
    share = rng.beta(p0 * SHARE_CONCENTRATION, (1 - p0) * SHARE_CONCENTRATION, size=(years, 365))
    k = rng.binomial(n.astype(np.int64), share).astype(float)
    steps = _steps(k, n, ratio, baseline_days, lag)
    s = np.zeros((years, len(THRESHOLDS)))
    alarms = np.zeros((years, len(THRESHOLDS)))
    for day in range(baseline_days, 365):
        s = np.maximum(0.0, s + steps[:, day:day + 1])
        fired = s > THRESHOLDS
        alarms += fired
        s[fired] = 0.0
    alarms *= 365 / (365 - baseline_days)  # per year of monitoring
    ok = np.flatnonzero(alarms.mean(axis=0) <= per_year)
    return float(THRESHOLDS[ok[0]]) if len(ok) else float(THRESHOLDS[-1])
