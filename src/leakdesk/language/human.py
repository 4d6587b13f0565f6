"""Human translations: read a .txt/.md/.docx file, align it with the original sentence by sentence, store it.

A file that is empty, in the wrong language or that does not align (the translation of another letter) is refused
with a sentence saying why; `force=True` stores it anyway, flagged. Earlier translations are never overwritten.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from leakdesk.errors import TranslationError
from leakdesk.language.align import Alignment, align
from leakdesk.language.langid import guess_language, language_name
from leakdesk.language.records import (
    Segment,
    TranslationView,
    create_translation,
    load_translation,
    source_text,
    target_language_for,
)
from leakdesk.language.segment import Sentence, segment

if TYPE_CHECKING:
    from leakdesk.case import Case

MIN_CONFIDENCE = 0.5  # below this the file is taken for the translation of something else
FORMATS = (".txt", ".md", ".docx")


def read_translation_file(path: Path) -> str:
    """Plain text of a translation file, paragraphs separated by blank lines."""
    path = Path(path)
    if not path.is_file():
        raise TranslationError(f"{path} does not exist or is not a file.")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise TranslationError(
            f"{path.name}: leakdesk imports translations as .txt, .md or .docx, "
            f"not {suffix or 'a file without extension'}."
        )
    if suffix == ".docx":
        return _read_docx(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise TranslationError(f"{path.name} is not a text file (it contains binary data).")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None:
            raise TranslationError(f"{path.name}: the characters cannot be decoded; save it as UTF-8.") from None
        content = str(best)
    return _strip_markdown(content) if suffix == ".md" else content


def _read_docx(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for damaged files
        raise TranslationError(f"{path.name} is not a readable Word (.docx) file ({type(exc).__name__}).") from exc
    return "\n\n".join(p.text for p in document.paragraphs if p.text.strip())


def _strip_markdown(content: str) -> str:
    lines = []
    for line in content.splitlines():
        line = re.sub(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+(?=\S))", "", line)
        line = re.sub(r"(\*\*|__|\*|_|`)(\S.*?\S|\S)\1", r"\2", line)
        line = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line)
        lines.append(line)
    return "\n".join(lines)


def beads_to_segments(
    source: list[Sentence], target: list[Sentence], alignment: Alignment, author: str
) -> list[Segment]:
    """One segment per bead, in document order; a merged or split bead keeps all its sentences together."""
    segments: list[Segment] = []
    for position, bead in enumerate(alignment.beads):
        if bead.source:
            paragraph = source[bead.source[0]].paragraph
        else:
            paragraph = segments[-1].paragraph if segments else 0
        segments.append(
            Segment(
                position,
                paragraph,
                " ".join(source[i].text for i in bead.source),
                " ".join(target[i].text for i in bead.target),
                bead.confidence,
                "human",
                1,
                author,
                len(bead.source),
                len(bead.target),
            )
        )
    return segments


def import_translation(
    case: Case,
    dispatch_id: int,
    path: Path,
    translator: str | None = None,
    force: bool = False,
    target_language: str | None = None,
) -> TranslationView:
    """Align a translator's file with the dispatch and store it as a new draft translation."""
    path = Path(path)
    languages = case.settings.languages
    content = read_translation_file(path)
    with case.connect() as conn:
        source = source_text(conn, dispatch_id, languages)
    target = target_language_for(source.language, languages, target_language)
    if not re.search(r"[^\W\d_]", content):
        raise TranslationError(f"{path.name} is empty: there is no translation in it to import; nothing was stored.")
    found = guess_language(content, sorted({*languages, source.language, target}))
    problems: list[str] = []
    if found and found != target:
        same = " (the language of the original)" if found == source.language else ""
        problems.append(
            f"{path.name} is in {language_name(found)}{same}, but a translation of {source.label} into "
            f"{language_name(target)} was expected"
        )
    source_sentences = segment(source.content, source.language)
    target_sentences = segment(content, target)
    alignment = align(source_sentences, target_sentences)
    if not problems and alignment.confidence < MIN_CONFIDENCE:
        problems.append(
            f"{path.name} does not look like a complete translation of {source.label}: the alignment "
            f"confidence is {alignment.confidence:.0%}, below {MIN_CONFIDENCE:.0%}. Check that you "
            "chose the right letter and that the file holds the whole translation"
        )
    if problems and not force:
        raise TranslationError("; ".join(problems) + ". Nothing was stored; use --force to import it anyway.")
    author = translator or case.actor
    segments = beads_to_segments(source_sentences, target_sentences, alignment, author)
    details = {
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "beads": alignment.counts(),
        "length_ratio": round(alignment.ratio, 3),
        "forced": bool(problems),
        "problems": problems,
    }
    with case.transaction() as conn:
        translation_id = create_translation(
            conn, source, target, "human", segments, translator=author, confidence=alignment.confidence, details=details
        )
        case.audit(
            conn,
            "translation.import",
            f"dispatch/{dispatch_id}",
            {
                "translation": translation_id,
                "translator": author,
                "confidence": alignment.confidence,
                "segments": len(segments),
                **details,
            },
        )
        return load_translation(conn, translation_id)
