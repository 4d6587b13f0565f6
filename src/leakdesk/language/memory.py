"""Translation memory: exact and fuzzy (rapidfuzz) matches among FINAL segments of the case."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from leakdesk.store.records import translations

if TYPE_CHECKING:
    from leakdesk.case import Case

DRAFT_THRESHOLD = 92.0  # fuzzy matches at least this close are used for drafts
SUGGEST_THRESHOLD = 70.0  # and at least this close are offered to translators


def normalise(sentence: str) -> str:
    return re.sub(r"\s+", " ", sentence).strip().casefold()


@dataclass(frozen=True)
class MemoryEntry:
    source: str
    target: str
    dispatch_id: int
    translation_id: int


@dataclass(frozen=True)
class MemoryMatch:
    entry: MemoryEntry
    score: float  # 100 for an exact match

    @property
    def exact(self) -> bool:
        return self.score >= 100.0


class TranslationMemory:
    """Final segments indexed for lookup; a later final translation of the same sentence wins."""

    def __init__(self, entries: list[MemoryEntry]) -> None:
        self._exact: dict[str, MemoryEntry] = {}
        for entry in entries:
            self._exact[normalise(entry.source)] = entry
        self._keys = list(self._exact)

    def __len__(self) -> int:
        return len(self._exact)

    def lookup(self, sentence: str, threshold: float = DRAFT_THRESHOLD) -> MemoryMatch | None:
        key = normalise(sentence)
        if key in self._exact:
            return MemoryMatch(self._exact[key], 100.0)
        if not self._keys:
            return None
        found = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=threshold)
        if found is None:
            return None
        return MemoryMatch(self._exact[found[0]], round(float(found[1]), 1))


def load_memory(
    conn: sa.Connection, source_language: str, target_language: str, exclude_dispatch: int | None = None
) -> TranslationMemory:
    """Segments of every translation marked final (as they were when marked final), in order of translation."""
    entries: list[MemoryEntry] = []
    for row in translations.finals(conn, source_language, target_language):
        if row.dispatch_id == exclude_dispatch or row.final_version is None:
            continue
        for seg in translations.segments_at(conn, row.id, row.final_version):
            if seg.source.strip() and seg.target.strip():
                entries.append(MemoryEntry(seg.source, seg.target, row.dispatch_id, row.id))
    return TranslationMemory(entries)


def suggestions(case: Case, dispatch_id: int, threshold: float = SUGGEST_THRESHOLD) -> list[dict[str, object]]:
    """For each sentence of a dispatch, the closest final segment of another dispatch (if close enough)."""
    from leakdesk.language.records import source_text, target_language_for
    from leakdesk.language.segment import segment as split

    with case.connect() as conn:
        source = source_text(conn, dispatch_id, case.settings.languages)
        target = target_language_for(source.language, case.settings.languages)
        memory = load_memory(conn, source.language, target, exclude_dispatch=dispatch_id)
    out: list[dict[str, object]] = []
    for position, sentence in enumerate(split(source.content, source.language)):
        match = memory.lookup(sentence.text, threshold)
        if match:
            out.append(
                {
                    "sentence": position,
                    "source": sentence.text,
                    "memory_source": match.entry.source,
                    "memory_target": match.entry.target,
                    "score": match.score,
                    "dispatch": match.entry.dispatch_id,
                }
            )
    return out
