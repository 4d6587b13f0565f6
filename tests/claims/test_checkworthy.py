"""The check-worthiness model: TSV reading, training, the shipped file, `leakdesk eval checkworthy`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import invoke

from leakdesk.claims import checkworthy
from leakdesk.claims.checkworthy import CheckworthyModel, prf, read_checkthat_tsv
from leakdesk.errors import ClaimsError

YES = [
    "Unemployment rose by 4 percent in 2019.",
    "The army moved 12 helicopters to the island in August.",
    "Taxes on the middle class went up by 300 dollars last year.",
    "The company paid 5 million dollars to the minister in 2020.",
    "Crime fell by 20 percent in our state over four years.",
    "We spent 80 billion dollars on the program in 2018.",
]
NO = [
    "Thank you very much for having me tonight.",
    "I think that is a good question.",
    "Let me say something about that.",
    "Good evening to all of you.",
    "We will see what happens.",
    "I would like to thank my family.",
]


def write_tsv(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["Sentence_id\tText\tclass_label"] + [f"{i}\t{t}\t{label}" for i, (t, label) in enumerate(rows, 1)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def labelled() -> list[tuple[str, str]]:
    return [(t, "Yes") for t in YES] + [(t, "No ") for t in NO]


def test_reader_strips_labels_and_repairs_joined_lines(tmp_path: Path) -> None:
    p = tmp_path / "a.tsv"
    p.write_text("Sentence_id\tText\tclass_label\n1\t\"He said \"\"no\"\".\"\tYes \n"
                 "2\tFirst.\tNo3\tSecond.\tYes\n", "utf-8")
    data = read_checkthat_tsv(p)
    assert data.ids == ["1", "2", "3"]
    assert data.texts == ['He said "no".', "First.", "Second."]
    assert data.labels == [1, 0, 1]


def test_reader_errors_name_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "h.tsv").write_text("id\ttext\n", "utf-8")
    with pytest.raises(ClaimsError, match="the first line must be the header"):
        read_checkthat_tsv(tmp_path / "h.tsv")
    (tmp_path / "b.tsv").write_text("Sentence_id\tText\tclass_label\n1\tHello.\tMaybe\n", "utf-8")
    with pytest.raises(ClaimsError, match=r"b\.tsv, line 2: class_label must be Yes or No, not 'Maybe'"):
        read_checkthat_tsv(tmp_path / "b.tsv")
    with pytest.raises(ClaimsError, match="no such file"):
        read_checkthat_tsv(tmp_path / "missing.tsv")


def test_prf() -> None:
    assert prf([1, 1, 0, 0], [1, 0, 1, 0]) == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert prf([0, 0], [0, 0]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_fit_save_load_gives_the_same_scores(tmp_path: Path) -> None:
    model = CheckworthyModel(n_features=2**12, C=10.0).fit(YES + NO, [1] * len(YES) + [0] * len(NO))
    assert model.predict(YES + NO).tolist() == [1] * len(YES) + [0] * len(NO)
    path = tmp_path / "m.joblib"
    model.save(path, {"trained_on": "test"})
    loaded = CheckworthyModel.load(path)
    probe = ["Prices rose by 7 percent in 2021.", "Hello there."]
    assert np.allclose(model.decision_function(probe), loaded.decision_function(probe), atol=1e-4)
    assert loaded.info_ == {"trained_on": "test"}


def test_saved_model_holds_no_training_text(tmp_path: Path) -> None:
    model = CheckworthyModel(n_features=2**12).fit(YES + NO, [1] * len(YES) + [0] * len(NO))
    path = tmp_path / "m.joblib"
    model.save(path)
    import joblib

    payload = joblib.load(path)
    assert "helicopters" not in repr(payload)


def test_shipped_model_is_in_the_package_and_separates_claims_from_chatter() -> None:
    assert checkworthy.MODEL_PATH.is_file()
    assert checkworthy.MODEL_PATH.stat().st_size < 5_000_000
    yes, no = checkworthy.score_sentences(
        ["Unemployment went up by 12 percent in the last three years.", "Thank you, it is good to be here."]
    )
    assert yes > 0.5 > no


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ClaimsError, match="scripts/train-checkworthy"):
        CheckworthyModel.load(tmp_path / "none.joblib")


def test_cli_eval_with_training(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    train = write_tsv(tmp_path / "train.tsv", labelled())
    test = write_tsv(tmp_path / "test.tsv", [(YES[0], "Yes"), (NO[0], "No")])
    result = invoke(runner, "eval", "checkworthy", test, "--train", train, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"precision", "recall", "f1"} <= set(data)
    assert data["sentences"] == 2 and data["gold_yes"] == 1


def test_cli_eval_missing_file(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "eval", "checkworthy", tmp_path / "nope.tsv")
    assert result.exit_code == 1
    assert "nope.tsv: no such file" in result.stderr
    assert "Traceback" not in result.output


def test_sentence_form_keeps_the_shape_of_a_claim_not_its_topic() -> None:
    from leakdesk.claims.sentence_form import forms

    claim, thanks = forms(["Unemployment rose by 4 percent in 2019.", "Thank you very much."])
    assert "E_PERCENT" in claim and "E_DATE" in claim and " by " in f" {claim} "
    assert "nemployment" not in claim and "rose" not in claim
    assert thanks.startswith("T_") and "you" in thanks.split()
    assert forms([]) == []


def test_weights_and_cut_are_applied_and_kept(tmp_path: Path) -> None:
    labels = [1] * len(YES) + [0] * len(NO)
    plain = CheckworthyModel(n_features=2**12, C=10.0).fit(YES + NO, labels)
    probe = ["Prices rose by 7 percent in 2021.", "Hello there."]
    parts = [plain.lexical_decision(probe), plain.meaning_decision(probe), plain.form_decision(probe)]
    assert all(p is not None for p in parts)
    shifted = CheckworthyModel(n_features=2**12, C=10.0, weights=(2.0, 0.0, 1.0), threshold=0.25)
    shifted.fit(YES + NO, labels)
    expected = (2.0 * parts[0] + 1.0 * parts[2]) / 3.0 - 0.25  # type: ignore[operator]
    assert np.allclose(shifted.decision_function(probe), expected)
    path = tmp_path / "m.joblib"
    shifted.save(path)
    loaded = CheckworthyModel.load(path)
    assert loaded.weights == (2.0, 0.0, 1.0) and loaded.threshold == 0.25
    assert np.allclose(loaded.decision_function(probe), expected, atol=1e-4)
    # Russian and other languages: the meaning model alone, at its own cut.
    assert np.allclose(loaded.decision_function(probe, "ru"), parts[1], atol=1e-4)  # type: ignore[arg-type]


def test_a_model_file_of_another_version_is_a_clear_error(tmp_path: Path) -> None:
    import joblib

    joblib.dump({"version": "cw-2", "params": {}}, tmp_path / "old.joblib")
    with pytest.raises(ClaimsError, match=r"old\.joblib: this is check-worthiness model 'cw-2'.*train-checkworthy"):
        CheckworthyModel.load(tmp_path / "old.joblib")


def test_unseen_era_validation_chooses_weights_and_a_cut() -> None:
    from leakdesk.claims.checkworthy_cv import CUTS, era_of, validate
    from leakdesk.claims.sentence_form import forms
    from leakdesk.language.encoder import encode

    texts = [f"{t} {extra}" for extra in ("Really.", "Indeed.") for t in YES + NO] * 5
    labels = ([1] * len(YES) + [0] * len(NO)) * 10
    ids = [str(i * 297) for i in range(len(texts))]  # spread over the ten eras of 3,500 ids
    assert sorted(set(era_of(ids).tolist())) == list(range(10))
    report = validate(texts, labels, ids, encode(texts), forms(texts))
    assert report["groups"] == 10 and len(report["weights"]) == 3 and all(w > 0 for w in report["weights"])
    assert CUTS[0] <= report["threshold"] <= CUTS[-1]
    for name in ("lexical", "meaning", "form", "all three"):
        assert len(report[name]["cut 0"]["f1_per_era"]) == 10
        assert report[name]["cut 0"]["f1_mean"] > 0.9  # the same sentences recur in every era: easy, not trivial
