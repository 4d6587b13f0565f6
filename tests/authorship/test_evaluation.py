"""PAN measures against hand-computed values, the PAN 2020 official table, and the `eval authorship-score` command."""

from __future__ import annotations

import csv
import json
import os
from fractions import Fraction
from pathlib import Path

import pytest

from leakdesk.authorship import evaluation as ev
from leakdesk.errors import AuthorshipError
from tests.conftest import invoke

# Six problems; two non-answers (0.5), two right and two wrong answers. Values worked out by hand below.
TRUTH = [1, 1, 0, 0, 1, 0]
SCORES = [0.9, 0.5, 0.2, 0.7, 0.4, 0.5]

AUTHORSHIP_DATA = Path(os.environ.get("LEAKDESK_AUTHORSHIP_DATA", "/work/shared/data/authorship"))
PAN20 = AUTHORSHIP_DATA / "pan20-av-test-predictions"


def test_auc_counts_ties_as_half() -> None:
    # positives 0.9, 0.5, 0.4 against negatives 0.2, 0.7, 0.5: 3 + (1 + 0.5) + 1 = 5.5 of 9 pairs
    assert ev.auc(TRUTH, SCORES) == pytest.approx(float(Fraction(11, 18)))


def test_c_at_1_rewards_non_answers_by_accuracy() -> None:
    # nc = 2, nu = 2, n = 6: (2 + 2 * 2 / 6) / 6 = 4/9
    assert ev.c_at_1(TRUTH, SCORES) == pytest.approx(4 / 9)


def test_f1_leaves_non_answers_out() -> None:
    # answered: truth 1,0,0,1 said 1,0,1,0 -> tp 1, fp 1, fn 1
    assert ev.f1(TRUTH, SCORES) == pytest.approx(0.5)


def test_f05u_counts_non_answers_as_false_negatives() -> None:
    # tp 1, fp 1, fn 1, nu 2: 1.25 / (1.25 + 0.25 * 3 + 1) = 5/12
    assert ev.f_05_u(TRUTH, SCORES) == pytest.approx(5 / 12)


def test_f05u_2020_variant_counts_half_as_same() -> None:
    # 0.5 said "same": tp 2, fp 2, fn 1: 2.5 / (2.5 + 0.25 + 2) = 10/19
    assert ev.f_05_u(TRUTH, SCORES, variant_2020=True) == pytest.approx(10 / 19)


def test_brier_is_the_complement_of_the_mean_squared_error() -> None:
    # squared errors .01 .25 .04 .49 .36 .25 -> mean 1.4 / 6
    assert ev.brier(TRUTH, SCORES) == pytest.approx(1 - 1.4 / 6)


def test_evaluate_combines_overall_and_auc_c_at_1() -> None:
    scores = ev.evaluate(TRUTH, SCORES)
    assert scores.overall == pytest.approx((11 / 18 + 4 / 9 + 0.5 + 5 / 12) / 4)
    assert scores.overall_2021 == pytest.approx((11 / 18 + 4 / 9 + 0.5 + 5 / 12 + 1 - 1.4 / 6) / 5)
    assert scores.auc_c_at_1 == pytest.approx(22 / 81)
    assert (scores.problems, scores.answered) == (6, 4)
    old = ev.evaluate(TRUTH, SCORES, f05u_2020=True)
    assert old.f_05_u == pytest.approx(10 / 19) and old.overall > scores.overall


def test_perfect_and_silent_verifiers() -> None:
    perfect = ev.evaluate([1, 0, 1, 0], [1.0, 0.0, 0.8, 0.1])
    assert (perfect.auc, perfect.c_at_1, perfect.f1, perfect.f_05_u) == (1.0, 1.0, 1.0, 1.0)
    silent = ev.evaluate([1, 0, 1, 0], [0.5] * 4)
    assert (silent.auc, silent.c_at_1, silent.f1, silent.f_05_u, silent.brier) == (0.5, 0.0, 0.0, 0.0, 0.75)
    assert silent.answered == 0


def test_nan_is_a_non_answer_and_one_class_gives_auc_zero() -> None:
    assert ev.c_at_1([1, 0], [float("nan"), 0.2]) == pytest.approx((1 + 1 * 1 / 2) / 2)
    assert ev.auc([1, 1], [0.7, 0.2]) == 0.0


