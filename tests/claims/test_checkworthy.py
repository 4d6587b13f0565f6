"""The check-worthiness model: TSV reading, training, the shipped file, `leakdesk eval checkworthy`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import invoke

from leakdesk.claims import checkworthy
from leakdesk.claims.checkworthy import CheckworthyModel, prf, read_checkthat_tsv
from leakdesk.claims.checkworthy_head import TokenStates
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
    assert loaded.weights == (2.0, 0.0, 1.0, 0.0) and loaded.threshold == 0.25  # a cw-3 triple: no network
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
    assert report["groups"] == 10 and len(report["weights"]) == 4 and all(w >= 0 for w in report["weights"])
    stacking = report["stacking gain over " + ("all four" if report["network gain over all three"]["kept"]
                                               else "all three")]
    assert (report["mix"] == "stacked") == stacking["kept"]
    if report["mix"] != "stacked":
        assert (report["weights"][3] > 0) == report["network gain over all three"]["kept"]
    assert len(report["stacked"]["cut by era CV"]["f1_per_era"]) == 10
    assert CUTS[0] <= report["threshold"] <= CUTS[-1]
    for name in ("lexical", "meaning", "form", "network", "all three", "all four"):
        assert len(report[name]["cut 0"]["f1_per_era"]) == 10
        assert report[name]["cut 0"]["f1_mean"] > 0.9  # the same sentences recur in every era: easy, not trivial


def test_the_network_is_mixed_at_its_weight_and_survives_saving(tmp_path: Path) -> None:
    labels = [1] * len(YES) + [0] * len(NO)
    model = CheckworthyModel(n_features=2**12, C=10.0, weights=(1.0, 1.0, 1.0, 2.0), other_weights=(1.0, 2.0))
    model.fit(YES + NO, labels)
    probe = ["Prices rose by 7 percent in 2021.", "Hello there."]
    lexical, meaning = model.lexical_decision(probe), model.meaning_decision(probe)
    form, network = model.form_decision(probe), model.mlp_decision(probe)
    assert network is not None and network[0] > network[1]  # it learnt the claim from the chatter
    expected = (lexical + meaning + form + 2.0 * network) / 5.0  # type: ignore[operator]
    assert np.allclose(model.decision_function(probe), expected)
    model.save(tmp_path / "m.joblib")
    loaded = CheckworthyModel.load(tmp_path / "m.joblib")
    assert np.allclose(loaded.mlp_decision(probe), network, atol=1e-4)  # type: ignore[arg-type]
    # Other languages: the two meaning models at their own weights, no lexical or form part.
    assert np.allclose(loaded.decision_function(probe, "ru"), (meaning + 2.0 * network) / 3.0, atol=1e-4)  # type: ignore[operator]
    assert CheckworthyModel(mlp=False).fit(YES + NO, labels).mlp_decision(probe) is None


def test_the_network_is_kept_only_for_a_gain_above_the_fold_noise() -> None:
    from leakdesk.claims.checkworthy_cv import network_gain

    base = [0.70, 0.65, 0.68, 0.72, 0.66]
    assert network_gain(base, [f + 0.02 for f in base])["kept"] is True  # the same gain in every era
    noisy = [0.75, 0.60, 0.70, 0.70, 0.68]  # +0.01 on average, but up and down from era to era
    gain = network_gain(base, noisy)
    assert gain["kept"] is False and gain["mean"] == 0.004 and gain["fold noise"] > 0.004


def test_a_cw3_file_reads_without_a_network_and_can_be_given_one(tmp_path: Path) -> None:
    import joblib

    from leakdesk.language.encoder import encode

    labels = [1] * len(YES) + [0] * len(NO)
    model = CheckworthyModel(n_features=2**12, C=10.0, mlp=False).fit(YES + NO, labels)
    model.save(tmp_path / "m.joblib")
    payload = joblib.load(tmp_path / "m.joblib")
    payload["version"], payload["params"]["weights"] = "cw-3", (1.0, 1.0, 1.0)
    del payload["params"]["other_weights"], payload["mlp"]
    joblib.dump(payload, tmp_path / "cw3.joblib")
    old = CheckworthyModel.load(tmp_path / "cw3.joblib")
    probe = ["Prices rose by 7 percent in 2021.", "Hello there."]
    assert old.mlp_decision(probe) is None and old.weights == (1.0, 1.0, 1.0, 0.0)
    english = old.decision_function(probe)
    old.add_network(encode(YES + NO), labels, (1.0, 1.0))
    assert np.allclose(old.decision_function(probe), english)  # English keeps its mix
    meaning, network = old.meaning_decision(probe), old.mlp_decision(probe)
    assert np.allclose(old.decision_function(probe, "ru"), (meaning + network) / 2.0)  # type: ignore[operator]


def test_the_meaning_models_are_validated_on_unseen_eras() -> None:
    from leakdesk.claims.checkworthy_cv import validate_meaning
    from leakdesk.language.encoder import encode

    texts = [f"{t} {extra}" for extra in ("Really.", "Indeed.") for t in YES + NO] * 5
    labels = ([1] * len(YES) + [0] * len(NO)) * 10
    report = validate_meaning(labels, [str(i * 297) for i in range(len(texts))], encode(texts))
    assert report["groups"] == 10 and report["meaning"]["cut 0"]["f1_mean"] > 0.9
    assert len(report["network"]["cut 0"]["f1_per_era"]) == 10
    assert report["other_weights"][0] > 0
    assert (report["other_weights"][1] > 0) == report["network gain over meaning"]["kept"]


def synthetic_parts(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ten eras; part 0 is strong, part 1 weak, part 2 noise that only helps by cancelling part 0's noise, part 3
    nothing at all — all of the same spread, so 1 / spread weighs them alike."""
    rng = np.random.default_rng(seed)
    n = 4000
    y = (rng.random(n) < 0.25).astype(int)
    noise = rng.normal(size=n)
    parts = np.column_stack([2.0 * y + noise, 0.5 * y + rng.normal(size=n), noise, rng.normal(size=n)])
    return parts / parts.std(axis=0), y, np.arange(n) % 10


