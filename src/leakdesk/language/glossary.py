"""The case glossary: agreed renderings of service jargon, checked in every inflected form (pymorphy3 lemmas)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leakdesk.errors import TranslationError
from leakdesk.store.records import glossary as glossary_records
from leakdesk.store.records import translations
from leakdesk.store.records.common import require_dispatch
from leakdesk.store.records.glossary import Term
from leakdesk.store.records.translations import Segment, Translation

if TYPE_CHECKING:
    from leakdesk.case import Case

WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
CYRILLIC_LANGUAGES = {"ru", "uk", "be", "bg"}
ARTICLES = {"the", "a", "an"}


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=50_000)
def lemma(word: str, language: str) -> str:
    """Dictionary form: pymorphy3 for Russian, light suffix stripping for English."""
    word = word.lower().replace("ё", "е")
    if language == "ru" and re.search(r"[а-я]", word):
        return str(_morph().parse(word)[0].normal_form).replace("ё", "е")
    if language == "en":
        for suffix, repl in (("'s", ""), ("ies", "y"), ("sses", "ss"), ("es", "e"), ("s", "")):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
                return word[: -len(suffix)] + repl
    return word


def lemmas(text: str, language: str) -> list[tuple[str, str]]:
    """(lemma, surface form) of every word."""
    return [(lemma(m.group(0), language), m.group(0)) for m in WORD.finditer(text)]


def find_term(term_lemmas: list[str], text: str, language: str) -> str | None:
    """The surface form of the term in the text (any inflection), or None."""
    words = lemmas(text, language)
    size = len(term_lemmas)
    for i in range(len(words) - size + 1):
        if [w[0] for w in words[i : i + size]] == term_lemmas:
            return " ".join(w[1] for w in words[i : i + size])
    return None


@dataclass(frozen=True)
class Finding:
    dispatch: int
    translation: int
    segment: int
    source_term: str
    expected: str
    source_form: str  # how the term appears in the original
    found: str  # the translated segment as it stands
    problem: str  # "rendered differently" | "left untranslated"


def add_term(
    case: Case,
    source_term: str,
    target_term: str,
    note: str | None = None,
    source_language: str = "ru",
    target_language: str = "en",
) -> int:
    source_term, target_term = source_term.strip(), target_term.strip()
    if not source_term or not target_term:
        raise TranslationError("A glossary entry needs both the term and its agreed rendering.")
    term_lemmas = " ".join(lemma for lemma, _ in lemmas(source_term, source_language))
    with case.transaction() as conn:
        existing = glossary_records.find(conn, source_term, source_language, target_language)
        if existing is not None:
            raise TranslationError(
                f"“{source_term}” is already in the glossary as “{existing.target_term}”; nothing was changed."
            )
        term_id = glossary_records.add(conn, source_term, term_lemmas, target_term, note, source_language,
                                       target_language, case.actor)
        case.audit(
            conn,
            "glossary.add",
            f"glossary/{term_id}",
            {
                "source_term": source_term,
                "target_term": target_term,
                "note": note,
                "from": source_language,
                "to": target_language,
            },
        )
        return int(term_id)


def load_glossary_file(case: Case, path: Path) -> int:
    """Add the entries of a JSON list of {source, target, note?}; entries already present are skipped."""
    entries = json.loads(Path(path).read_text("utf-8"))
    added = 0
    for entry in entries:
        try:
            add_term(
                case,
                entry["source"],
                entry["target"],
                entry.get("note"),
                entry.get("from", "ru"),
                entry.get("to", "en"),
            )
            added += 1
        except TranslationError:
            continue
    return added


def list_terms(case: Case) -> list[dict[str, Any]]:
    with case.connect() as conn:
        rows = glossary_records.all_terms(conn)
    return [
        {
            "id": r.id,
            "source_term": r.source_term,
            "target_term": r.target_term,
            "note": r.note,
            "from": r.source_language,
            "to": r.target_language,
        }
        for r in rows
    ]


def check(case: Case, dispatch_id: int | None = None) -> list[Finding]:
    """Every segment of the current translation of each dispatch where a glossary term is not rendered as agreed."""
    findings: list[Finding] = []
    with case.connect() as conn:
        terms = glossary_records.all_terms(conn)
        newest = {d: tid for d, (tid, _) in translations.current_ids(conn).items()}
        if dispatch_id is not None:
            if dispatch_id not in newest:
                require_dispatch(conn, dispatch_id)  # the one "No such dispatch" message for a number the case lacks
                raise TranslationError(f"Dispatch {dispatch_id} has no translation to check.")
            newest = {dispatch_id: newest[dispatch_id]}
        for _, translation_id in sorted(newest.items()):
            row = translations.get(conn, translation_id)  # with its segments at the newest version
            applicable = [
                t for t in terms if (t.source_language, t.target_language) == (row.source_language, row.target_language)
            ]
            for seg in row.segments if applicable else []:
                findings.extend(_check_segment(row, seg, applicable))
    return findings


def _check_segment(row: Translation, seg: Segment, terms: list[Term]) -> list[Finding]:
    out = []
    for term in terms:
        form = find_term(term.source_lemmas.split(), seg.source, row.source_language)
        if form is None:
            continue
        expected = [lemma for lemma, _ in lemmas(term.target_term, row.target_language)]
        while len(expected) > 1 and expected[0] in ARTICLES:
            expected = expected[1:]  # "the Office" is also rendered as "our Office", "an Office"
        if find_term(expected, seg.target, row.target_language) is not None:
            continue
        untranslated = (
            row.source_language in CYRILLIC_LANGUAGES
            and re.search(r"[А-Яа-яЁё]", seg.target)
            and find_term(term.source_lemmas.split(), seg.target, row.source_language) is not None
        )
        out.append(
            Finding(
                row.dispatch_id,
                row.id,
                seg.position,
                term.source_term,
                term.target_term,
                form,
                seg.target,
                "left untranslated" if untranslated or not seg.target.strip() else "rendered differently",
            )
        )
    return out


def findings_json(findings: list[Finding]) -> list[dict[str, Any]]:
    return [asdict(f) for f in findings]


def remove_term(case: Case, source_term: str, source_language: str = "ru", target_language: str = "en") -> dict:
    """Take a term out of the glossary (audited); translations already checked against it are not changed."""
    with case.transaction() as conn:
        term = glossary_records.remove(conn, source_term, source_language, target_language)
        case.audit(conn, "glossary.remove", f"glossary/{term.id}",
                   {"source_term": term.source_term, "target_term": term.target_term, "from": source_language,
                    "to": target_language})
    return {"id": term.id, "source_term": term.source_term, "target_term": term.target_term}
