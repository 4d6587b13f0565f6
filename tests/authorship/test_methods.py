"""Every method must tell the two invented hands apart on small texts."""

import numpy as np
import pytest

from leakdesk.authorship.features import ProfileCache
from leakdesk.authorship.methods import (
    CharLanguageModel,
    CharSpectrum,
    CompressionDistance,
    CosineDelta,
    GeneralImpostors,
    GrammarModelRatio,
    PPMCompression,
    StyleGaps,
)
from leakdesk.authorship.methods.base import Batch
from leakdesk.authorship.methods.char_lm import UNIFORM, CharLM, gram_hashes
from leakdesk.authorship.methods.compression import cdm, compressed_size
from leakdesk.authorship.methods.grammar import NgramModel
from leakdesk.authorship.methods.ppm import PPMModel
from leakdesk.authorship.methods.style_gaps import moving_type_token_ratio, style_measures
from leakdesk.authorship.methods.unmasking import Unmasking, unmasking_curve
from tests.authorship.hands import problems


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return problems(16, seed=3)


@pytest.mark.parametrize(
    "method",
    [
        GeneralImpostors(n_iter=50),
        CosineDelta(),
        PPMCompression(),
        GrammarModelRatio(),
        CharSpectrum(),
        CompressionDistance(),
        StyleGaps(),
        CharLanguageModel(),
    ],
    ids=repr,
)
def test_same_hand_scores_higher_than_other_hand(method, data) -> None:  # type: ignore[no-untyped-def]
    ps, y = data
    scores = method.fit(ps, y).decision_function(ps)
    y = np.array(y)
    assert scores.shape == (len(ps),)
    assert scores[y == 1].mean() > scores[y == 0].mean()
    assert scores[y == 1].min() >= np.median(scores[y == 0])


def test_ppm_cross_entropy_prefers_the_text_it_was_trained_on() -> None:
    m = PPMModel("the cat sat on the mat and the cat sat again", order=3)
    assert m.cross_entropy("the cat sat on the mat") < m.cross_entropy("зеленая лягушка прыгала")
    assert m.cross_entropy("") == 0.0


def test_ngram_model_probabilities_are_proper() -> None:
    m = NgramModel(["a", "b", "a", "b", "c"], order=2, vocab_size=10)
    assert m.prob(("a",), "b") > m.prob(("a",), "c") > 0
    assert m.log_likelihoods(["a", "b"]).shape == (2,)


def test_general_impostors_without_impostors_is_neutral(data) -> None:  # type: ignore[no-untyped-def]
    ps, _ = data
    scores = GeneralImpostors().decision_function(ps[:1])
    assert scores.tolist() == [0.5]


def _batch(ps):  # type: ignore[no-untyped-def]
    cache = ProfileCache()
    langs = [p.language for p in ps]
    pools: dict = {}
    for p, lang in zip(ps, langs, strict=True):
        pools.setdefault(lang, []).extend(cache.get(t, lang) for t in p.known)
    return Batch.build(ps, langs, cache, pools)


def test_char_spectrum_every_length_separates_the_hands(data) -> None:  # type: ignore[no-untyped-def]
    ps, y = data
    method = CharSpectrum(lengths=(2, 3, 5))
    scores = method.score_batch(_batch(ps))
    y = np.array(y)
    assert method.columns == ("c2_z", "c2_rank", "c3_z", "c3_rank", "c5_z", "c5_rank")
    assert scores.shape == (len(ps), 6)
    assert ((scores[:, 1::2] >= 0) & (scores[:, 1::2] <= 1)).all()
    for j, column in enumerate(method.columns):
        assert scores[y == 1, j].mean() > scores[y == 0, j].mean(), column


def test_char_spectrum_without_impostors_is_neutral(data) -> None:  # type: ignore[no-untyped-def]
    ps, _ = data
    scores = CharSpectrum(lengths=(3,)).score_batch(_batch(ps[:1]))
    assert scores.tolist() == [[0.0, 0.5]]


def test_every_compression_column_separates_the_hands(data) -> None:  # type: ignore[no-untyped-def]
    ps, y = data
    method = CompressionDistance()
    scores = method.score_batch(_batch(ps))
    y = np.array(y)
    assert scores.shape == (len(ps), len(method.columns))
    assert ((scores[:, 1::2] >= 0) & (scores[:, 1::2] <= 1)).all()
    for j, column in enumerate(method.columns):
        assert scores[y == 1, j].mean() > scores[y == 0, j].mean(), column


def test_compression_distance_without_impostors_is_neutral(data) -> None:  # type: ignore[no-untyped-def]
    ps, _ = data
    scores = CompressionDistance().score_batch(_batch(ps[:1]))
    assert scores.tolist() == [[0.0, 0.5, 0.0, 0.5]]


