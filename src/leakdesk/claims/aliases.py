"""Name matching across scripts: one key for "Итуруп", "Iturup"; "Сергей Иванов", "Sergey Ivanov", "Sergei Ivanov".

`name_key` transliterates to ASCII (ICU via `normality`) and then folds the spelling variants that different
romanisation systems produce (sh/š→s, kh/h, y/j/i, ya/ia/a, …), so names written by different people still meet.
"""

from __future__ import annotations

import re
import unicodedata

from normality import ascii_text

# Applied in order on lower-case ASCII; the longest digraphs first.
_FOLDS = [
    ("shch", "s"), ("sch", "s"), ("tch", "c"), ("sh", "s"), ("zh", "z"), ("ch", "c"), ("kh", "h"), ("ts", "c"),
    ("tz", "c"), ("yu", "u"), ("iu", "u"), ("ju", "u"), ("ya", "a"), ("ia", "a"), ("ja", "a"), ("yo", "o"),
    ("io", "o"), ("jo", "o"), ("ye", "e"), ("je", "e"),
    ("y", "i"), ("j", "i"), ("w", "v"), ("x", "ks"), ("q", "k"), ("ck", "k"), ("ph", "f"),
]
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_REPEAT = re.compile(r"(.)\1+")


def fold_latin(ascii_lower: str) -> str:
    out = ascii_lower
    for a, b in _FOLDS:
        out = out.replace(a, b)
    return out


def name_key(name: str) -> str:
    """A script-independent matching key for a name ("Южно-Курильск" and "Yuzhno-Kurilsk" give the same key)."""
    text = unicodedata.normalize("NFKC", name).replace("ё", "е").replace("Ё", "Е")
    latin = (ascii_text(text) or "").lower().replace("'", "")
    latin = _NON_WORD.sub(" ", latin.replace("-", " "))
    latin = fold_latin(latin)
    latin = _REPEAT.sub(r"\1", latin)
    return " ".join(latin.split())[:300]


def is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def latin_spelling(name: str) -> str:
    """A readable Latin spelling of a Cyrillic name (ICU transliteration without diacritics)."""
    return ascii_text(name) or name
