"""Name keys across scripts and the built-in gazetteer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.claims import gazetteer
from leakdesk.claims.aliases import name_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Итуруп", "Iturup"),
        ("Кунашир", "Kunashir"),
        ("Южно-Курильск", "Yuzhno-Kurilsk"),
        ("Сергей Иванов", "Sergey Ivanov"),
        ("Сергей Иванов", "Sergei Ivanov"),
        ("Юрий Щукин", "Yuri Shchukin"),
        ("Дмитрий", "Dmitriy"),
        ("Сахалин", "Sakhalin"),
    ],
)
def test_transliterations_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_different_names_differ() -> None:
    assert name_key("Итуруп") != name_key("Кунашир")
    assert name_key("Петров") != name_key("Иванов")


@settings(deadline=None)
@given(st.text(max_size=400))
def test_name_key_never_fails_and_is_bounded(text: str) -> None:
    key = name_key(text)
    assert isinstance(key, str) and len(key) <= 300
    assert key == key.strip()


def test_gazetteer_finds_russian_case_forms_and_japanese_names() -> None:
    text = "Вертолёты на Итурупе, потом с Итурупа в Южно-Курильск. The Japanese say Etorofu (択捉島)."
    hits = [(h.place.id, h.surface) for h in gazetteer.find_places(text)]
    assert hits == [
        ("iturup", "Итурупе"),
        ("iturup", "Итурупа"),
        ("yuzhno-kurilsk", "Южно-Курильск"),
        ("iturup", "Etorofu"),
        ("iturup", "択捉島"),
    ]


def test_gazetteer_prefers_the_longest_name() -> None:
    hits = gazetteer.find_places("на Курильских островах и в Курильске")
    assert [(h.place.id, h.surface) for h in hits] == [
        ("kuril-islands", "Курильских островах"),
        ("kurilsk", "Курильске"),
    ]


def test_lookup_by_any_name() -> None:
    assert gazetteer.lookup("Итурупе").id == "iturup"
    assert gazetteer.lookup("Etorofu").id == "iturup"
    assert gazetteer.lookup("Японии").id == "japan"
    assert gazetteer.lookup("Атлантида") is None
