"""Sentence segmentation that keeps paragraphs: razdel for Russian, razdel plus English abbreviation repair.

Alignment, drafts and export all work on `Sentence`s that remember their paragraph, so a translation can be
reassembled with the letter's paragraph breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from razdel import sentenize

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# English abbreviations after which razdel may split although the sentence goes on.
EN_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "no",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "gen",
    "col",
    "lt",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "approx",
    "dept",
    "inc",
}


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int  # 0-based paragraph index in the document


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs; single newlines inside a paragraph become spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = [re.sub(r"\s*\n\s*", " ", p).strip() for p in PARAGRAPH_BREAK.split(text)]
    return [p for p in parts if p]


def split_sentences(paragraph: str, language: str | None = None) -> list[str]:
    """Sentences of one paragraph, in order, whitespace-trimmed."""
    pieces = [s.text.strip() for s in sentenize(paragraph) if s.text.strip()]
    if language == "en" and len(pieces) > 1:
        pieces = _repair_english(pieces)
    return pieces


def _repair_english(pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        if out:
            last_word = out[-1].rsplit(" ", 1)[-1].rstrip(".").lower()
            if out[-1].endswith(".") and last_word in EN_ABBREVIATIONS:
                out[-1] = f"{out[-1]} {piece}"
                continue
        out.append(piece)
    return out


def segment(text: str, language: str | None = None) -> list[Sentence]:
    """All sentences of a document with their paragraph index."""
    return [
        Sentence(sentence, index)
        for index, para in enumerate(paragraphs(text))
        for sentence in split_sentences(para, language)
    ]


def join_paragraphs(items: list[tuple[int, str]]) -> str:
    """Reassemble (paragraph, text) pieces: space within a paragraph, a blank line between paragraphs."""
    out: list[str] = []
    current: int | None = None
    for para, piece in items:
        if not piece:
            continue
        if current is None or para != current:
            out.append(piece)
            current = para
        else:
            out[-1] = f"{out[-1]} {piece}"
    return "\n\n".join(out)
