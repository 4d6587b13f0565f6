"""The estimator contract the evaluation code relies on, and honest "cannot tell" answers on bad input."""

import copy
import re

import numpy as np
import pytest
from sklearn.base import clone

from leakdesk.authorship.problem import Problem
from leakdesk.authorship.verifier import AuthorshipVerifier
from tests.authorship.hands import ENGLISH, HAND_A, HAND_B, letters, problems

_WORDS = " ".join(HAND_A[:6]).split()
VERSE = "\n".join(" ".join(_WORDS[i : i + 3]) for i in range(0, len(_WORDS), 3))


@pytest.fixture(scope="module")
def fitted():  # type: ignore[no-untyped-def]
    ps, y = problems(24, seed=1)
    return AuthorshipVerifier(random_state=0, n_iter=50).fit(ps, y)


@pytest.fixture(scope="module")
def test_problems():  # type: ignore[no-untyped-def]
    return problems(12, seed=2)


def test_contract_shapes_and_values(fitted, test_problems) -> None:  # type: ignore[no-untyped-def]
    ps, y = test_problems
    proba = fitted.predict_proba(ps)
    assert proba.shape == (12, 2)
    assert np.allclose(proba.sum(axis=1), 1)
    decisions = fitted.decision(ps)
    assert set(decisions) <= {"same", "different", "cannot tell"}
    # the two hands are easy to tell apart: every answered problem is right
    for d, label in zip(decisions, y, strict=True):
        if d != "cannot tell":
            assert d == ("same" if label else "different")
    assert sum(d != "cannot tell" for d in decisions) >= 9
    assert np.mean(proba[np.array(y) == 1, 1]) > np.mean(proba[np.array(y) == 0, 1])


def test_predicting_never_changes_the_fitted_state(fitted, test_problems) -> None:  # type: ignore[no-untyped-def]
    ps, _ = test_problems
    before = copy.deepcopy(fitted.fusion_.to_dict()), copy.deepcopy(fitted.train_known_)
    first = fitted.predict_proba(ps)
    fitted.decision(ps)
    fitted.explain(ps[0])
    assert (fitted.fusion_.to_dict(), fitted.train_known_) == before
    assert np.allclose(first, fitted.predict_proba(ps))
    # questioned texts of test problems never become impostors
    assert not any(p.unknown in fitted.train_known_.get("ru", []) for p in ps)


def test_sklearn_clone_and_params() -> None:
    v = AuthorshipVerifier(language="ru", random_state=3)
    c = clone(v)
    assert c.get_params()["language"] == "ru" and c.get_params()["random_state"] == 3
    with pytest.raises(Exception, match="not fitted"):
        c.predict_proba([Problem(["a"], "b")])


def test_the_character_spectrum_is_opt_in_and_saved_with_the_model(test_problems) -> None:  # type: ignore[no-untyped-def]
    assert "c3_z" not in AuthorshipVerifier().columns
    ps, y = problems(12, seed=5)
    v = AuthorshipVerifier(n_iter=20, char_spectrum=True).fit(ps, y)
    assert v.columns[-8:] == ("c2_z", "c2_rank", "c3_z", "c3_rank", "c4_z", "c4_rank", "c5_z", "c5_rank")
    again = AuthorshipVerifier.from_dict(v.to_dict())
    questioned, _ = test_problems
    assert again.char_spectrum and np.allclose(again.predict_proba(questioned), v.predict_proba(questioned))


def test_compression_distance_is_opt_in_and_saved_with_the_model(test_problems) -> None:  # type: ignore[no-untyped-def]
    assert "cdm_z" not in AuthorshipVerifier().columns
    ps, y = problems(12, seed=5)
    v = AuthorshipVerifier(n_iter=20, compression=True).fit(ps, y)
    assert v.columns[-4:] == ("cdm_z", "cdm_rank", "cdmx_z", "cdmx_rank") and v.n_features_in_ == 12
    again = AuthorshipVerifier.from_dict(v.to_dict())
    questioned, _ = test_problems
    # the saved model holds numbers only, not the training texts that join the impostor pool: close, not equal
    assert again.compression and again.decision(questioned) == v.decision(questioned)
    assert np.allclose(again.predict_proba(questioned), v.predict_proba(questioned), atol=1e-4)


