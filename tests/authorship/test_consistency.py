"""The series-internal consistency model on small invented hands (tests/authorship/hands.py)."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

from leakdesk.authorship.casework import verify_series
from leakdesk.authorship.consistency import MIN_SEPARATION, reasons, series_consistency
from leakdesk.authorship.features import profile
from leakdesk.case import Case
from tests.authorship.hands import HAND_A, HAND_B, HAND_C, HAND_D, letters

HOME = ["the", "report", "arrived", "late", "and", "nobody", "signed", "it", "so", "we", "waited", "again"]
OTHER = ["whilst", "thereupon", "the", "dispatch", "was", "duly", "forwarded", "hence", "our", "colleague"]


def _profiles(texts: list[str]) -> list:  # type: ignore[type-arg]
    return [profile(t, "ru") for t in texts]


def _series() -> tuple[list, list]:  # type: ignore[type-arg]
    genuine = letters(HAND_A, 10, 31, 10)
    impostors = [" ".join(HAND_B[:8]), " ".join(HAND_B[8:])]
    series = genuine[:3] + [impostors[0]] + genuine[3:7] + [impostors[1]] + genuine[7:]
    refs = letters(HAND_C, 3, 33, 8) + letters(HAND_D, 3, 34, 8)
    return _profiles(series), _profiles(refs)


def test_two_impostors_are_the_least_likely_and_pair_up() -> None:
    series, refs = _series()
    found = series_consistency(series, refs)
    assert found is not None
    p = np.array(found.probability)
    assert set(np.argsort(p)[:2].tolist()) == {3, 8}
    assert p[3] < 0.5 and p[8] < 0.5
    assert all(p[i] > 0.5 for i in range(len(p)) if i not in (3, 8)), p.round(2)
    assert found.partner[3] == 8 and found.partner[8] == 3
    labels = [f"letter {i + 1}" for i in range(len(series))]
    words = reasons(found, 3, len(series), len(refs), labels)
    assert any("than to the other 11 letters" in w and "6 reference texts" in w for w in words), words
    assert found.pair is not None and set(found.pair) == {3, 8} and found.pair_likeness > 0
    assert any(w.startswith("it and 'letter 9' are more alike than either is like the series")
               and w.endswith("judged together as a pair, possibly the same other hand") for w in words), words


def test_too_few_letters_or_references_give_no_answer() -> None:
    series, refs = _series()
    assert series_consistency(series[:5], refs) is None
    assert series_consistency(series, refs[:3]) is None


def test_a_pool_written_like_the_series_is_no_yardstick() -> None:
    series, _ = _series()
    same_hand_refs = _profiles(letters(HAND_A, 6, 77, 10))
    found = series_consistency(series, same_hand_refs)
    assert found is not None
    assert found.separation < MIN_SEPARATION


def test_verify_series_uses_the_series_itself(series_case: Case) -> None:
    results = {r["dispatch_id"]: r for r in verify_series(series_case, "S")}
    assert {r["calibration"] for r in results.values()} == {"series-consistency"}
    assert [d for d, r in results.items() if r["decision"] == "different"] == [7, 8]
    assert all(results[d]["decision"] in ("same", "cannot tell") for d in range(1, 7))
    assert any("reference texts by other people" in x for x in results[7]["reasons"]), results[7]["reasons"]


def test_the_pairwise_matrix_sees_the_two_hands() -> None:
    series, refs = _series()
    found = series_consistency(series, refs)
    assert found is not None
    p = found.pairwise
    assert p.shape == (12, 12) and np.allclose(p, p.T) and np.all(np.diag(p) == 1.0)
    genuine = [i for i in range(12) if i not in (3, 8)]
    assert np.median([p[a, b] for a in genuine for b in genuine if a != b]) > 0.5
    assert max(p[3, g] for g in genuine) < np.median([p[a, b] for a in genuine for b in genuine if a != b])


def test_hands_follow_the_verdicts() -> None:
    from leakdesk.authorship.series import hands_from_verdicts

    decisions = ["same", "different", "cannot tell", "different", "same", "different"]
    hands, labels = hands_from_verdicts(decisions, [4, 3, 0, 1, 0, 0])
    # letters 2 and 4 (0-based 1 and 3) pair up as one other hand; letter 6 stands apart alone (its partner is
    # judged by the series' writer); "cannot tell" stays with the series' writer
    assert [h["members"] for h in hands] == [[0, 2, 4], [1, 3], [5]]
    assert labels.tolist() == [1, 2, 1, 2, 1, 3]
    hands, _ = hands_from_verdicts(["same"] * 3, [1, 0, 0])
    assert [h["members"] for h in hands] == [[0, 1, 2]]


def test_rare_features_weigh_less_than_frequent_ones() -> None:
    # Two texts differ a lot in a frequent feature and a little in one seen once: z-scores would weigh the two the
    # same (each column ±1); the square roots keep the frequent difference the larger one.
    from leakdesk.authorship.consistency import hellinger_rows

    rows = hellinger_rows(np.array([[0.30, 0.0], [0.40, 0.0005], [0.35, 0.0]]))
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0)
    assert abs(rows[1, 0]) > 2 * abs(rows[1, 1]), rows


def test_a_metric_stretches_the_features_it_names() -> None:
    # Equal weights leave the analysis as it is; a metric that keeps only the features of one family's most
    # frequent feature changes that family's evidence (the hook the learnt metrics of benchmarks/ use).
    series, refs = _series()
    plain = series_consistency(series, refs)
    seen: list[int] = []

    def equal(vocabulary: list[str]) -> np.ndarray:
        seen.append(len(vocabulary))
        return np.ones(len(vocabulary))

    same = series_consistency(series, refs, weights={"characters": equal})
    assert plain is not None and same is not None and seen and seen[0] > 100
    assert np.allclose(plain.probability, same.probability)

    def first_only(vocabulary: list[str]) -> np.ndarray:
        w = np.full(len(vocabulary), 1e-6)
        w[0] = 1.0
        return w

    other = series_consistency(series, refs, weights={"characters": first_only})
    assert other is not None
    assert not np.allclose(plain.evidence[3]["characters"], other.evidence[3]["characters"])
    assert [e["word-forms"] for e in plain.evidence] == [e["word-forms"] for e in other.evidence]


def _likeness(n: int, alike: tuple[int, int], amount: float) -> np.ndarray:
    """Cosines of n letters: all 0.5 with a little spread, the pair `alike` more alike by `amount`."""
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 0.01, (n, n))
    sims = 0.5 + (noise + noise.T) / 2
    a, b = alike
    sims[a, b] = sims[b, a] = 0.5 + amount
    np.fill_diagonal(sims, 1.0)
    return sims


def test_the_pair_step_joins_the_two_low_letters_that_resemble_each_other() -> None:
    # Letter 2 is the lowest but resembles nobody (a genuine letter from another book); letters 5 and 7 sit a
    # little higher but are alike: the pair step joins 5 and 7, gives both the pair's lower score, leaves 2 alone.
    from leakdesk.authorship.consistency import PAIR_WEIGHT, double_centred, pair_step

    llr = np.array([2.0, 1.5, -1.2, 1.8, 1.0, -0.9, 1.2, -0.8, 2.2, 1.7])
    none = np.zeros((10, 10), dtype=bool)
    likeness = double_centred(_likeness(10, (5, 7), 0.2))
    assert np.allclose(np.diag(likeness), 0.0) and likeness[5, 7] > 0.15
    out, pair, z = pair_step(llr, likeness, none)
    assert pair == (5, 7) and z > 3
    assert out[5] == out[7] == (llr[5] + llr[7]) / 2 - PAIR_WEIGHT * z
    assert out[5] < out[2] and out[2] == llr[2]
    assert np.array_equal(np.delete(out, [5, 7]), np.delete(llr, [5, 7]))
    # variants of one message are no evidence of a second hand: the alike pair is not joined then
    variants = none.copy()
    variants[5, 7] = variants[7, 5] = True
    out, pair, _ = pair_step(llr, likeness, variants)
    assert pair is None or set(pair) != {5, 7}
    assert np.all(out <= llr)


def test_the_pair_step_leaves_letters_that_resemble_nobody() -> None:
    # Three low letters, each less alike to the others than the letters' rows predict: no pair, nothing moves.
    from leakdesk.authorship.consistency import double_centred, pair_step

    llr = np.array([-1.0, -0.9, -0.8, 1.0, 1.1, 1.2, 1.3, 1.4])
    sims = _likeness(8, (0, 1), 0.0)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        sims[a, b] = sims[b, a] = 0.2
    out, pair, z = pair_step(llr, double_centred(sims), np.zeros((8, 8), dtype=bool))
    assert pair is None and z == 0.0
    assert np.array_equal(out, llr)


def test_the_clean_up_takes_the_suspects_out_of_the_other_letters_models(monkeypatch: pytest.MonkeyPatch) -> None:
    from leakdesk.authorship import consistency
    from tests.authorship.test_sequential import _series as odd_series

    texts, ref_texts = odd_series(random.Random(5))  # letters 5 and 7 by another hand
    series, refs = [profile(t, "en") for t in texts], [profile(t, "en") for t in ref_texts]
    cleaned = series_consistency(series, refs)
    monkeypatch.setattr(consistency, "CLEAN_UP", 0)
    plain = series_consistency(series, refs)
    assert cleaned is not None and plain is not None
    assert set(np.argsort(cleaned.probability)[:2].tolist()) == {5, 7}
    genuine = [i for i in range(len(series)) if i not in (5, 7)]
    # without the two impostors in their picture of the writer, the genuine letters sit closer to it
    assert np.mean([cleaned.llr[i] for i in genuine]) > np.mean([plain.llr[i] for i in genuine]) + 0.05


def test_a_left_out_letter_no_longer_vouches_for_its_fellow() -> None:
    from leakdesk.authorship.sequential import SeriesModel

    rng = random.Random(3)
    letters = [" ".join(rng.choice(HOME) for _ in range(120)) for _ in range(8)]
    letters[5] = letters[7] = " ".join(rng.choice(OTHER) for _ in range(120))
    refs = [" ".join(rng.choice(HOME[:4] + OTHER[:4]) for _ in range(120)) for _ in range(4)]
    model = SeriesModel(letters + refs, 8)
    free = np.eye(8, dtype=bool)
    alone, _, _ = model.statistics(free)
    cleaned, _, _ = model.statistics(free, frozenset({5, 7}))
    assert cleaned[5] < alone[5] - 0.5 and cleaned[7] < alone[7] - 0.5  # its twin is out of its model
    assert abs(cleaned[0] - alone[0]) < 0.2  # a genuine letter keeps the rest of the series
    # a reference text is scored against the same cleaned series
    assert cleaned[8] == pytest.approx(model.h_pool[8] - model.entropy(8, frozenset({5, 7})))


def test_the_clean_up_keeps_one_pass_when_it_would_leave_a_letter_no_companions() -> None:
    # two messages, each in three variants: taking two suspects (and their variants) out would leave the other
    # message's copies with no letter to be compared with (a division by zero, every probability NaN)
    first, second = letters(HAND_A, 1, 41, 12)[0], letters(HAND_B, 1, 42, 12)[0]
    texts = [first, first + " Да.", first + " Нет.", second, second + " Да.", second + " Нет."]
    variants = np.zeros((6, 6), dtype=bool)
    for group in ([0, 1, 2], [3, 4, 5]):
        variants[np.ix_(group, group)] = True
    refs = letters(HAND_C, 3, 43, 8) + letters(HAND_D, 3, 44, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "invalid value encountered in divide" fails the test
        found = series_consistency(_profiles(texts), _profiles(refs), variants)
    assert found is not None
    assert np.isfinite(found.probability).all() and np.isfinite(found.llr).all()


def test_a_series_of_variants_of_one_message_is_too_small_for_the_series_analysis() -> None:
    first = letters(HAND_A, 1, 45, 12)[0]
    texts = [first + " Да." * k for k in range(6)]  # six copies of one message: no letter has a companion
    refs = letters(HAND_C, 3, 43, 8) + letters(HAND_D, 3, 44, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert series_consistency(_profiles(texts), _profiles(refs), np.ones((6, 6), dtype=bool)) is None
