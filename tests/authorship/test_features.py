from leakdesk.authorship.features import detect_language, mask_token, profile
from leakdesk.authorship.function_words import RU
from tests.authorship.hands import ENGLISH, HAND_A, HAND_B, letters


def test_typography_habits_are_counted() -> None:
    a = profile(" ".join(HAND_A), "ru")
    b = profile(" ".join(HAND_B), "ru")
    assert a.habits["quotes_guillemets"] > 0 and b.habits["quotes_guillemets"] == 0
    assert b.habits["quotes_straight"] > 0 and a.habits["quotes_straight"] == 0
    assert a.habits["dash_em"] > 0 and b.habits["dash_em"] == 0
    assert b.habits["dash_hyphen"] > 0 and a.habits["dash_hyphen"] == 0
    assert a.habits["ellipsis_char"] > 0 and b.habits["ellipsis_dots"] > 0 and a.habits["ellipsis_dots"] == 0
    assert a.habits["yo"] > 0 and b.habits["yo"] == 0
    assert b.habits["space_before_punct"] > 0 and a.habits["space_before_punct"] == 0
    assert a.habits["vy_capital"] > 0 and b.habits["vy_capital"] == 0


def test_masking_keeps_function_words_and_punctuation_and_hides_topic() -> None:
    p = profile("Я не знаю, кто подписал приказ о сейфах.", "ru")
    assert p.masked[:3] == ["я", "не", "V"]
    assert "," in p.masked and "." in p.masked
    assert "сейфах" not in p.masked and "приказ" not in p.masked
    assert mask_token("document", "en", frozenset()) == "N"
    assert mask_token("2021", "ru", RU) == "0"


def test_sentence_and_paragraph_profile() -> None:
    p = profile(letters(HAND_B, 1, 0)[0], "ru")
    assert len(p.paragraph_lengths) == 2
    assert max(p.sentence_lengths) < 15


def test_language_detection_is_cheap_and_sensible() -> None:
    assert detect_language(" ".join(HAND_A)) == "ru"
    assert detect_language(" ".join(ENGLISH)) == "en"
    assert detect_language("De man is niet thuis en het regent voor de deur.") == "nl"
    assert detect_language("12345 !!!") == ""
