"""Persuasion techniques: the task's file formats, the official micro-F1, the model's contract and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from leakdesk.errors import NarrativesError
from leakdesk.narratives.persuasion import PersuasionModel, evaluate, read_articles, read_labels, score
from tests.conftest import invoke


def write_task(folder: Path) -> tuple[Path, Path]:
    articles = folder / "articles"
    articles.mkdir(parents=True)
    (articles / "article1.txt").write_text("Заголовок статьи\r\n\r\nЭти предатели и нацисты лгут.\r\n\r\n"
                                           "Погода была хорошей.\r\n", "utf-8")
    (articles / "article2.txt").write_text("Title\n\nThese traitors are liars and Nazis.\n", "utf-8")
    (articles / "notes.txt").write_text("not an article", "utf-8")
    labels = folder / "labels.txt"
    labels.write_text("1\t1\t\n1\t3\tName_Calling-Labeling,Loaded_Language\n1\t5\t\n"
                      "2\t3\tName_Calling-Labeling\n", "utf-8")
    return articles, labels


def test_reading_the_format(tmp_path: Path) -> None:
    articles, labels = write_task(tmp_path)
    paragraphs = read_articles(articles)
    assert paragraphs == {("1", 1): "Заголовок статьи", ("1", 3): "Эти предатели и нацисты лгут.",
                          ("1", 5): "Погода была хорошей.", ("2", 1): "Title",
                          ("2", 3): "These traitors are liars and Nazis."}
    assert read_labels(labels)[("1", 3)] == {"Name_Calling-Labeling", "Loaded_Language"}
    assert read_labels(labels)[("1", 1)] == set()


def test_official_micro_f1_over_paragraph_technique_pairs() -> None:
    gold = {("1", 1): {"A", "B"}, ("1", 2): set(), ("1", 3): {"A"}}
    predicted = {("1", 1): {"A"}, ("1", 2): {"B"}, ("1", 3): {"A"}, ("9", 9): {"A"}}  # ("9", 9) is not scored
    s = score(gold, predicted)
    assert (s.micro_precision, s.micro_recall, s.micro_f1) == (0.6667, 0.6667, 0.6667)
    assert s.per_technique["A"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert s.per_technique["B"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_model_thresholds_come_from_out_of_fold_predictions() -> None:
    texts = [f"нацисты предатели статья {i}" if i % 2 else f"погода дождь новости {i}" for i in range(40)]
    labels = [{"Name_Calling-Labeling"} if i % 2 else set() for i in range(40)]
    groups = [str(i // 4) for i in range(40)]
    model = PersuasionModel(folds=2, min_support=3).fit(texts, labels, groups)
    assert model.techniques_ == ["Name_Calling-Labeling"]
    assert model.oof_.shape == (40, 1) and 0.05 <= model.thresholds_[0] < 0.95
    assert model.predict(["эти нацисты предатели", "погода и дождь"]) == [{"Name_Calling-Labeling"}, set()]


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(NarrativesError, match="is not a folder of articles"):
        read_articles(tmp_path / "missing")
    bad = tmp_path / "bad.txt"
    bad.write_text("1 3 Loaded_Language\n", "utf-8")
    with pytest.raises(NarrativesError, match="bad.txt, line 1: expected 'article id, paragraph number, techniques' "
                                              "separated by tabs."):
        read_labels(bad)
    articles, _ = write_task(tmp_path / "t")
    other = tmp_path / "other.txt"
    other.write_text("77\t1\tSlogans\n", "utf-8")
    with pytest.raises(NarrativesError, match="None of the paragraphs in other.txt were found in"):
        evaluate(articles, other)


def test_cli_with_the_shipped_model(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    articles, labels = write_task(tmp_path)
    result = invoke(runner, "eval", "persuasion", articles, labels, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["paragraphs"] == 4 and 0.0 <= data["micro_f1"] <= 1.0
    assert "Name_Calling-Labeling" in data["per_technique"]
    plain = invoke(runner, "eval", "persuasion", articles, labels)
    assert plain.output.startswith("4 paragraphs: micro-F1 ")
    missing = invoke(runner, "eval", "persuasion", tmp_path / "nope", labels)
    assert missing.exit_code == 1 and "is not a folder of articles (article<ID>.txt files)." in missing.output


def test_micro_thresholds_switch_off_a_technique_that_only_adds_false_positives() -> None:
    from leakdesk.narratives.persuasion import OFF, threshold_micro, threshold_per_technique

    rng = np.random.default_rng(3)
    truth = np.zeros((200, 2), dtype=np.int8)
    truth[:100, 0] = 1  # technique 0: frequent and well separated
    truth[:3, 1] = 1  # technique 1: rare, and its scores say nothing
    probs = np.column_stack([np.where(truth[:, 0] == 1, 0.8, 0.2), rng.random(200)])
    cuts = threshold_micro(probs, truth)
    assert 0.2 < cuts[0] <= 0.8 and cuts[1] == OFF
    assert threshold_per_technique(probs, truth)[1] < OFF  # its own F1 alone would still predict it
    shared = threshold_micro(probs, truth, shared=True)
    assert shared[0] == shared[1]


def test_an_encoder_model_with_micro_thresholds() -> None:
    texts = [f"эти нацисты и предатели, сказал он {i}" if i % 2 else f"завтра дождь и ветер {i}" for i in range(40)]
    labels = [{"Name_Calling-Labeling"} if i % 2 else set() for i in range(40)]
    groups = [str(i // 4) for i in range(40)]
    model = PersuasionModel(folds=2, min_support=3, features=("encoder",), thresholds="micro")
    model.fit(texts, labels, groups)
    assert set(model.fitted_) == {"encoder"} and model.oof_.shape == (40, 1)
    assert model.predict(["все они нацисты и предатели", "завтра будет дождь"]) == [{"Name_Calling-Labeling"},
                                                                                   set()]
    with pytest.raises(NarrativesError, match="A persuasion model needs features among"):
        PersuasionModel(features=("bert",)).fit(texts, labels, groups)
