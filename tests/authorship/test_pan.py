"""PAN folder reader/writer, answers files, the Russian problem builder and `leakdesk eval authorship`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from leakdesk.authorship import evaluation as ev
from leakdesk.authorship import pan
from leakdesk.errors import AuthorshipError
from tests.conftest import invoke

# Two made-up "hands": one writes about the sea with many commas, the other about the city in short sentences.
HAND_A = "The sea, the wind, and the old boat, all of it, again and again, under grey skies, near the harbour. "
HAND_B = "City lights. Cars stop. People wait. The bus is late again. Nobody talks here. "


def make_pan_folder(root: Path, prefix: str, count: int, *, with_contents: bool = True) -> Path:
    """A tiny PAN 2013-2015 folder: problems alternate same (Y) and different (N) hands."""
    root.mkdir(parents=True)
    lines = []
    for i in range(count):
        same = i % 2 == 0
        problem = root / f"{prefix}{i + 1:03d}"
        problem.mkdir()
        (problem / "known01.txt").write_text(HAND_A * (2 + i % 3), encoding="utf-8")
        (problem / "known02.txt").write_text("\ufeff" + HAND_A * 2 + "\r\n", encoding="utf-8")
        (problem / "unknown.txt").write_text((HAND_A if same else HAND_B) * 3 + problem.name, encoding="utf-8")
        lines.append(f"{problem.name} {'Y' if same else 'N'}")
    (root / "truth.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if with_contents:
        contents = {
            "language": "english",
            "genre": "made-up",
            "problems": [f"{prefix}{i + 1:03d}" for i in range(count)],
        }
        (root / "contents.json").write_text(json.dumps(contents), encoding="utf-8")
    return root


class WordOverlapVerifier:
    """A deliberately simple verifier for tests: P(same) from the word overlap, a band around 0.5 left open."""

    def __init__(self) -> None:
        self.fitted_on: list[str] = []

    def fit(self, problems, y):  # type: ignore[no-untyped-def]
        assert len(problems) == len(y)
        self.fitted_on = [p.id for p in problems]
        return self

    def predict_proba(self, problems):  # type: ignore[no-untyped-def]
        p = []
        for problem in problems:
            known = Counter(" ".join(problem.known).lower().split())
            unknown = Counter(problem.unknown.lower().split())
            p.append(sum((known & unknown).values()) / max(1, sum(unknown.values())))
        p = np.clip(np.asarray(p), 0.0, 1.0)
        return np.column_stack([1 - p, p])

    def decisions_from_proba(self, probabilities):  # type: ignore[no-untyped-def]
        return ["cannot tell" if abs(q - 0.5) < 0.05 else ("same" if q > 0.5 else "different") for q in probabilities]


# ---- reader and writer -------------------------------------------------------------------------------------------


def test_reads_problems_truth_and_language(tmp_path: Path) -> None:
    corpus = pan.read_pan_folder(make_pan_folder(tmp_path / "train", "EE", 4))
    assert [p.id for p in corpus.problems] == ["EE001", "EE002", "EE003", "EE004"]
    assert corpus.language == "en" and corpus.problems[0].language == "en"
    assert corpus.labels() == [1, 0, 1, 0]
    first = corpus.problems[0]
    assert len(first.known) == 2 and first.known[0] == HAND_A * 2
    assert first.known[1] == HAND_A * 2 + "\n"  # BOM dropped, CRLF made LF


def test_language_from_folder_name_when_no_contents(tmp_path: Path) -> None:
    folder = make_pan_folder(tmp_path / "pan14" / "du_essays" / "test", "DE", 2, with_contents=False)
    assert pan.read_pan_folder(folder).language == "nl"
    plain = make_pan_folder(tmp_path / "x" / "problems", "P", 2, with_contents=False)
    assert pan.read_pan_folder(plain).language == "auto"


def test_known_files_in_numeric_order(tmp_path: Path) -> None:
    folder = make_pan_folder(tmp_path / "t", "A", 1)
    (folder / "A001" / "known10.txt").write_text("ten", encoding="utf-8")
    (folder / "A001" / "known3.txt").write_text("three", encoding="utf-8")
    assert pan.read_pan_folder(folder).problems[0].known[2:] == ("three", "ten")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "A002" / "unknown.txt").unlink(), "The problem folder {f}/A002 has no unknown.txt"),
        (lambda f: [p.unlink() for p in (f / "A001").glob("known*")], "The problem folder {f}/A001 has no known01.txt"),
        (lambda f: (f / "truth.txt").write_text("A001 Y\nA002 maybe\n"), "Line 2 of {f}/truth.txt should read"),
        (lambda f: (f / "truth.txt").write_text("A001 Y\n"), "{f}/truth.txt gives no answer for problem A002"),
        (lambda f: (f / "truth.txt").write_text("A001 Y\nA002 N\nA009 Y\n"), "but {f} has no folder of that name"),
        (lambda f: (f / "truth.txt").unlink(), "The folder {f} has no truth.txt"),
        (
            lambda f: (f / "A001" / "known01.txt").write_bytes(b"\xff\xfe bad"),
            "The file {f}/A001/known01.txt is not UTF-8",
        ),
        (lambda f: (f / "contents.json").write_text("{oops"), "The file {f}/contents.json is not valid JSON"),
    ],
)
def test_damaged_folders_are_named(tmp_path: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = make_pan_folder(tmp_path / "t", "A", 2)
    damage(folder)
    with pytest.raises(AuthorshipError) as info:
        pan.read_pan_folder(folder)
    assert message.format(f=folder) in str(info.value)


def test_not_pan_layout(tmp_path: Path) -> None:
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "letter.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(AuthorshipError, match="is not in PAN layout"):
        pan.read_pan_folder(tmp_path / "flat")
    with pytest.raises(AuthorshipError, match="does not exist"):
        pan.read_pan_folder(tmp_path / "nowhere")


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    problems = [pan.PanProblem("R1", ("один", "два"), "три", "ru"), pan.PanProblem("R2", ("четыре",), "пять", "ru")]
    folder = pan.write_pan_folder(tmp_path / "out", problems, {"R1": 1, "R2": 0}, language="ru", genre="letters")
    corpus = pan.read_pan_folder(folder)
    assert corpus.problems == problems and corpus.labels() == [1, 0] and corpus.language == "ru"
    assert json.loads((folder / "contents.json").read_text(encoding="utf-8"))["language"] == "russian"
    with pytest.raises(AuthorshipError, match="already exists"):
        pan.write_pan_folder(folder, problems, {"R1": 1, "R2": 0}, language="ru")


def test_answers_files(tmp_path: Path) -> None:
    txt = pan.write_answers(tmp_path / "answers.txt", ["A1", "A2"], [0.25, 0.5])
    assert txt.read_text(encoding="utf-8") == "A1 0.250000\nA2 0.500000\n"
    jsonl = pan.write_answers(tmp_path / "answers.jsonl", ["A1", "A2"], [0.25, 0.5])
    assert pan.read_answers_jsonl(jsonl) == {"A1": 0.25, "A2": 0.5}


# ---- Russian problems ----------------------------------------------------------------------------------------------


def make_rsd(root: Path) -> Path:
    """A made-up RSD-like folder: two genres, five authors, most with two works (one split into parts)."""
    works = {
        "prose": {"ivanov": ["les", "more_b1", "more_b2"], "petrov": ["dom", "sad"], "sidorov": ["put"],
                  "orlov": ["gora", "reka"]},
        "sermons": {"makar": ["slovo1", "slovo2", "vera"], "luka": ["mir", "dar"]},
    }  # fmt: skip
    for subset, authors in works.items():
        corpus = root / subset / "corpus"
        corpus.mkdir(parents=True)
        for author, names in authors.items():
            for name in names:
                paragraphs = [f"{author} {name} абзац {i} " + "слово " * 30 for i in range(40)]
                (corpus / f"{author}_{name}.txt").write_text("\n".join(paragraphs), encoding="utf-8")
    return root


def test_cut_passages_keeps_paragraphs_and_splits_long_ones() -> None:
    text = "a b c\n\nd e\nf g h i j k l m n o p q\n"
    assert pan.cut_passages(text, 4) == ["a b c\nd e", "f g h i", "j k l m", "n o p q"]


def test_rsd_works_merge_parts() -> None:
    assert pan.RSD_PART.sub("", "mertvye_b2") == "mertvye" and pan.RSD_PART.sub("", "istoriya1") == "istoriya"


def test_russian_problems_are_reproducible_and_honest(tmp_path: Path) -> None:
    rsd = make_rsd(tmp_path / "rsd")
    options = {"seed": 7, "chunk_words": 60, "known_passages": 2, "train_problems": 8, "test_problems": 6}
    manifest = pan.build_russian_problems(rsd, tmp_path / "one", **options)
    pan.build_russian_problems(rsd, tmp_path / "two", **options)
    for split in ("train", "test"):
        one = pan.read_pan_folder(tmp_path / "one" / split)
        two = pan.read_pan_folder(tmp_path / "two" / split)
        assert one.problems == two.problems and one.truth == two.truth
        assert one.language == "ru" and sum(one.labels()) == len(one.problems) // 2
    assert not set(manifest["train_authors"]) & set(manifest["test_authors"])
    for split in ("train", "test"):
        authors = set(manifest[f"{split}_authors"])
        for record in manifest[split]:
            known, unknown = record["known"], record["unknown"]
            assert {known["author"], unknown["author"]} <= authors
            if record["same"]:
                assert known["author"] == unknown["author"] and known["work"] != unknown["work"]
            else:
                assert known["author"] != unknown["author"]
    other = pan.build_russian_problems(rsd, tmp_path / "three", **{**options, "seed": 8})
    assert other["train"] != manifest["train"]


def test_russian_builder_refuses_a_used_folder_and_missing_data(tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x", encoding="utf-8")
    with pytest.raises(AuthorshipError, match="is not empty"):
        pan.build_russian_problems(make_rsd(tmp_path / "rsd"), tmp_path / "used")
    with pytest.raises(AuthorshipError, match="No RSD texts found in"):
        pan.build_russian_problems(tmp_path / "empty", tmp_path / "out")


# ---- fitting and answering -----------------------------------------------------------------------------------------


@pytest.fixture
def splits(tmp_path: Path) -> tuple[Path, Path]:
    return make_pan_folder(tmp_path / "train", "TR", 6), make_pan_folder(tmp_path / "test", "TE", 4)


def test_run_fits_on_train_only_and_writes_answers(splits: tuple[Path, Path], tmp_path: Path) -> None:
    train, test = splits
    made: list[WordOverlapVerifier] = []

    def make() -> WordOverlapVerifier:
        made.append(WordOverlapVerifier())
        return made[-1]

    run = ev.run_pan_evaluation(test, train, make_verifier=make, answers_path=tmp_path / "out" / "answers.txt")
    assert made[0].fitted_on == ["TR001", "TR002", "TR003", "TR004", "TR005", "TR006"]
    assert run.ids == ["TE001", "TE002", "TE003", "TE004"]
    assert run.scores.auc == 1.0 and run.scores.problems == 4
    assert (tmp_path / "out" / "answers.txt").read_text(encoding="utf-8").splitlines()[
        0
    ] == "TE001 0.983607"  # 60 of the 61 questioned words occur in the known texts


def test_cannot_tell_becomes_a_pan_non_answer() -> None:
    class Unsure(WordOverlapVerifier):
        def predict_proba(self, problems):  # type: ignore[no-untyped-def]
            return np.array([[0.48, 0.52]] * len(problems))

    answers = ev.answer_problems(Unsure(), [object(), object()])
    assert answers.tolist() == [0.5, 0.5]


def test_refuses_to_fit_on_the_test_folder(splits: tuple[Path, Path]) -> None:
    train, _ = splits
    with pytest.raises(AuthorshipError, match="never fitted on the problems it is tested on"):
        ev.run_pan_evaluation(train, train, make_verifier=WordOverlapVerifier)


def test_notes_test_texts_that_are_in_train(tmp_path: Path) -> None:
    train = make_pan_folder(tmp_path / "train", "TR", 2)
    test = make_pan_folder(tmp_path / "test", "TE", 2)
    (test / "TE002" / "unknown.txt").write_text((train / "TR001" / "unknown.txt").read_text(encoding="utf-8"))
    run = ev.run_pan_evaluation(test, train, make_verifier=WordOverlapVerifier)
    assert run.notes == (
        f"1 questioned text(s) of {test} also appear in {train} (as published); the scores may be slightly optimistic.",
    )


def test_eval_authorship_command(runner, splits: tuple[Path, Path], tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ev, "default_verifier", WordOverlapVerifier)
    train, test = splits
    answers = tmp_path / "answers.jsonl"
    result = invoke(runner, "eval", "authorship", test, "--train", train, "--json", "--answers", answers)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    expected = {"auc", "c_at_1", "f1", "f_05_u", "brier", "overall", "auc_c_at_1", "problems", "seconds"}
    assert expected <= set(data) and data["problems"] == 4 and data["auc"] == 1.0
    assert len(pan.read_answers_jsonl(answers)) == 4
    text = invoke(runner, "eval", "authorship", test, "--train", train)
    assert text.exit_code == 0, text.output
    assert f"Authorship verification on {test} (fitted on 6 problems of {train})" in text.output
    assert "  AUC·c@1           " in text.output


def test_eval_authorship_command_errors(runner, splits: tuple[Path, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    train, test = splits
    result = invoke(runner, "eval", "authorship", tmp_path / "missing", "--train", train)
    assert result.exit_code == 1
    assert f"The folder {tmp_path / 'missing'} does not exist." in result.output
    assert "Traceback" not in result.output
    (test / "TE003" / "unknown.txt").unlink()
    result = invoke(runner, "eval", "authorship", test, "--train", train)
    assert result.exit_code == 1
    assert f"The problem folder {test / 'TE003'} has no unknown.txt" in result.output


def test_a_crashing_verifier_becomes_a_sentence(runner, splits: tuple[Path, Path], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    class Broken(WordOverlapVerifier):
        def fit(self, problems, y):  # type: ignore[no-untyped-def]
            raise ValueError("no features")

    monkeypatch.setattr(ev, "default_verifier", Broken)
    train, test = splits
    result = invoke(runner, "eval", "authorship", test, "--train", train)
    assert result.exit_code == 1
    assert (
        f"The verifier failed while being fitted on the problems in {train}: ValueError: no features" in result.output
    )
    assert "Traceback" not in result.output