def test_char_lm_is_opt_in_and_saved_with_the_model(test_problems) -> None:  # type: ignore[no-untyped-def]
    assert "lm_z" not in AuthorshipVerifier().columns
    ps, y = problems(12, seed=5)
    v = AuthorshipVerifier(n_iter=20, char_lm=True).fit(ps, y)
    assert v.columns[-4:] == ("lm_z", "lm_rank", "lmx_z", "lmx_rank") and v.n_features_in_ == 12
    again = AuthorshipVerifier.from_dict(v.to_dict())
    questioned, _ = test_problems
    assert again.char_lm and again.decision(questioned) == v.decision(questioned)
    assert np.allclose(again.predict_proba(questioned), v.predict_proba(questioned), atol=1e-4)


def test_explain_names_typography_habits(fitted) -> None:  # type: ignore[no-untyped-def]
    p = Problem(known=letters(HAND_A, 5, 11), unknown=letters(HAND_B, 1, 12, 16)[0], language="ru", kind="letter")
    reasons = fitted.explain(p)
    assert any(re.fullmatch(r"uses «» quotes in [45] of 5 known letters, none here", r) for r in reasons), reasons
    assert any("which none of the 5 known letters does" in r for r in reasons), reasons


def test_saved_and_loaded_fusion_answers_the_same(fitted, test_problems) -> None:  # type: ignore[no-untyped-def]
    ps, _ = test_problems
    again = AuthorshipVerifier.from_dict(fitted.to_dict())
    again.train_known_ = fitted.train_known_
    assert np.allclose(again.predict_proba(ps), fitted.predict_proba(ps))


def test_the_shipped_model_loads_and_answers() -> None:
    v = AuthorshipVerifier.pretrained(n_iter=50)
    v.set_impostors(letters(HAND_B, 4, 5, 12) + letters(HAND_A, 2, 99), "ru")
    p = Problem(known=letters(HAND_A, 4, 6), unknown=letters(HAND_A, 1, 7)[0], language="ru")
    (verdict,) = v.verdicts([p])
    assert 0 <= verdict.probability <= 1


@pytest.mark.parametrize(
    ("unknown", "expected"),
    [
        ("", "the questioned text is empty"),
        ("Коротко: всё хорошо.", "the questioned text has only 3 words; at least 30 are needed"),
        (" ".join(ENGLISH), "the questioned text looks English, the known texts Russian"),
        (" ".join(HAND_A[:3]) + " " + " ".join(ENGLISH[:4]), "mixes languages"),
        (VERSE, "another kind of writing (e.g. verse, chat or a form)"),
    ],
)
def test_bad_input_gives_cannot_tell_with_the_reason(fitted, unknown, expected) -> None:  # type: ignore[no-untyped-def]
    p = Problem(known=letters(HAND_A, 3, 1), unknown=unknown, language="ru")
    (verdict,) = fitted.verdicts([p])
    assert verdict.decision == "cannot tell"
    assert any(expected in r for r in verdict.ood), verdict.ood
    assert expected in verdict.reasons[0]


def test_reference_pool_in_the_wrong_language_is_refused() -> None:
    v = AuthorshipVerifier.pretrained(n_iter=20)
    v.set_impostors(letters(ENGLISH, 5, 1, 6), "ru")
    assert v.rejected_impostors == {"ru": 5}
    p = Problem(known=letters(HAND_A, 1, 2), unknown=letters(HAND_A, 1, 3)[0], language="ru")
    (verdict,) = v.verdicts([p])
    assert verdict.decision == "cannot tell"
    assert any("too few reference texts in Russian" in r for r in verdict.ood)
    assert any("5 reference texts were not in Russian" in r for r in verdict.ood)
