"""Anchors that survive translation: numbers, dates (month names), names (transliterated), strong punctuation.

The aligner rewards beads whose two sides share anchors and penalises anchors left without a partner.
"""

from __future__ import annotations

import re
from collections import Counter

NUMBER = re.compile(r"\d+")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
RU_MONTHS = [
    r"январ",
    r"феврал",
    r"март",
    r"апрел",
    r"ма[йяюе]",
    r"июн",
    r"июл",
    r"август",
    r"сентябр",
    r"октябр",
    r"ноябр",
    r"декабр",
]
EN_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
RU_MONTH = re.compile(r"\b(" + "|".join(f"(?:{m})" for m in RU_MONTHS) + r")[а-я]*\b", re.IGNORECASE)
EN_MONTH = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b\.?",
    re.IGNORECASE,
)
# Numbers written as words (2-12; "one"/"один" are too often not numbers), in their common case forms.
NUMBER_WORDS = {
    **{
        w: n
        for n, forms in {
            2: "два две двух двум двумя",
            3: "три трёх трех трём трем тремя",
            4: "четыре четырёх четырех четырём четырьмя",
            5: "пять пяти пятью",
            6: "шесть шести шестью",
            7: "семь семи",
            8: "восемь восьми восемью",
            9: "девять девяти девятью",
            10: "десять десяти десятью",
            11: "одиннадцать одиннадцати",
            12: "двенадцать двенадцати",
        }.items()
        for w in forms.split()
    },
    **{w: n for n, w in enumerate("two three four five six seven eight nine ten eleven twelve".split(), start=2)},
    **{
        w: n
        for n, forms in {
            2: "двое двоих двоим",
            3: "трое троих троим",
            4: "четверо четверых",
            5: "пятеро пятерых",
            6: "шестеро шестерых",
            7: "семеро семерых",
        }.items()
        for w in forms.split()
    },
    "twice": 2,
    "dozen": 12,
}
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "h",
            "ts",
            "ch",
            "sh",
            "sch",
            "",
            "i",
            "",
            "e",
            "iu",
            "ia",
        ],
        strict=True,
    )
)
# Capitalised words that are not names in letters (sentence-initial words are skipped anyway).
STOP_NAMES = {
    "вы",
    "вам",
    "вас",
    "ваш",
    "ваше",
    "вашего",
    "вашей",
    "i",
    "dear",
    "уважаемый",
    "уважаемая",
    "general",
    "colonel",
    "major",
    "director",
    "minister",
    "ministry",
    "president",
    "department",
    "service",
    "mr",
    "mrs",
    "ms",
    "sir",
    "madam",
    "the",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "russian",
    "english",
}


def transliterate(word: str) -> str:
    return "".join(TRANSLIT.get(ch, ch) for ch in word.lower())


def name_key(word: str) -> str:
    """A crude phonetic key so that 'Иванову' and 'Ivanov' meet: transliterate, fold spelling variants, 4 letters."""
    w = transliterate(word)
    for a, b in (
        ("shch", "sh"),
        ("sch", "sh"),
        ("kh", "h"),
        ("x", "ks"),
        ("ph", "f"),
        ("w", "v"),
        ("y", "i"),
        ("j", "i"),
        ("ts", "z"),
        ("tz", "z"),
        ("ck", "k"),
        ("c", "k"),
        ("q", "k"),
    ):
        w = w.replace(a, b)
    return w[:4]


def numbers(text: str) -> Counter[str]:
    found: Counter[str] = Counter(n.lstrip("0") or "0" for n in NUMBER.findall(text))
    for word in WORD.findall(text):
        if word.lower() in NUMBER_WORDS:
            found[str(NUMBER_WORDS[word.lower()])] += 1
    for m in RU_MONTH.finditer(text):
        stem = m.group(1).lower()
        for index, pattern in enumerate(RU_MONTHS):
            if re.fullmatch(pattern, stem):
                found[f"month{index + 1}"] += 1
                break
    for m in EN_MONTH.finditer(text):
        word = m.group(1).lower()
        if word == "may" and not m.group(0)[0].isupper():
            continue  # the verb
        found[f"month{EN_MONTHS.index(word[:3]) + 1}"] += 1
    return found


def names(text: str) -> Counter[str]:
    """Keys of capitalised words that do not start a sentence."""
    found: Counter[str] = Counter()
    words = list(re.finditer(r"[^\W\d_][^\W\d_'-]*", text))
    for i, m in enumerate(words):
        word = m.group(0)
        if not word[0].isupper() or len(word) < 3 or word.lower() in STOP_NAMES or EN_MONTH.fullmatch(word):
            continue
        before = text[: m.start()].rstrip()
        if i == 0 or not before or before[-1] in '.!?…«"“(':
            continue
        found[name_key(word)] += 1
    return found


def punctuation(text: str) -> Counter[str]:
    return Counter(ch for ch in text if ch in "?!")


def anchors(text: str) -> Counter[str]:
    """All anchors of a sentence, prefixed by kind so different kinds never match each other."""
    out: Counter[str] = Counter()
    for kind, counter in (("n", numbers(text)), ("p", names(text)), ("q", punctuation(text))):
        for key, count in counter.items():
            out[f"{kind}:{key}"] += count
    return out
