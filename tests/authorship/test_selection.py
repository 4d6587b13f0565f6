"""The stated rule that chooses an optional method family on training problems: grouped, nested train-CV."""

import numpy as np

from leakdesk.authorship.methods import CharSpectrum
from leakdesk.authorship.problem import Problem
from leakdesk.authorship.selection import MARGIN, grouped_cv_score, keep_optional, text_groups
from leakdesk.authorship.verifier import AuthorshipVerifier
from tests.authorship.hands import problems


def test_problems_sharing_a_text_form_one_group() -> None:
    ps = [
        Problem(known=["one", "two"], unknown="three"),
        Problem(known=["four"], unknown="five"),
        Problem(known=["three "], unknown="six"),  # shares "three" (after stripping) with the first
        Problem(known=["seven"], unknown="four"),  # shares "four" with the second
        Problem(known=["eight"], unknown="nine"),
    ]
    g = text_groups(ps)
    assert g[0] == g[2] and g[1] == g[3]
    assert len({g[0], g[1], g[4]}) == 3


def _scores(n: int, informative: int, noise: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    signal = y[:, None] * 1.5 + rng.normal(size=(n, informative))
    return np.hstack([signal, rng.normal(size=(n, noise))]), y


def test_columns_that_carry_the_answer_are_kept_and_noise_is_not() -> None:
    X, y = _scores(80, informative=1, noise=3, seed=0)
    groups = np.arange(80)
    rng = np.random.default_rng(1)
    useful = np.hstack([X, y[:, None] * 2.0 + rng.normal(size=(80, 1))])  # one more informative column
    keep, without, with_it = keep_optional(useful, y, groups, base_columns=4)
    assert keep and with_it >= without + MARGIN
    keep, without, with_it = keep_optional(X, y, groups, base_columns=1)  # three noise columns added
    assert not keep


def test_too_few_groups_give_no_figure() -> None:
    X, y = _scores(40, informative=1, noise=0, seed=2)
    groups = np.arange(40) % 6  # six groups: fewer than five groups of each kind once split by label
    assert np.isnan(grouped_cv_score(X, y, groups))
    assert not keep_optional(X, y, groups, base_columns=1)[0]


def test_auto_spectrum_is_chosen_on_training_problems_and_saved_as_chosen() -> None:
    ps, y = problems(30, seed=7)
    v = AuthorshipVerifier(n_iter=20, char_spectrum="auto").fit(ps, y)
    without, with_spectrum = v.spectrum_cv_
    assert v.spectrum_used_ == (with_spectrum >= without + MARGIN)
    assert v.n_features_in_ == len(v.columns) == (16 if v.spectrum_used_ else 8)
    saved = v.to_dict()
    assert saved["params"]["char_spectrum"] is v.spectrum_used_
    again = AuthorshipVerifier.from_dict(saved)
    questioned, _ = problems(8, seed=8)
    assert np.allclose(again.predict_proba(questioned), v.predict_proba(questioned))


def test_auto_families_are_chosen_by_forward_selection_and_saved_as_chosen() -> None:
    ps, y = problems(30, seed=7)
    v = AuthorshipVerifier(n_iter=20, char_spectrum="auto", compression="auto").fit(ps, y)
    spectrum, compression = v.spectrum_cv_, v.compression_cv_
    if not (v.spectrum_used_ or v.compression_used_):  # neither gained: both were judged against the five methods
        assert spectrum[0] == compression[0]
        assert spectrum[1] < spectrum[0] + MARGIN and compression[1] < compression[0] + MARGIN
    for used, (without, with_it) in ((v.spectrum_used_, spectrum), (v.compression_used_, compression)):
        assert used == (with_it >= without + MARGIN)
    assert v.n_features_in_ == len(v.columns) == 8 + 8 * v.spectrum_used_ + 4 * v.compression_used_
    saved = v.to_dict()
    assert saved["params"]["compression"] is v.compression_used_
    again = AuthorshipVerifier.from_dict(saved)
    questioned, _ = problems(8, seed=8)
    assert np.allclose(again.predict_proba(questioned), v.predict_proba(questioned))


def test_a_family_switched_on_outright_is_part_of_the_baseline_of_an_auto_one() -> None:
    ps, y = problems(30, seed=7)
    v = AuthorshipVerifier(n_iter=20, char_spectrum=True, compression="auto").fit(ps, y)
    assert not hasattr(v, "spectrum_cv_")  # switched on outright: not judged
    assert v.n_features_in_ == 16 + 4 * v.compression_used_  # the spectrum stays whatever compression's fate
    assert v.columns[8:16] == CharSpectrum().columns


def test_style_gaps_are_a_family_the_rule_can_choose() -> None:
    ps, y = problems(30, seed=7)
    v = AuthorshipVerifier(n_iter=20, style_gaps="auto").fit(ps, y)
    without, with_gaps = v.style_gaps_cv_
    assert v.style_gaps_used_ == (with_gaps >= without + MARGIN)
    assert v.n_features_in_ == len(v.columns) == 8 + 2 * v.style_gaps_used_
    saved = v.to_dict()
    assert saved["params"]["style_gaps"] is v.style_gaps_used_
    again = AuthorshipVerifier.from_dict(saved)
    questioned, _ = problems(8, seed=8)
    assert np.allclose(again.predict_proba(questioned), v.predict_proba(questioned))
    on = AuthorshipVerifier(n_iter=20, style_gaps=True).fit(ps, y)
    assert on.columns[-2:] == ("gap_rank", "gap_z")
