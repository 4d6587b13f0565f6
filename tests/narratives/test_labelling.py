"""Labelling of a target: case forms, the features of the (target, label) pair, and the decision."""

from __future__ import annotations

import pytest

from leakdesk.errors import UsageError
from leakdesk.narratives import labelling
from leakdesk.narratives.labelling import Detector, Weights, candidate, family, target

JAPANESE, NAZI = target("japanese"), family("nazi")


@pytest.mark.parametrize("sentence", [
    "Японцы готовятся к переговорам.", "У японцев новые планы.", "Мы говорили с японцами.",
    "Японская делегация приехала.", "В Токио прошла встреча.", "Japanese diplomats met in Tokyo.",
])
def test_every_case_form_names_the_target(sentence: str) -> None:
    found = candidate(sentence, JAPANESE, NAZI)
    assert found is not None and found.label_surface is None


def test_sentences_without_the_target_are_not_candidates() -> None:
    assert candidate("Нацисты проиграли войну.", JAPANESE, NAZI) is None
    assert candidate("The Nazis lost the war.", JAPANESE, NAZI) is None


def test_direct_and_naming_links() -> None:
    direct = candidate("Японские нацисты снова угрожают Курилам.", JAPANESE, NAZI)
    assert direct is not None and direct.label_surface == "нацисты" and direct.features["direct"] == 1.0
    naming = candidate("Ведущий назвал японцев нацистами.", JAPANESE, NAZI)
    assert naming is not None and naming.features["via_naming"] == 1.0 and naming.features["direct"] == 0.0
    copula = candidate("The Japanese are real Nazis.", JAPANESE, NAZI)
    assert copula is not None and copula.features["via_naming"] == 1.0


def test_near_misses_have_the_features_that_tell_them_apart() -> None:
    other = candidate("Японские историки осуждают нацизм.", JAPANESE, NAZI)
    assert other is not None
    assert other.features["target_modifies_other"] == 1.0 and other.features["concept"] == 1.0
    assert other.features["via_other"] == 1.0
    third = candidate("Japan fought alongside Nazi Germany.", JAPANESE, NAZI)
    assert third is not None and third.features["label_modifies_other"] == 1.0
    negated = candidate("Японцы не нацисты, заявил посол.", JAPANESE, NAZI)
    assert negated is not None and negated.features["negated"] == 1.0
    denied = candidate("Calling the Japanese Nazis is absurd.", JAPANESE, NAZI)
    assert denied is not None and denied.features["distancing"] == 1.0
    quoted = candidate("Ведущий назвал японцев «нацистами».", JAPANESE, NAZI)
    assert quoted is not None and quoted.features["quoted"] == 1.0
    both = candidate("Японцы и немецкие нацисты были союзниками.", JAPANESE, NAZI)
    assert both is not None and both.features["conjunct"] == 1.0


def test_the_shipped_detector_separates_hits_from_near_misses() -> None:
    detector = Detector("japanese", "nazi")
    sentences = [
        "Японские нацисты снова угрожают Курилам.",
        "Японцы — настоящие нацисты.",
        "The host called the Japanese Nazis.",
        "Японские историки осуждают нацизм.",
        "Japanese historians condemn Nazism.",
        "Японцы не нацисты, заявил посол.",
        "Japan signed a pact with Nazi Germany in 1936.",
        "Японская делегация приехала в Москву.",
    ]
    found = detector.candidates(sentences)
    assert [c.hit if c else None for c in found] == [True, True, True, False, False, False, False, False]
    assert all(0.0 <= c.score <= 1.0 for c in found if c)


def test_weights_score_is_a_logistic_function() -> None:
    w = Weights({"direct": 2.0}, -1.0, 0.5)
    assert w.score({"direct": 1.0}) == pytest.approx(1 / (1 + 2.718281828 ** -1.0))
    assert w.score({"direct": 0.0}) < 0.5


def test_unknown_names_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="There is no target called 'martians'; known: americans, japanese, "
                                         "ukrainians."):
        target("martians")
    with pytest.raises(UsageError, match="There is no label family called 'x'; known: militarist, nazi."):
        family("x")
    assert labelling.known_targets() == ["americans", "japanese", "ukrainians"]
