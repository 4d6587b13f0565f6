"""Style features of one text: tokens, content-masked tokens, character n-grams (plain and typed), typography habits,
sentence and paragraph lengths. A `TextProfile` is computed once per text and shared by every method.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from leakdesk.authorship.function_words import LANGUAGE_CUES, builtin

TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]", re.UNICODE)
WORD = re.compile(r"\w", re.UNICODE)
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
CHAR_N = 4

# Typography habits: (key, plain-word description, regex). Counts are per text; explanations compare letters.
HABITS: list[tuple[str, str, re.Pattern[str]]] = [
    ("quotes_guillemets", "«» quotes", re.compile(r"[«»]")),
    ("quotes_german", "„“ quotes", re.compile(r"„")),
    ("quotes_straight", 'straight "" quotes', re.compile(r'"')),
    ("quotes_curly", "“” quotes", re.compile(r"(?<!„\S)[“”](?!\S*“)")),
    ("dash_em", "long dashes (—)", re.compile(r"—")),
    ("dash_en", "short dashes (–)", re.compile(r"–")),
    ("dash_hyphen", "hyphens used as dashes ( - )", re.compile(r"\s-\s")),
    ("ellipsis_char", "the ellipsis character (…)", re.compile(r"…")),
    ("ellipsis_dots", "three dots (...)", re.compile(r"\.\.\.")),
    ("yo", "the letter ё", re.compile(r"[ёЁ]")),
    ("space_before_punct", "a space before punctuation", re.compile(r"\w [,.;:!?](?!\.)")),
    ("vy_capital", "a capitalised polite «Вы»", re.compile(r"(?<=[\w,;:] )(?:Вы|Вас|Вам|Вами|Ваш\w*)\b")),
    ("exclamation", "exclamation marks", re.compile(r"!")),
    ("semicolon", "semicolons", re.compile(r";")),
]
HABIT_TEXT = {key: words for key, words, _ in HABITS}


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text)


def is_word(token: str) -> bool:
    return bool(WORD.match(token))


SCRIPTS = {
    "cyrillic": re.compile(r"[\u0400-\u04FF]"),
    "greek": re.compile(r"[\u0370-\u03FF\u1F00-\u1FFF]"),
    "latin": re.compile(r"[A-Za-z\u00C0-\u024F]"),
}
LETTER = re.compile(r"[^\W\d_]")


@functools.lru_cache(maxsize=4096)
def script_of(text: str) -> dict[str, float]:
    """Share of letters per script (cyrillic, greek, latin, other)."""
    total = len(LETTER.findall(text))
    if not total:
        return {}
    counts = {name: len(rx.findall(text)) for name, rx in SCRIPTS.items()}
    counts["other"] = max(0, total - sum(counts.values()))
    return {k: v / total for k, v in counts.items() if v}


@functools.lru_cache(maxsize=4096)
def detect_language(text: str) -> str:
    """A cheap, deterministic guess: script first, then frequent-word cues for Latin script. '' when no letters."""
    scripts = script_of(text)
    if not scripts:
        return ""
    main = max(scripts, key=lambda k: scripts[k])
    if main == "cyrillic":
        return "ru"
    if main == "greek":
        return "el"
    if main != "latin":
        return "und"
    words = [w.lower() for w in tokenize(text[:20000]) if is_word(w)]
    hits = {lang: sum(w in cues for w in words) for lang, cues in LANGUAGE_CUES.items()}
    best = max(hits, key=lambda k: hits[k])
    return best if hits[best] > 0 else "und"


# ----------------------------------------------------------------------------------------------- masking


@functools.lru_cache(maxsize=1)
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


RU_POS = {
    "NOUN": "N", "ADJF": "J", "ADJS": "J", "COMP": "J", "VERB": "V", "INFN": "V", "PRTF": "P", "PRTS": "P",
    "GRND": "G", "NUMR": "D", "ADVB": "B", "NPRO": "N", "PRED": "B", "PREP": "R", "CONJ": "C", "PRCL": "Q", "INTJ": "I",
}  # fmt: skip


@functools.lru_cache(maxsize=200_000)
def ru_tag(word: str) -> str:
    """Part of speech plus case for nouns/adjectives (pymorphy3), e.g. 'N.gent'; 'X' when unknown."""
    parse = _morph().parse(word)[0]
    pos = RU_POS.get(str(parse.tag.POS), "X")
    case = parse.tag.case
    return f"{pos}.{case}" if case and pos in "NJP" else pos


EN_SUFFIXES = [
    ("ly", "B"), ("ing", "V"), ("ed", "V"), ("tion", "N"), ("sion", "N"), ("ness", "N"), ("ment", "N"), ("ity", "N"),
    ("ous", "J"), ("ful", "J"), ("ive", "J"), ("able", "J"), ("ible", "J"), ("al", "J"), ("ic", "J"), ("less", "J"),
    ("est", "J"), ("er", "N"), ("s", "N"),
]  # fmt: skip


@functools.lru_cache(maxsize=200_000)
def en_tag(word: str) -> str:
    """A cheap suffix heuristic for English content words (no model needed, thousands of words per ms)."""
    if word[:1].isupper():
        return "N"
    for suffix, tag in EN_SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return tag
    return "N"


def mask_token(token: str, language: str, function_words: frozenset[str]) -> str:
    """Function words and punctuation stay; digits become '0'; content words become a part-of-speech letter."""
    low = token.lower()
    if not is_word(token):
        return token
    if low in function_words:
        return low
    if any(ch.isdigit() for ch in token):
        return "0"
    if language == "ru":
        return ru_tag(low)
    if language == "en":
        return en_tag(token)
    return "W"


# ----------------------------------------------------------------------------------------------- profile


@dataclass
class TextProfile:
    """Everything the methods need about one text, computed once."""

    text: str
    language: str
    tokens: list[str]
    words: list[str]  # lower-cased word tokens
    masked: list[str]
    char_grams: Counter[str]
    typed_grams: Counter[str]
    masked_grams: Counter[str]
    word_counts: Counter[str]
    habits: dict[str, int]
    sentence_lengths: list[int]
    paragraph_lengths: list[int]
    line_length: float
    distorted: str = ""  # content words' letters replaced by '*' (Stamatatos 2017, DV-MA): style without topic
    function_counts: Counter[str] = field(default_factory=Counter)  # function words and punctuation only
    key: str = field(default="")

    @property
    def n_words(self) -> int:
        return len(self.words)


def char_ngrams(text: str, n: int = CHAR_N) -> Counter[str]:
    t = re.sub(r"\s+", " ", text)
    return Counter(t[i : i + n] for i in range(max(0, len(t) - n + 1)))


def typed_ngrams(tokens: list[str]) -> Counter[str]:
    """Affix and punctuation-adjacent n-grams (Sapkota et al. 2015): style more than topic."""
    out: Counter[str] = Counter()
    prev = ""
    for tok in tokens:
        if is_word(tok):
            low = tok.lower()
            if len(low) > 3:
                out["p:" + low[:3]] += 1
                out["s:" + low[-3:]] += 1
            if prev and not is_word(prev):
                out["pw:" + prev + low[:2]] += 1
        else:
            if prev:
                out["wp:" + (prev.lower()[-2:] if is_word(prev) else prev) + tok] += 1
        prev = tok
    return out


def profile(text: str, language: str, function_words: frozenset[str] | None = None) -> TextProfile:
    """Compute the style profile of one text (language given, or '' to guess)."""
    language = language or detect_language(text)
    fw = function_words if function_words is not None else (builtin(language) or frozenset())
    tokens = tokenize(text)
    words = [t.lower() for t in tokens if is_word(t)]
    masked = [mask_token(t, language, fw) for t in tokens]
    masked_grams: Counter[str] = Counter()
    for n in (2, 3):
        for i in range(len(masked) - n + 1):
            masked_grams[" ".join(masked[i : i + n])] += 1
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    sentences = [s for s in SENTENCE_END.split(text) if s.strip()]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return TextProfile(
        text=text,
        language=language,
        tokens=tokens,
        words=words,
        masked=masked,
        char_grams=char_ngrams(text),
        typed_grams=typed_ngrams(tokens),
        masked_grams=masked_grams,
        word_counts=Counter(words),
        habits={key: len(rx.findall(text)) for key, _, rx in HABITS},
        sentence_lengths=[len([t for t in tokenize(s) if is_word(t)]) for s in sentences],
        paragraph_lengths=[len([t for t in tokenize(p) if is_word(t)]) for p in paragraphs],
        line_length=float(np.mean([len(ln) for ln in lines])) if lines else 0.0,
        distorted=distort(text, fw),
        function_counts=Counter(m for m in masked if not _is_tag(m)),
        key=text_hash(text),
    )


def _is_tag(masked: str) -> bool:
    return masked[:1].isupper() or masked == "0"


def distort(text: str, function_words: frozenset[str]) -> str:
    """Keep function words, punctuation and layout; every letter of any other word becomes '*'."""

    def repl(m: re.Match[str]) -> str:
        w = m.group(0)
        return w if w.lower() in function_words else re.sub(r"\w", "*", w)

    return re.sub(r"\w+", repl, text)


class ProfileCache:
    """Profiles by (text hash, language), so a text shared by many problems is analysed once per call."""

    def __init__(self, function_words: dict[str, frozenset[str]] | None = None) -> None:
        self.function_words = function_words or {}
        self._cache: dict[tuple[str, str], TextProfile] = {}

    def __len__(self) -> int:
        return len(self._cache)

    def get(self, text: str, language: str) -> TextProfile:
        key = (text_hash(text), language)
        found = self._cache.get(key)
        if found is None:
            found = profile(text, language, self.function_words.get(language))
            self._cache[key] = found
        return found


def learn_function_words(texts: list[str], size: int = 150) -> frozenset[str]:
    """For a language without a written list: its most frequent words by document frequency."""
    df: Counter[str] = Counter()
    for t in texts:
        df.update({w.lower() for w in tokenize(t) if is_word(w) and not any(c.isdigit() for c in w)})
    return frozenset(w for w, _ in df.most_common(size))