def test_compression_distance_is_smaller_for_a_repeated_text() -> None:
    a = b"the cat sat on the mat and looked at the dog across the road"
    b = "зеленая лягушка прыгала по болоту весь долгий летний вечер".encode()
    size_a, size_b = compressed_size(a), compressed_size(b)
    assert cdm(a, a, size_a, size_a) < cdm(a, b, size_a, size_b)


def test_every_style_gap_column_separates_the_hands(data) -> None:  # type: ignore[no-untyped-def]
    ps, y = data
    method = StyleGaps()
    scores = method.score_batch(_batch(ps))
    y = np.array(y)
    assert scores.shape == (len(ps), 2)
    assert ((scores[:, 0] >= 0) & (scores[:, 0] <= 1)).all()
    for j, column in enumerate(method.columns):
        assert scores[y == 1, j].mean() > scores[y == 0, j].mean(), column


def test_style_gaps_without_impostors_are_neutral(data) -> None:  # type: ignore[no-untyped-def]
    ps, _ = data
    assert StyleGaps().score_batch(_batch(ps[:1])).tolist() == [[0.5, 0.0]]


def test_style_measures_are_rates_that_do_not_grow_with_length() -> None:
    cache = ProfileCache()
    text = "The cat sat on the mat. It looked, slowly, at the dog! Then it slept; nobody woke it. "
    short, long = cache.get(text, "en"), cache.get(text * 6, "en")
    rates = [j for j in range(len(style_measures(short))) if j != 2]  # richness falls when a text repeats itself
    assert np.allclose(style_measures(short)[rates], style_measures(long)[rates], atol=0.05)
    assert style_measures(long)[2] < style_measures(short)[2]
    assert moving_type_token_ratio([]) == 0.0
    assert moving_type_token_ratio(["a", "b", "a", "b"], window=2) == 1.0
    assert moving_type_token_ratio(["a", "a", "a", "a"], window=2) == 0.5


def test_every_unmasking_column_separates_the_hands(data) -> None:  # type: ignore[no-untyped-def]
    ps, y = data
    method = Unmasking()
    scores = method.score_batch(_batch(ps))
    y = np.array(y)
    assert scores.shape == (len(ps), 3)
    assert ((scores[:, 1] >= 0) & (scores[:, 1] <= 1)).all()
    for j, column in enumerate(method.columns):
        assert scores[y == 1, j].mean() > scores[y == 0, j].mean(), column


def test_unmasking_without_impostors_is_neutral(data) -> None:  # type: ignore[no-untyped-def]
    ps, _ = data
    assert Unmasking().score_batch(_batch(ps[:1])).tolist() == [[0.0, 0.5, 0.0]]


def test_unmasking_curve_falls_faster_for_one_source_than_for_two() -> None:
    rng = np.random.default_rng(5)
    p, q = rng.dirichlet(np.ones(40)), rng.dirichlet(np.ones(40))
    one = unmasking_curve(rng.multinomial(60, p, 20) / 60, rng.multinomial(60, p, 20) / 60, steps=8, drop=2)
    two = unmasking_curve(rng.multinomial(60, p, 20) / 60, rng.multinomial(60, q, 20) / 60, steps=8, drop=2)
    assert one.shape == two.shape == (9,)
    assert two.mean() > one.mean() + 0.2


def test_every_char_lm_column_separates_the_hands(data) -> None:  # type: ignore[no-untyped-def]
    ps, y = data
    method = CharLanguageModel()
    scores = method.score_batch(_batch(ps))
    y = np.array(y)
    assert scores.shape == (len(ps), 4)
    assert ((scores[:, 1::2] >= 0) & (scores[:, 1::2] <= 1)).all()
    for j, column in enumerate(method.columns):
        assert scores[y == 1, j].mean() > scores[y == 0, j].mean(), column


def test_char_lm_without_impostors_is_neutral(data) -> None:  # type: ignore[no-untyped-def]
    ps, _ = data
    assert CharLanguageModel().score_batch(_batch(ps[:1])).tolist() == [[0.0, 0.5, 0.0, 0.5]]


def test_char_lm_probabilities_sum_to_one_and_favour_the_training_text() -> None:
    alphabet = "abc "
    model = CharLM("abc abc cab ba", order=3)
    for context in ("", "a", "ab", "abc ", "zz"):
        total = sum(
            float(model.probabilities(gram_hashes(context + ch, 3), np.full(len(context) + 1, 1 / 4))[-1])
            for ch in alphabet
        )
        assert total == pytest.approx(1.0)
    seen, unseen = (gram_hashes(t, 3) for t in ("abc abc", "cca bbc"))
    base = np.full(7, UNIFORM)
    assert np.log(model.probabilities(seen, base)).sum() > np.log(model.probabilities(unseen, base)).sum()