@pytest.mark.parametrize(
    ("truth", "scores", "message"),
    [
        ([1, 0], [0.3], "There are 2 truth values but 1 scores"),
        ([1, 0], [0.3, 1.2], "Score number 2 is 1.2; a score must lie between 0 and 1."),
        ([1, 2], [0.3, 0.2], "must be 0 (different authors) or 1 (same author), not 2.0"),
        ([], [], "There are no problems to score."),
    ],
)
def test_bad_input_is_refused_with_a_sentence(truth: list, scores: list, message: str) -> None:
    with pytest.raises(AuthorshipError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ev.evaluate(truth, scores)


# ---- the scorer command on files we write --------------------------------------------------------------------


def write_lines(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def truth_file(tmp_path: Path) -> Path:
    records = [{"id": f"p{i}", "same": bool(t), "authors": ["a", "a" if t else "b"]} for i, t in enumerate(TRUTH)]
    return write_lines(tmp_path / "truth.jsonl", records)


def test_score_command_prints_every_measure(runner, truth_file: Path, tmp_path: Path) -> None:
    answers = write_lines(tmp_path / "answers.jsonl", [{"id": f"p{i}", "value": s} for i, s in enumerate(SCORES)])
    result = invoke(runner, "eval", "authorship-score", truth_file, answers)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  AUC               0.6111" in lines
    assert "  c@1               0.4444" in lines
    assert "  F0.5u             0.4167" in lines
    assert "  AUC·c@1           0.2716" in lines
    assert "  problems          6 (4 answered)" in lines


def test_score_command_json_missing_answers_and_list_values(runner, truth_file: Path, tmp_path: Path) -> None:
    # p1 and p5 are left out (scored 0.5, as PAN does); p0 is written as a one-element list (a 2020 quirk)
    records = [{"id": "p0", "value": [0.9]}] + [{"id": f"p{i}", "value": SCORES[i]} for i in (2, 3, 4)]
    answers = write_lines(tmp_path / "answers.jsonl", records)
    result = invoke(runner, "eval", "authorship-score", truth_file, answers, "--json", "--f05u-2020")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"auc", "c_at_1", "f1", "f_05_u", "brier", "overall", "auc_c_at_1", "problems"} <= set(data)
    assert data["f_05_u"] == pytest.approx(10 / 19)
    assert data["c_at_1"] == pytest.approx(4 / 9)
    assert data["problems"] == 6 and data["answered"] == 4


def test_score_command_refuses_answers_to_unknown_problems(runner, truth_file: Path, tmp_path: Path) -> None:
    answers = write_lines(tmp_path / "answers.jsonl", [{"id": "p0", "value": 0.9}, {"id": "zz", "value": 0.1}])
    result = invoke(runner, "eval", "authorship-score", truth_file, answers)
    assert result.exit_code == 1
    assert f"The answers in {answers} answer problem zz, which the truth file does not contain" in result.output
    assert "Traceback" not in result.output


def test_score_command_names_the_bad_line(runner, truth_file: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "p0", "value": 0.9}\n{"id": "p1", "value": 0.9\n', encoding="utf-8")
    result = invoke(runner, "eval", "authorship-score", truth_file, answers)
    assert result.exit_code == 1
    assert f"Line 2 of {answers} is not valid JSON" in result.output
    write_lines(answers, [{"id": "p0", "value": "high"}])
    result = invoke(runner, "eval", "authorship-score", truth_file, answers)
    assert f"Line 1 of {answers} needs \"value\" between 0 and 1, not 'high'." in result.output


def test_score_command_missing_file(runner, tmp_path: Path) -> None:
    result = invoke(runner, "eval", "authorship-score", tmp_path / "none.jsonl", tmp_path / "a.jsonl")
    assert result.exit_code == 1
    assert f"The file {tmp_path / 'none.jsonl'} does not exist." in result.output


# ---- the official PAN 2020 table -----------------------------------------------------------------------------


def official_pan20_rows() -> list[dict[str, str]]:
    if not (PAN20 / "official_metrics.csv").is_file():
        pytest.skip(
            f"PAN 2020 predictions not found at {PAN20}; set LEAKDESK_AUTHORSHIP_DATA to the folder holding "
            "pan20-av-test-predictions to run this check."
        )
    with (PAN20 / "official_metrics.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_reproduces_all_13_official_pan20_runs() -> None:
    rows = official_pan20_rows()
    assert len(rows) == 13
    truth = PAN20 / "datasets" / "pan20-authorship-verification-test" / "truth.jsonl"
    for row in rows:
        answers = PAN20 / "submissions" / row["system"] / "answers.jsonl"
        scores = ev.score_answer_files(truth, answers, f05u_2020=True)
        for key, column in [
            ("auc", "AUC"),
            ("c_at_1", "c@1"),
            ("f1", "F1"),
            ("f_05_u", "F0.5u"),
            ("overall", "Overall"),
        ]:
            assert getattr(scores, key) == pytest.approx(float(row[column]), abs=1e-12), (row["system"], key)


def test_corrected_f05u_differs_only_for_runs_with_non_answers() -> None:
    rows = {r["system"]: r for r in official_pan20_rows()}
    truth = PAN20 / "datasets" / "pan20-authorship-verification-test" / "truth.jsonl"
    winner = ev.score_answer_files(truth, PAN20 / "submissions" / "boenninghoff20-large" / "answers.jsonl")
    assert round(winner.f_05_u, 4) == 0.9182  # 0.9067 in the official 2020 table
    assert winner.answered == 13663
    no_abstentions = ev.score_answer_files(truth, PAN20 / "submissions" / "weerasinghe20-large" / "answers.jsonl")
    assert no_abstentions.f_05_u == pytest.approx(float(rows["weerasinghe20-large"]["F0.5u"]), abs=1e-12)


def test_score_command_on_the_pan20_winner(runner) -> None:
    official_pan20_rows()
    truth = PAN20 / "datasets" / "pan20-authorship-verification-test" / "truth.jsonl"
    answers = PAN20 / "submissions" / "boenninghoff20-large" / "answers.jsonl"
    result = invoke(runner, "eval", "authorship-score", truth, answers, "--f05u-2020")
    assert result.exit_code == 0, result.output
    assert "  F0.5u             0.9067" in result.output.splitlines()
    assert "  overall           0.9351" in result.output.splitlines()