def test_stacked_weights_follow_each_part_and_drop_a_part_that_only_corrects_the_others() -> None:
    from leakdesk.claims.checkworthy_cv import stacked_weights

    parts, y, _ = synthetic_parts()
    weights = stacked_weights(parts, y)
    assert weights[0] > weights[1] > 0  # the strong part outweighs the weak one
    assert weights[2] == 0.0  # a plain logistic model would give the noise-canceller a negative weight
    assert (weights >= 0).all()


def test_the_stacked_mix_replaces_the_spread_weights_only_when_it_gains_on_unseen_eras() -> None:
    from leakdesk.claims.checkworthy_cv import choose_mix, stacked_weights

    parts, y, eras = synthetic_parts(1)
    report = choose_mix(parts, y, eras)
    spread_mix = "all four" if report["network gain over all three"]["kept"] else "all three"
    assert report["stacking gain over " + spread_mix]["kept"] is True  # equal weights waste the strong part
    assert report["mix"] == "stacked"
    assert report["stacked"]["cut by era CV"]["f1_mean"] > report[spread_mix]["cut by era CV"]["f1_mean"]
    assert np.allclose(report["weights"], stacked_weights(parts, y), atol=1e-4)


def test_the_shipped_model_is_mixed_as_its_unseen_era_validation_chose() -> None:
    model = checkworthy.shipped_model()
    validation = model.info_["leave_one_era_out"]
    assert list(model.weights) == validation["weights"] and model.threshold == validation["threshold"]
    assert validation["mix"] == "stacked" and model.mlp_layers_ is not None and model.weights[3] > 0
    assert model.info_["params"]["other_weights"] == tuple(validation["other_weights"])
    english = model.decision_function(["Unemployment went up by 12 percent in 2019."], "en")
    russian = model.decision_function(["Безработица выросла на 12 процентов в 2019 году."], "ru")
    assert english[0] > 0 and russian[0] > 0
    # cw-6: the MiniLM parts at the six weights and cut learnt on unseen eras; the cw-5 mix stays for installs
    # without the wheel.
    assert model.has_minilm() and list(model.minilm_weights) == model.info_["minilm"]["minilm_weights"]
    assert model.minilm_threshold == model.info_["minilm"]["minilm_threshold"] and model.minilm_weights[4] > 0


def test_a_new_encoders_parts_join_only_when_they_add_to_the_stacked_mix() -> None:
    from leakdesk.claims.checkworthy_cv import extra_parts_gain, unseen_era_encoder_parts

    parts, y, eras = synthetic_parts(2)
    parts, y, eras = parts[:2000], y[:2000], eras[:2000]  # ten eras of 200: enough, and quick
    rng = np.random.default_rng(5)
    # A new view of the label, independent of the shipped parts' noise: the stack gains in every era.
    informative = np.column_stack([1.5 * y + rng.normal(size=len(y)), rng.normal(size=len(y))])
    report = extra_parts_gain(parts, informative, y, eras)
    assert report["gain"]["kept"] is True and report["gain"]["mean"] > 0.02
    assert report["extra logistic"]["f1_mean"] > report["extra network"]["f1_mean"]
    noise = extra_parts_gain(parts, rng.normal(size=(len(y), 2)), y, eras)
    assert noise["gain"]["kept"] is False and len(noise["stacked, shipped parts + extra"]["f1_per_era"]) == 10
    # Encoder parts are fitted without their era: a vector that names the label is learnt from the other eras.
    vectors = np.column_stack([y + 0.3 * rng.normal(size=len(y)), rng.normal(size=(len(y), 3))])
    decided = unseen_era_encoder_parts(vectors, y, eras)
    assert decided.shape == (len(y), 2)
    assert ((decided[:, 0] > 0) == (y == 1)).mean() > 0.9 and ((decided[:, 1] > 0) == (y == 1)).mean() > 0.9


