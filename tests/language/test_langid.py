"""Language identification shared by intake, the translation desk and claims."""

from __future__ import annotations

from leakdesk.language.langid import detect_languages, guess_language

RU = "Вчера вечером в конторе снова говорили о переводе вертолётов на острова."
EN = "Last night the Office again discussed moving the helicopters to the islands."
UK = "Учора ввечері в конторі знову говорили про переведення гелікоптерів на острови, і це всіх хвилювало."


def test_script_decides_between_languages_of_different_scripts() -> None:
    assert detect_languages([RU, EN, "", "12345 — 67"], ["ru", "en"]) == ["ru", "en", None, None]


def test_lingua_decides_between_languages_sharing_a_script() -> None:
    assert detect_languages([UK, RU], ["ru", "uk", "en"]) == ["uk", "ru"]


def test_language_outside_the_case_is_not_reported() -> None:
    assert detect_languages([RU], ["en", "de"]) == [None]


def test_guess_language_for_short_text() -> None:
    assert guess_language("Спасибо!") == "ru"
    assert guess_language("OK") is None
