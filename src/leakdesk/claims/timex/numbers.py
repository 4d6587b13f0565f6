"""Numbers written in words (English and Russian) → integers; vague quantities ("several", "несколько") → None."""

from __future__ import annotations

import functools
import re

EN_UNITS: dict[str, float] = {
    "zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a hundred": 100,
    "a dozen": 12, "dozen": 12, "half a": 0.5, "a half": 0.5, "a couple of": 2, "couple of": 2, "a couple": 2,
}  # fmt: skip
EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
EN_VAGUE = ("several", "a few", "few", "some", "many", "a couple of", "couple of", "a couple", "numerous")  # couple → 2

_EN_SIMPLE = sorted((k for k in EN_UNITS if " " not in k and k not in ("a", "an")), key=len, reverse=True)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_ONES = "one|two|three|four|five|six|seven|eight|nine"
EN_NUMBER = (
    rf"(?:\d+(?:\.\d+)?|(?:{_TENS})[- ](?:{_ONES})|{'|'.join(_EN_SIMPLE)}|a dozen|a hundred|an?|"
    + "|".join(v.replace(" ", r"\s+") for v in EN_VAGUE)
    + ")"
)
_ORD_SIMPLE = "|".join(sorted(EN_ORDINALS, key=len, reverse=True))
EN_ORDINAL = rf"(?:(?:twenty|thirty)[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|{_ORD_SIMPLE}|\d{{1,2}}(?:st|nd|rd|th))"  # noqa: E501


def en_number(word: str) -> float | None:
    """'two' → 2, 'twenty-four' → 24, '16' → 16, 'several' → None."""
    w = re.sub(r"\s+", " ", word.strip().lower())
    if re.fullmatch(r"\d+(\.\d+)?", w):
        return float(w) if "." in w else int(w)
    if w in EN_UNITS:
        return EN_UNITS[w]
    parts = re.split(r"[- ]", w)
    if len(parts) == 2 and parts[0] in EN_UNITS and parts[1] in EN_UNITS:
        return EN_UNITS[parts[0]] + EN_UNITS[parts[1]]
    return None


def en_ordinal(word: str) -> int | None:
    w = word.strip().lower()
    if m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", w):
        return int(m[1])
    if w in EN_ORDINALS:
        return EN_ORDINALS[w]
    parts = re.split(r"[- ]", w)
    if len(parts) == 2 and parts[0] in EN_UNITS and parts[1] in EN_ORDINALS:
        return int(EN_UNITS[parts[0]]) + EN_ORDINALS[parts[1]]
    return None


# ---- Russian: all inflected forms come from pymorphy3's lexemes, so "третьего", "третьем", "третью" all match.

RU_CARDINAL_LEMMAS = {
    "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
    "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15,
    "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20, "тридцать": 30,
    "сорок": 40, "пятьдесят": 50, "сто": 100, "пара": 2, "оба": 2,
}  # fmt: skip
RU_ORDINAL_LEMMAS = {
    "первый": 1, "второй": 2, "третий": 3, "четвёртый": 4, "пятый": 5, "шестой": 6, "седьмой": 7, "восьмой": 8,
    "девятый": 9, "десятый": 10, "одиннадцатый": 11, "двенадцатый": 12, "тринадцатый": 13, "четырнадцатый": 14,
    "пятнадцатый": 15, "шестнадцатый": 16, "семнадцатый": 17, "восемнадцатый": 18, "девятнадцатый": 19,
    "двадцатый": 20, "тридцатый": 30,
}  # fmt: skip


@functools.cache
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.cache
def ru_forms(lemmas: tuple[str, ...]) -> dict[str, str]:
    """Every inflected form of each lemma (ё and е both) → the lemma."""
    morph = _morph()
    forms: dict[str, str] = {}
    for lemma in lemmas:
        parses = [p for p in morph.parse(lemma) if p.normal_form.replace("ё", "е") == lemma.replace("ё", "е")]
        for p in parses[:2]:
            for f in p.lexeme:
                forms[f.word] = lemma
                forms[f.word.replace("ё", "е")] = lemma
        forms[lemma] = lemma
    return forms


def ru_alternation(lemmas: tuple[str, ...]) -> str:
    """A regex alternation of all forms, longest first (so "третьего" wins over "третье")."""
    return "|".join(sorted(ru_forms(lemmas), key=len, reverse=True))


def ru_cardinal_regex() -> str:
    return ru_alternation(tuple(RU_CARDINAL_LEMMAS))


def ru_ordinal_regex() -> str:
    return ru_alternation(tuple(RU_ORDINAL_LEMMAS))


def ru_number(words: str) -> int | None:
    """'двух' → 2, 'двадцать три' → 23, '5' → 5; vague words → None."""
    w = words.strip().lower().replace("ё", "е")
    if w.isdigit():
        return int(w)
    cards = ru_forms(tuple(RU_CARDINAL_LEMMAS))
    total = 0
    for part in w.split():
        lemma = cards.get(part)
        if lemma is None:
            return None
        total += RU_CARDINAL_LEMMAS[lemma]
    return total or None


def ru_ordinal(words: str) -> int | None:
    """'третьего' → 3, 'двадцать пятого' → 25, '3-го' → 3."""
    w = words.strip().lower().replace("ё", "е")
    if m := re.fullmatch(r"(\d{1,2})(?:-?(?:го|е|ое|ого|м|й|ый|ом|ем|ей|ья|я))?", w):
        return int(m[1])
    ords = ru_forms(tuple(RU_ORDINAL_LEMMAS))
    cards = ru_forms(tuple(RU_CARDINAL_LEMMAS))
    parts = w.split()
    total = 0
    for part in parts[:-1]:
        lemma = cards.get(part)
        if lemma is None:
            return None
        total += RU_CARDINAL_LEMMAS[lemma]
    lemma = ords.get(parts[-1]) if parts else None
    if lemma is None:
        return None
    return total + RU_ORDINAL_LEMMAS[lemma]
