"""Onset estimates on counts written for the test: a known step, a flat rate, and the forward CUSUM."""

from __future__ import annotations

import datetime as dt

import numpy as np

from leakdesk.narratives.onset import cusum_alarm, estimate_onset, scan

DAY0 = dt.date(2021, 6, 1)


def series(step_day: int | None, days: int = 120, before: float = 0.04, after: float = 0.3, seed: int = 1):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    mentions = rng.poisson(12, days)
    rate = np.where(np.arange(days) >= (step_day if step_day is not None else days), after, before)
    hits = rng.binomial(mentions, rate)
    return [DAY0 + dt.timedelta(days=i) for i in range(days)], hits.tolist(), mentions.tolist()


def test_a_step_is_found_with_its_interval_and_effect() -> None:
    days, hits, mentions = series(step_day=76)
    onset = estimate_onset(days, hits, mentions)
    assert onset is not None
    assert abs((onset.onset - days[76]).days) <= 3
    assert onset.onset_low <= onset.onset <= onset.onset_high
    assert (onset.onset_high - onset.onset_low).days <= 14
    assert onset.p_value < 0.01
    assert 0.02 < onset.rate_before < 0.07 and 0.22 < onset.rate_after < 0.38
    assert onset.ratio is not None and onset.ratio > 4


def test_a_flat_rate_is_not_an_onset() -> None:
    days, hits, mentions = series(step_day=None, seed=5)
    onset = estimate_onset(days, hits, mentions)
    assert onset is None or onset.p_value > 0.05


def test_a_fall_is_never_an_onset() -> None:
    days, hits, mentions = series(step_day=60, before=0.3, after=0.04)
    gains = scan(np.array(hits, dtype=float), np.array(mentions, dtype=float))
    assert np.all(np.isnan(gains[55:66]))  # no split near the fall is a candidate: only rises count
    onset = estimate_onset(days, hits, mentions)
    assert onset is None or onset.p_value > 0.05


def test_days_without_mentions_and_short_series() -> None:
    days, hits, mentions = series(step_day=50, days=100)
    mentions[10:20] = [0] * 10
    hits[10:20] = [0] * 10
    onset = estimate_onset(days, hits, mentions)
    assert onset is not None and abs((onset.onset - days[50]).days) <= 3
    assert estimate_onset(days[:10], hits[:10], mentions[:10]) is None
    assert estimate_onset(days, [0] * 100, mentions) is None


def test_cusum_alarms_soon_after_the_step_and_not_before() -> None:
    _, hits, mentions = series(step_day=80, after=0.12)  # a 3x step
    alarm = cusum_alarm(hits, mentions)
    assert alarm is not None and 80 <= alarm <= 87
    _, flat_hits, flat_mentions = series(step_day=None, seed=2)
    assert cusum_alarm(flat_hits, flat_mentions) is None


def test_the_alarm_threshold_is_calibrated_on_the_stream_volume() -> None:
    from leakdesk.narratives.onset import CUSUM_THRESHOLD, calibrate_threshold

    quiet = calibrate_threshold([5] * 60, [0, 0, 1] * 20, years=60)
    busy = calibrate_threshold([80] * 60, [2, 3, 2] * 20, years=60)
    assert 2.0 <= quiet < busy
    assert calibrate_threshold([5] * 10, [0] * 10) == CUSUM_THRESHOLD  # too short to calibrate
    _, hits, mentions = series(step_day=None, seed=3)
    threshold = calibrate_threshold(mentions, hits, years=60)
    assert cusum_alarm(hits, mentions, threshold=threshold) is None


def test_the_baseline_grows_with_the_stream_two_weeks_behind() -> None:
    from leakdesk.narratives.onset import baseline_rates

    hits = np.array([1] * 28 + [5] * 32, dtype=float)
    mentions = np.full(60, 10.0)
    rates = baseline_rates(hits, mentions, baseline_days=28, lag=14)
    assert rates[0] == rates[41] == (28 + 1) / (280 + 2)  # the first four weeks until day 42
    assert rates[45] == (28 + 5 * 3 + 1) / (310 + 2)  # then every day up to two weeks before
    fixed = baseline_rates(hits, mentions, baseline_days=28, lag=None)
    assert np.all(fixed == (28 + 1) / (280 + 2))
    many = baseline_rates(np.vstack([hits, hits]), np.vstack([mentions, mentions]), 28, 14)
    assert many.shape == (2, 60) and np.array_equal(many[1], rates)

