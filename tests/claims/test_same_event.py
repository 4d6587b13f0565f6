"""Claim matching across letters: one event told twice, by meaning, in any language; other events sharing a name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from leakdesk.claims import timeline
from leakdesk.claims.timeline import SAME_EVENT_MIN, clauses, meaning_matrix, same_event


def claim(text: str, language: str = "ru", actors: tuple[str, ...] = (), places: tuple[str, ...] = (),
          text_en: str | None = None) -> dict[str, Any]:
    return {"text": text, "language": language, "actors": list(actors), "places": list(places), "text_en": text_en}


def match(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any] | None:
    return same_event(a, b, float(meaning_matrix([a, b])[0, 1]))


def test_clauses_keep_the_sentence_its_parts_and_neighbouring_pairs() -> None:
    found = clauses("Выяснилось, что учения на Итурупе, как считали, назначены на сентябрь.")
    assert found[0] == "Выяснилось, что учения на Итурупе, как считали, назначены на сентябрь."
    assert "что учения на Итурупе" in found and "назначены на сентябрь." in found
    assert "как считали" not in found and "Выяснилось" not in found  # under three words
    assert "что учения на Итурупе назначены на сентябрь." in found


def test_a_russian_claim_and_its_english_retelling_match_without_a_translation() -> None:
    ru = claim("Двадцатого июня на складе в Уссурийске случился пожар.", places=("Уссурийск",))
    en = claim("A fire broke out at the Ussuriysk depot on 20 June.", "en", places=("Ussuriysk",))
    found = match(ru, en)
    assert found is not None and found["by"] == "meaning" and found["shared"] == ["Уссурийск"]


def test_the_same_man_on_the_same_day_doing_something_else_is_another_event() -> None:
    a = claim("On 2 February the deputy minister Sorokin met the Chinese delegation in Harbin.", "en",
              actors=("Sorokin",), places=("Harbin",))
    b = claim("On 2 February the deputy minister Sorokin resigned.", "en", actors=("Sorokin",))
    assert match(a, b) is None


def test_two_different_places_are_two_events_however_close_the_wording() -> None:
    a = claim("Учения на Кунашире начались 14 августа и шли две недели.", places=("Kunashir",))
    b = claim("Учения на Итурупе начались 14 августа.", places=("Iturup",))
    assert same_event(a, b, 0.99) is None
    assert same_event(a, {**b, "places": ["Кунашир"]}, 0.99) is not None  # one place, spelt in two alphabets


def test_an_event_retold_in_one_clause_of_a_long_sentence_is_close_in_meaning() -> None:
    told = claim("Плановые учения, назначенные на сентябрь 2021 года, проведены в сокращённом объёме.")
    retold = claim("Выяснилось, что учения на Итурупе, которые, как считали у нас в отделе, были назначены на "
                   "сентябрь прошлого года, на самом деле планировали на октябрь и отменили в последний момент, "
                   "когда наверху решили, что «восточный вариант» откладывается.", places=("Iturup",))
    from leakdesk.language.encoder import encode

    whole = encode([told["text"], retold["text"]])
    assert float(whole[0] @ whole[1]) < SAME_EVENT_MIN  # the whole sentences are too far apart
    found = match(told, retold)
    assert found is not None and found["shared"] == ["учение"]


def test_the_matrix_is_the_same_whatever_the_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ("Пожар на складе, ночью, в Уссурийске.", "Склад сгорел.", "A fire, at night, at the depot.",
             "Генерал приехал в штаб, но ненадолго.", "Nothing happened.")
    items = [claim(t) for t in texts]
    whole = meaning_matrix(items)
    monkeypatch.setattr(timeline, "CLAUSE_BLOCK", 2)
    assert np.allclose(meaning_matrix(items), whole) and np.allclose(whole, whole.T)
    assert np.allclose(np.diag(whole), 1.0, atol=1e-5)


def test_one_event_told_with_two_dates_stays_close_in_meaning() -> None:
    first = claim("В августе прошлого года Сергей Иванов из ФСБ готовил переброску вертолётов на Итуруп.")
    again = claim("In October 2021 Sergei Ivanov of the FSB was preparing to move helicopters to Etorofu.", "en")
    with_dates = float(meaning_matrix([first, again])[0, 1])
    first["time"], again["time"] = {"text": "В августе прошлого года"}, {"text": "In October 2021"}
    without = float(meaning_matrix([first, again])[0, 1])
    assert with_dates < SAME_EVENT_MIN <= without  # the two months pulled the tellings apart
