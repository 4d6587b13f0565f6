"""The sample case gets aligned final translations; evaluation commands and the alignment scorer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leakdesk.case import Case
from leakdesk.language.evaluate import GoldPair, alignment_scores, clean_only, merge_targets
from tests.conftest import invoke


@pytest.fixture(scope="module")
def sample_case(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from leakdesk.intake.ingest import ingest_paths
    from leakdesk.intake.pgp import import_keys
    from leakdesk.language.sample import import_sample_translations
    from leakdesk.sample import demo_key, mail_files, sample_dir

    case = Case.init(tmp_path_factory.mktemp("sample") / "case")
    import_keys(case, demo_key())
    ingest_paths(case, mail_files(), series="Veter", progress=False)
    results = import_sample_translations(case, sample_dir())
    yield case, results
    case.close()


def _letters() -> list[int]:
    from leakdesk.sample import load_manifest

    return [letter["number"] for letter in load_manifest()["letters"] if letter.get("translation")]


@pytest.mark.parametrize("number", _letters())
def test_every_sample_letter_gets_an_aligned_final_translation(sample_case, number: int) -> None:  # type: ignore[no-untyped-def]
    _, results = sample_case
    row = next(r for r in results if r["letter"] == number)
    assert "problem" not in row, row.get("problem")
    assert row["status"] == "final" and row["confidence"] >= 0.5 and row["segments"] >= 5


def test_glossary_check_flags_the_inconsistent_sample_term(sample_case, runner) -> None:  # type: ignore[no-untyped-def]
    case, results = sample_case
    letter6 = next(r for r in results if r["letter"] == 6)
    findings = json.loads(invoke(runner, "glossary", "check", case.root, "--json").stdout)["findings"]
    flagged = {(f["dispatch"], f["source_term"], f["expected"]) for f in findings}
    assert (letter6["dispatch"], "контора", "the Office") in flagged
    assert {f["dispatch"] for f in findings} == {letter6["dispatch"]}
    assert "the firm" in next(f["found"] for f in findings if f["dispatch"] == letter6["dispatch"])


def test_eval_translation_scores_chrf_and_bleu(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ref = tmp_path / "ref.txt"
    ref.write_text("The cargo arrived three days late.\nThe general is unhappy.\n", "utf-8")
    same = invoke(runner, "eval", "translation", "--hyp", ref, "--ref", ref, "--json")
    assert json.loads(same.stdout) == {"chrf": 100.0, "bleu": 100.0, "sentences": 2}
    hyp = tmp_path / "hyp.txt"
    hyp.write_text("The cargo came three days late.\nThe general is not happy.\n", "utf-8")
    scores = json.loads(invoke(runner, "eval", "translation", "--hyp", hyp, "--ref", ref, "--json").stdout)
    assert 0 < scores["bleu"] < scores["chrf"] < 100
    short = tmp_path / "short.txt"
    short.write_text("One line.\n", "utf-8")
    bad = invoke(runner, "eval", "translation", "--hyp", short, "--ref", ref)
    assert bad.exit_code == 1
    assert "short.txt has 1 lines but ref.txt has 2; both must have one sentence per line" in bad.output


def test_alignment_scorer_counts_exact_beads(tmp_path: Path) -> None:
    path = tmp_path / "pair.json"
    path.write_text(
        json.dumps(
            {
                "beads": [
                    {"ru": ["Груз прибыл 5 мая."], "en": ["The cargo arrived on 5 May."]},
                    {
                        "ru": ["Генерал недоволен.", "Он ждёт отчёт."],
                        "en": ["The general is unhappy and awaits a report."],
                    },
                    {"ru": ["Сумма — 17 млн рублей."], "en": ["The sum is 17 million roubles."]},
                ]
            }
        ),
        "utf-8",
    )
    pair = GoldPair.load(path)
    assert alignment_scores([pair]) == {
        "pairs": 1,
        "gold_beads": 3,
        "found_beads": 3,
        "correct": 3,
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
    }
    assert [len(b[0]) for b in clean_only(pair).beads] == [1, 1]
    merged = merge_targets(clean_only(pair), every=1)
    assert merged.beads == [
        (
            ["Груз прибыл 5 мая.", "Сумма — 17 млн рублей."],
            ["The cargo arrived on 5 May; the sum is 17 million roubles."],
        )
    ]


def test_merged_targets_keep_the_capital_of_names_abbreviations_and_i() -> None:
    beads = [(["а"], ["Ask Veter."]), (["б"], ["The cargo came."]), (["в"], ["Veter signed it."]),
             (["г"], ["FSB officers met."]), (["д"], ["Nobody came."]), (["е"], ["They met."]),
             (["ж"], ["I left."]), (["з"], ["It is done."]), (["и"], ["Ветер."])]
    pair = GoldPair("names", beads, [0] * 9, [0] * 9)
    merged = merge_targets(pair, every=2)
    assert [t for _s, t in merged.beads] == [
        ["Ask Veter."], ["The cargo came; Veter signed it."], ["FSB officers met; nobody came."],
        ["They met; I left."], ["It is done; Ветер."]]