def claim_states(texts: list[str], seed: int = 0) -> TokenStates:
    """Stand-in MiniLM token states: noise, with one token whose first number says whether a digit is present."""
    rng = np.random.default_rng(seed)
    out = []
    for text in texts:
        rows = rng.normal(size=(len(text.split()) + 2, 8)).astype(np.float32)
        rows[1, 0] = 4.0 if any(c.isdigit() for c in text) else -4.0
        out.append(rows)
    return TokenStates.of(out)


def test_the_minilm_parts_join_the_english_mix_at_their_own_weights(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    labels = [1] * len(YES) + [0] * len(NO)
    model = CheckworthyModel(n_features=2**12, C=10.0, weights=(1.0, 0.0, 1.0, 1.0), threshold=0.05)
    model.fit(YES + NO, labels)
    probe = ["Prices rose by 7 percent in 2021.", "Hello there."]
    four = model.decision_function(probe)
    assert not model.has_minilm()
    model.add_minilm(claim_states(YES + NO), labels, (1.0, 0.0, 1.0, 1.0, 2.0, 1.0), 0.1, {"hidden": 8})
    assert model.has_minilm()
    states = claim_states(probe, seed=1)
    head, pooled = model.minilm_decisions(states)
    assert head[0] > head[1]  # the head found the token that carries the label
    lexical, form, network = model.lexical_decision(probe), model.form_decision(probe), model.mlp_decision(probe)
    expected = (lexical + form + network + 2.0 * head + pooled) / 6.0 - 0.1  # type: ignore[operator]
    assert np.allclose(model.decision_function(probe, minilm_states=states), expected)
    # Without the wheel (and no states given) English falls back to the four-part mix, unchanged.
    monkeypatch.setattr(checkworthy.checkworthy_minilm, "available", lambda: False)
    assert np.allclose(model.decision_function(probe), four)
    model.save(tmp_path / "m.joblib")
    loaded = CheckworthyModel.load(tmp_path / "m.joblib")
    assert loaded.has_minilm() and loaded.minilm_weights == model.minilm_weights
    assert np.allclose(loaded.decision_function(probe, minilm_states=states), expected, atol=1e-4)
    assert np.allclose(loaded.decision_function(probe), four, atol=1e-4)
    # Other languages never read MiniLM (it is English only).
    russian = loaded.decision_function(probe, "ru", minilm_states=states)
    assert np.allclose(russian, loaded.decision_function(probe, "ru"))
    with pytest.raises(ValueError, match="six weights"):
        model.add_minilm(claim_states(YES + NO), labels, (1.0, 1.0), 0.0)


def test_the_model_version_says_whether_the_minilm_parts_score(monkeypatch: pytest.MonkeyPatch) -> None:
    from leakdesk.claims import checkworthy_minilm

    monkeypatch.setattr(checkworthy_minilm, "available", lambda: True)
    assert checkworthy._shipped_version() == "cw-6"
    monkeypatch.setattr(checkworthy_minilm, "available", lambda: False)
    assert checkworthy._shipped_version() == checkworthy.FALLBACK_VERSION == "cw-5"


def test_the_minilm_parts_are_kept_only_when_the_six_part_stack_gains() -> None:
    from leakdesk.claims.checkworthy_cv import choose_minilm_mix

    parts, y, eras = synthetic_parts(2)
    parts, y, eras = parts[:2000], y[:2000], eras[:2000]
    rng = np.random.default_rng(6)
    informative = np.column_stack([1.5 * y + rng.normal(size=len(y)), y + rng.normal(size=len(y))])
    report = choose_minilm_mix(parts, informative, y, eras)
    assert report["kept"] is True and len(report["minilm_weights"]) == 6 and report["minilm_weights"][4] > 0
    assert "minilm_threshold" in report
    noise = choose_minilm_mix(parts, rng.normal(size=(len(y), 2)), y, eras)
    assert noise["kept"] is False and "minilm_weights" not in noise
