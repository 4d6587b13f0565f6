"""Onset detection on synthetic labelling campaigns: median delay, false alarms per year, onset error.

    python benchmarks/narratives_onset.py [--years 100] [--mentions 5 10 30] [--steps 2 3 5]
                                          [--detector self-starting|fixed] [--calibrate]

The background is a simulated year of daily counts: sentences naming the target per day drawn from a negative
binomial (overdispersed, weekends at 60 %), of which a baseline share (3 %, itself varying day to day, Beta) applies
the label. A campaign multiplies the share by 2–5 from a known day (uniform between day 120 and day 240). The
forward CUSUM (`onset.cusum_alarm`) gives the alarm day: alarms before the campaign are false alarms (the CUSUM is
restarted after each), the first alarm on or after it gives the delay. By default each simulated stream gets its own
threshold from its first four weeks (`onset.calibrate_threshold`, as `leakdesk narratives` does); `--calibrate`
instead fixes one threshold for the volume on campaign-free years (seeds apart from the evaluation's). The offline
estimate (`onset.estimate_onset`, run on the whole year) gives the onset error in days.

`--detector fixed` is the earlier monitor (baseline = the first four weeks for ever, threshold calibrated at their
rate as if it were known); `self-starting` (the default, what `leakdesk narratives` runs) lets the baseline grow
with the stream, two weeks behind, and calibrates at the upper end (75th percentile) of the baseline rate the first
four weeks allow (`--caution Q` for another quantile, `--caution 0` for their rate itself).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time

import numpy as np

from leakdesk.narratives.onset import (
    BASELINE_DAYS,
    BASELINE_LAG,
    CAUTION,
    CUSUM_RATIO,
    calibrate_threshold,
    cusum_alarms,
    estimate_onset,
)

DAYS = 365
BASE_RATE = 0.03


def background(rng: np.random.Generator, mentions: float) -> tuple[np.ndarray, np.ndarray]:
    """Daily mentions and the day's baseline labelling share."""
    weekday = np.array([1, 1, 1, 1, 1, 0.6, 0.6])[np.arange(DAYS) % 7]
    mean = mentions * weekday
    dispersion = 4.0
    n = rng.negative_binomial(dispersion, dispersion / (dispersion + mean))
    share = rng.beta(BASE_RATE * 60, (1 - BASE_RATE) * 60, DAYS)
    return n, share


DETECTORS: dict[str, dict[str, float | None]] = {
    "self-starting": {"lag": BASELINE_LAG, "caution": CAUTION},
    "fixed": {"lag": None, "caution": None},
}
DETECTOR = DETECTORS["self-starting"]


def alarms(hits: np.ndarray, n: np.ndarray, threshold: float) -> list[int]:
    """CUSUM alarm days; a negative threshold means: calibrate it from the stream's first weeks, as leakdesk does."""
    if threshold < 0:
        threshold = calibrate_threshold(n[:BASELINE_DAYS].tolist(), hits[:BASELINE_DAYS].tolist(),
                                        lag=_lag(), caution=DETECTOR["caution"])
    return cusum_alarms(hits.tolist(), n.tolist(), CUSUM_RATIO, threshold, lag=_lag())


def _lag() -> int | None:
    lag = DETECTOR["lag"]
    return None if lag is None else int(lag)


def false_alarms_per_year(years: int, mentions: float, threshold: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    total = 0
    for _ in range(years):
        n, share = background(rng, mentions)
        total += len(alarms(rng.binomial(n, share), n, threshold))
    return round(total / (years * (DAYS - BASELINE_DAYS) / 365), 2)  # per year of monitoring after the baseline


def calibrate(years: int, mentions: float) -> float:
    for threshold in np.arange(2.0, 20.01, 0.5):
        if false_alarms_per_year(years, mentions, float(threshold), seed=99) <= 1.0:
            return float(threshold)
    return 20.0


def campaigns(years: int, mentions: float, ratio: float, threshold: float, seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    delays, false_alarms, errors, missed, monitored_days = [], 0, [], 0, 0
    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(DAYS)]
    for _ in range(years):
        n, share = background(rng, mentions)
        start = int(rng.integers(120, 241))
        share = share.copy()
        share[start:] = np.minimum(share[start:] * ratio, 0.95)
        hits = rng.binomial(n, share)
        found = alarms(hits, n, threshold)
        false_alarms += sum(1 for a in found if a < start)
        monitored_days += start - BASELINE_DAYS
        after = [a for a in found if a >= start]
        if after:
            delays.append(after[0] - start)
        else:
            missed += 1
        onset = estimate_onset(days, hits.tolist(), n.tolist(), permutations=199)
        if onset is not None and onset.p_value < 0.01:
            errors.append(abs((onset.onset - days[start]).days))
    return {"ratio": ratio, "years": years, "median_delay_days": statistics.median(delays) if delays else None,
            "detected": years - missed, "false_alarms_per_year": round(false_alarms / (monitored_days / 365), 2),
            "offline_onset_found": len(errors),
            "offline_median_error_days": statistics.median(errors) if errors else None}


def main() -> None:
    global DETECTOR
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=100)
    parser.add_argument("--mentions", type=float, nargs="+", default=[5.0, 10.0, 30.0],
                        help="mean sentences naming the target per day")
    parser.add_argument("--steps", type=float, nargs="+", default=[2.0, 3.0, 5.0])
    parser.add_argument("--detector", choices=sorted(DETECTORS), default="self-starting")
    parser.add_argument("--caution", type=float, default=None,
                        help="calibrate at this quantile of the baseline rate (0 = at the rate itself)")
    parser.add_argument("--calibrate", action="store_true",
                        help="one fixed threshold for this volume instead of per-stream calibration")
    args = parser.parse_args()
    DETECTOR = dict(DETECTORS[args.detector])
    if args.caution is not None:
        DETECTOR["caution"] = args.caution or None
    for mentions in args.mentions:
        started, cpu = time.perf_counter(), time.process_time()
        threshold = calibrate(args.years, mentions) if args.calibrate else -1.0
        cells = [campaigns(args.years, mentions, r, threshold, seed=int(r * 10)) for r in args.steps]
        result = {"detector": args.detector, "caution": DETECTOR["caution"], "mentions_per_day": mentions,
                  "threshold": threshold,
                  "background_false_alarms_per_year": false_alarms_per_year(args.years, mentions, threshold, 7),
                  "campaigns": cells, "seconds": round(time.perf_counter() - started, 1),
                  "cpu_seconds": round(time.process_time() - cpu, 1)}
        print(json.dumps(result), flush=True)
        for c in cells:
            print(f"| {mentions:g} | {c['ratio']:g}x | {c['median_delay_days']} | {c['detected']}/{c['years']} | "
                  f"{c['false_alarms_per_year']} | {c['offline_onset_found']}/{c['years']} | "
                  f"{c['offline_median_error_days']} |", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
