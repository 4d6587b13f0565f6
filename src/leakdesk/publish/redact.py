"""Redaction with consistent pseudonyms: what to hide, decided by the desk, applied to derivatives only.

A redaction is one decision (table `redaction`): an entity from the claims tables (all its names, aliases and the
surface forms it was found under, in the originals and in the translations), a pattern match (e-mail, phone,
passport, street address, IP address), a term the desk typed, or one span of one text. Each gets a pseudonym
("Source A", "Person 2", "E-mail 1") used everywhere in the series and its translations, so a reader can still follow
who did what. Entities and patterns are *proposed*; nothing is applied until a person approves it, and exports refuse
to run while proposals wait for review. Every decision is audited (without the hidden names). Originals and stored
texts are never changed: `redact_text` returns a new string.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import LeakdeskError, NoSuchRecord, UsageError
from leakdesk.store.records import derivatives
from leakdesk.store.records import dispatches as dispatch_records
from leakdesk.store.records import entities as entity_records
from leakdesk.store.records import redactions as redaction_records
from leakdesk.store.records import series as series_records
from leakdesk.store.records import translations as translation_records
from leakdesk.store.records.entities import Entity
from leakdesk.store.records.redactions import RedactionRecord
from leakdesk.store.records.series import by_name as series_by_name

PROPOSED, APPROVED, REJECTED = "proposed", "approved", "rejected"
KINDS = ("entity", "pattern", "term", "span")
ENTITY_LABELS = {"PER": ("person", "Person"), "ORG": ("organisation", "Organisation"), "LOC": ("place", "Place")}
MAX_SURFACE = 200

# Patterns a desk must never publish by accident. Conservative: a missed phone number is worse than a proposal the
# desk rejects, but every proposal is reviewed by a person before it is applied.
PATTERNS: dict[str, tuple[str, re.Pattern[str]]] = {
    "email": ("E-mail", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    "phone": ("Phone", re.compile(r"(?<![\w+])(?:(?:\+\d{1,3}|8)[\s(-]*)?(?:\(?\d{3,4}\)?[\s-]*)?"
                                  r"\d{2,3}[\s-]\d{2}[\s-]\d{2}(?![\w-])")),
    "passport": ("Passport", re.compile(
        r"(?i)(?:паспорт\w*|passport)(?:\s+(?:серии|серия|no\.?|number|номер|№))?\s*[:№]?\s*"
        r"(\d{2}\s?\d{2}\s*(?:№\s*)?\d{6}|[A-Z]{1,2}\d{6,8})")),
    "address": ("Address", re.compile(
        r"(?:\b(?:ул\.|улица|пр-т|проспект|пер\.|переулок|бульвар|б-р|шоссе|наб\.|набережная)\s+"
        r"[А-ЯЁA-Z][\w-]+(?:\s+[А-ЯЁ][\w-]+)?,?\s*(?:д\.|дом)\s*\d+[а-я]?(?:,?\s*(?:кв\.|квартира)\s*\d+)?)"
        r"|(?:\b\d{1,5}\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\s+(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Lane|Boulevard))")),
    "ip": ("IP address", re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")),
}


class RedactionError(LeakdeskError):
    """A redaction cannot be made or applied as asked."""


@dataclass
class Redaction:
    id: int
    kind: str
    label: str
    surfaces: list[str]
    pseudonym: str
    status: str
    series: str | None = None
    entity_id: int | None = None
    dispatch_id: int | None = None
    text_id: int | None = None
    start_char: int | None = None
    end_char: int | None = None
    actor: str = ""
    reviewer: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _row(r: RedactionRecord, series_names: dict[int, str]) -> Redaction:
    return Redaction(r.id, r.kind, r.label, list(r.surfaces or []), r.pseudonym, r.status,
                     series_names.get(r.series_id) if r.series_id else None, r.entity_id, r.dispatch_id, r.text_id,
                     r.start_char, r.end_char, r.actor, r.reviewer)


def _series_names(conn: sa.Connection) -> dict[int, str]:
    return {s.id: s.name for s in series_records.all_series(conn)}


def list_redactions(case: Any, series: str | None = None, status: str | None = None) -> list[Redaction]:
    """Every redaction decision (of one series and the case-wide ones, if a series is named)."""
    with case.connect() as conn:
        series_id = series_by_name(conn, series).id if series else None
        names = _series_names(conn)
        return [_row(x, names) for x in redaction_records.find(conn, series_id, status=status or None)]


# --------------------------------------------------------------------------- proposing


def series_dispatch_ids(conn: sa.Connection, series_id: int | None) -> list[int]:
    """The series' letters and everything inside them (attachments carry no series of their own); all
    dispatches when `series_id` is None."""
    if series_id is None:
        return dispatch_records.ids(conn)
    found = [d.id for d in dispatch_records.find(conn, series_id=series_id)]
    for letter in list(found):
        found += [part.dispatch.id for part in dispatch_records.tree(conn, letter).walk()[1:]]
    return sorted(set(found))


def _series_texts(conn: sa.Connection, series_id: int | None) -> list[tuple[int, str]]:
    """(dispatch id, text) of every original text and current translation in the series (or the case)."""
    out = []
    for dispatch_id in series_dispatch_ids(conn, series_id):
        for text in dispatch_records.texts(conn, dispatch_id):
            if text.content.strip():
                out.append((dispatch_id, text.content))
        for tr in translation_records.of_dispatch(conn, dispatch_id):
            out.append((dispatch_id, translation_records.get(conn, tr.id).target_text()))
    return out


def _decisions(conn: sa.Connection, series_id: int | None) -> list[RedactionRecord]:
    """This series' decisions and the case-wide ones (only the case-wide ones when `series_id` is None)."""
    if series_id is None:
        return [x for x in redaction_records.find(conn) if x.series_id is None]
    return redaction_records.find(conn, series_id)


def _next_pseudonym(conn: sa.Connection, prefix: str, series_id: int | None) -> str:
    """`prefix N` with the next free N among this series' (and the case-wide) redactions."""
    used = {x.pseudonym for x in _decisions(conn, series_id)}
    n = 1
    while f"{prefix} {n}" in used:
        n += 1
    return f"{prefix} {n}"


def _letter_pseudonym(conn: sa.Connection, series_id: int | None) -> str:
    """"Source A", "Source B"… for the writer's own names."""
    used = {x.pseudonym for x in _decisions(conn, series_id) if x.series_id == series_id}
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if f"Source {letter}" not in used:
            return f"Source {letter}"
    return _next_pseudonym(conn, "Source", series_id)


def _known_surfaces(conn: sa.Connection, series_id: int | None) -> set[str]:
    out: set[str] = set()
    for x in _decisions(conn, series_id):
        out.update(s.casefold() for s in x.surfaces)
    return out


LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                 ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                  "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))


def latin_forms(name: str) -> set[str]:
    """How an English translation is likely to spell a Russian name: the usual newsroom (BGN-style) spelling and
    ICU's transliteration (Буря → Burya, Bura; Ледяев → Ledyaev, Ledaev)."""
    from leakdesk.claims.aliases import is_cyrillic, latin_spelling

    if not is_cyrillic(name):
        return set()
    simple = "".join(LATIN.get(ch.lower(), ch).capitalize() if ch.isupper() else LATIN.get(ch, ch) for ch in name)
    return {simple, latin_spelling(name)} - {name}


def _entity_surfaces(entity: Entity, aliases: dict[int, set[str]], said: dict[int, set[str]]) -> list[str]:
    names = {entity.name} | aliases.get(entity.id, set()) | said.get(entity.id, set())
    for found in list(names):
        names.update(latin_forms(found))
    return sorted({n.strip()[:MAX_SURFACE] for n in names if n and len(n.strip()) >= 2}, key=lambda s: (-len(s), s))


def propose(case: Any, series: str | None = None, entity_types: tuple[str, ...] = ("PER",),
            patterns: tuple[str, ...] = tuple(PATTERNS)) -> list[Redaction]:
    """Propose redactions for the series: entities of the given types named in its letters or translations, and
    every pattern match. Surfaces already covered by a decision are not proposed again."""
    unknown = [p for p in patterns if p not in PATTERNS]
    if unknown:
        raise UsageError(f"Unknown pattern '{unknown[0]}'; choose from {', '.join(PATTERNS)}.")
    made: list[int] = []
    with case.transaction() as conn:
        srow = series_by_name(conn, series) if series else None
        series_id = srow.id if srow else None
        # The writer's own names: the source's pseudonym and the series' name (often the signature).
        source_names = {n.casefold() for n in ((srow.source, srow.name) if srow else ()) if n}
        known = _known_surfaces(conn, series_id)
        letter_ids = series_dispatch_ids(conn, series_id)
        in_letters = set(letter_ids)
        said: dict[int, set[str]] = {}
        named_here: set[int] = set()
        for mention in entity_records.mentions(conn):
            said.setdefault(mention.entity_id, set()).add(mention.surface)
            if mention.dispatch_id in in_letters:
                named_here.add(mention.entity_id)
        aliases: dict[int, set[str]] = {}
        for other in entity_records.aliases(conn):
            aliases.setdefault(other.entity_id, set()).add(other.name)
        entities = [e for e in entity_records.find(conn) if e.id in named_here and e.type in entity_types]
        for e in entities:
            surfaces = [s for s in _entity_surfaces(e, aliases, said) if s.casefold() not in known]
            if not surfaces:
                continue
            label, prefix = ENTITY_LABELS.get(e.type, ("name", "Name"))
            is_source = any(s.casefold() in source_names for s in surfaces)
            pseudonym = _letter_pseudonym(conn, series_id) if is_source else _next_pseudonym(conn, prefix, series_id)
            made.append(_insert(case, conn, series_id, "entity", "source" if is_source else label, surfaces,
                                pseudonym, entity_id=e.id))
            known.update(s.casefold() for s in surfaces)
        found: Counter[tuple[str, str]] = Counter()
        for _, content in _series_texts(conn, series_id):
            for name in patterns:
                for m in PATTERNS[name][1].finditer(content):
                    value = (m.group(1) if m.groups() and m.group(1) else m.group(0)).strip()[:MAX_SURFACE]
                    found[(name, value)] += 1
        for (name, value), _ in sorted(found.items()):
            if value.casefold() in known:
                continue
            pseudonym = _next_pseudonym(conn, PATTERNS[name][0], series_id)
            made.append(_insert(case, conn, series_id, "pattern", name, [value], pseudonym))
            known.add(value.casefold())
    return [x for x in list_redactions(case) if x.id in set(made)]


def _insert(case: Any, conn: sa.Connection, series_id: int | None, kind: str, label: str, surfaces: list[str],
            pseudonym: str, status: str = PROPOSED, **where: Any) -> int:
    new = redaction_records.add(conn, series_id, kind, label, surfaces, pseudonym, status, case.actor, **where)
    # The audit names the decision, never the hidden strings themselves.
    case.audit(conn, f"redact.{'propose' if status == PROPOSED else 'add'}", f"redaction:{new}",
               {"kind": kind, "label": label, "pseudonym": pseudonym, "status": status, "surfaces": len(surfaces),
                "series_id": series_id, **{k: v for k, v in where.items() if v is not None}})
    return int(new)


def add_term(case: Any, term: str, pseudonym: str, series: str | None = None, label: str = "term") -> Redaction:
    """A string the desk wants hidden, with its pseudonym; approved by the person who adds it."""
    term = term.strip()
    if len(term) < 2:
        raise UsageError("A term to redact needs at least two characters.")
    if not pseudonym.strip():
        raise UsageError("Give the pseudonym that replaces the term (--as \"Officer 2\").")
    with case.transaction() as conn:
        series_id = series_by_name(conn, series).id if series else None
        new = _insert(case, conn, series_id, "term", label, [term[:MAX_SURFACE]], pseudonym.strip(), APPROVED)
    return next(x for x in list_redactions(case) if x.id == new)


def add_span(case: Any, dispatch_id: int, start: int, end: int, pseudonym: str) -> Redaction:
    """Hide characters start..end (end exclusive) of a dispatch's original text; approved by the person adding it."""
    with case.transaction() as conn:
        d = dispatch_records.get(conn, dispatch_id)
        text = dispatch_records.original_text(conn, dispatch_id)
        if text is None:
            raise RedactionError(f"Dispatch {dispatch_id} has no text to redact.")
        if not 0 <= start < end <= len(text.content):
            raise UsageError(f"The span {start}..{end} is outside dispatch {dispatch_id}'s text, which has "
                             f"{len(text.content)} characters.")
        surface = text.content[start:end]
        new = _insert(case, conn, d.series_id, "span", "span", [surface[:MAX_SURFACE]], pseudonym.strip() or "[…]",
                      APPROVED, dispatch_id=dispatch_id, text_id=text.id, start_char=start, end_char=end)
    return next(x for x in list_redactions(case) if x.id == new)


def review(case: Any, ids: list[int], status: str, pseudonym: str | None = None, note: str | None = None
           ) -> list[Redaction]:
    """Approve or reject proposals (optionally renaming the pseudonym); each decision audited."""
    if status not in (APPROVED, REJECTED):
        raise UsageError(f"A redaction is approved or rejected, not '{status}'.")
    with case.transaction() as conn:
        rows = {x.id: x for x in redaction_records.find(conn, ids=ids)}
        missing = [i for i in ids if i not in rows]
        if missing:
            raise NoSuchRecord(f"No such redaction {missing[0]} in this case (see `leakdesk redaction list CASE`).")
        for i in ids:
            renamed = pseudonym.strip() if pseudonym else None
            redaction_records.set_review(conn, i, status, case.actor, renamed, note)
            case.audit(conn, f"redact.{'approve' if status == APPROVED else 'reject'}", f"redaction:{i}",
                       {"previous": rows[i].status, "pseudonym": renamed or rows[i].pseudonym})
    return [x for x in list_redactions(case) if x.id in set(ids)]


# --------------------------------------------------------------------------- applying


@dataclass
class Redactor:
    """The approved redactions of one series, ready to apply to any of its texts."""

    redactions: list[Redaction]
    pending: list[int] = field(default_factory=list)  # proposals not yet reviewed

    @classmethod
    def for_series(cls, case: Any, series: str | None = None) -> Redactor:
        found = list_redactions(case, series)
        return cls([x for x in found if x.status == APPROVED], [x.id for x in found if x.status == PROPOSED])

    def require_reviewed(self) -> None:
        """Refuse to export while proposals wait for a person's decision."""
        if self.pending:
            shown = ", ".join(str(i) for i in self.pending[:10]) + (" …" if len(self.pending) > 10 else "")
            raise RedactionError(
                f"{len(self.pending)} redaction proposal(s) still wait for review ({shown}); approve or reject them "
                "with `leakdesk redaction approve CASE ID...` (or `reject`) before exporting.")

    def _terms(self) -> list[tuple[str, str, bool]]:
        """(surface, pseudonym, inflect) longest first; names and terms also match their Russian case endings."""
        terms = {(s, x.pseudonym, x.kind in ("entity", "term")) for x in self.redactions if x.kind != "span"
                 for s in x.surfaces if s}
        return sorted(terms, key=lambda p: (-len(p[0]), p[0]))

    def _combined(self) -> tuple[re.Pattern[str], list[str]] | None:
        """One alternation of every surface, longest first (so at one position the longest name wins), compiled
        once; and the pseudonym of each alternative."""
        if "_combined_cache" not in self.__dict__:
            terms = self._terms()
            built: tuple[re.Pattern[str], list[str]] | None = None
            if terms:
                body = "|".join(f"({_body(surface, inflect)})" for surface, _, inflect in terms)
                built = (re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE), [p for _, p, _ in terms])
            self.__dict__["_combined_cache"] = built
        cached: tuple[re.Pattern[str], list[str]] | None = self.__dict__["_combined_cache"]
        return cached

    def apply(self, content: str, text_id: int | None = None) -> tuple[str, int]:
        """`content` with every approved redaction replaced by its pseudonym; and how many replacements."""
        cuts: list[tuple[int, int, str]] = []
        for x in self.redactions:
            if x.kind == "span" and text_id is not None and x.text_id == text_id and x.start_char is not None:
                cuts.append((x.start_char, x.end_char or x.start_char, x.pseudonym))
        spans = list(cuts)
        combined = self._combined()
        if combined is not None:
            pattern, pseudonyms = combined
            for m in pattern.finditer(content):  # matches never overlap each other; only the spans can
                if not any(m.start() < b and a < m.end() for a, b, _ in spans):
                    cuts.append((m.start(), m.end(), pseudonyms[(m.lastindex or 1) - 1]))
        out, pos = [], 0
        for a, b, pseudonym in sorted(cuts):
            if a < pos:
                continue
            out.append(content[pos:a])
            out.append(pseudonym)
            pos = b
        out.append(content[pos:])
        return "".join(out), len(cuts)

    def leftovers(self, content: str) -> list[str]:
        """Hidden strings still present in `content` (there should be none after `apply`)."""
        return sorted({s for s, _, inflect in self._terms() if _matcher(s, inflect).search(content)})

    def name_parts(self) -> set[str]:
        """The words of multi-word names and terms (four letters or more, not initials): in a picture or a PDF, OCR
        may misread one word of a name ("Ivan" as "Мап"), so each part is hidden and checked on its own."""
        parts: set[str] = set()
        for x in self.redactions:
            for surface in x.surfaces if x.kind != "span" else []:
                words = surface.split()
                if len(words) > 1:
                    parts.update(w.strip(",;:()«»\"'") for w in words if len(w) >= 4 and not w.endswith("."))
        return {p for p in parts if len(p) >= 4}

    def leftovers_anywhere(self, content: str) -> list[str]:
        """Hidden strings present in `content` even split by spaces or line breaks, as text pulled out of a PDF
        often is ("Ivan P etrov"); stricter than `leftovers`, for checking files."""
        squashed = re.sub(r"\s+", "", content).casefold()
        found = {s for s, _, _ in self._terms() if re.sub(r"\s+", "", s).casefold() in squashed}
        found.update(p for p in self.name_parts() if p.casefold() in squashed)
        return sorted(found)


CYRILLIC_WORD = re.compile(r"^[А-ЯЁа-яё-]{4,}$")
NOUN_ENDINGS = "(?:а|у|ом|ым|е|ой|ы|ых|ыми|ими|ов|ям|ями|ях|и|ого|ому|ем|ю|я)?"
FEMININE_ENDINGS = "(?:а|ы|е|у|ой|ою|я|и|ю|ей|ую)"


def _body(surface: str, inflect: bool) -> str:
    """The regex body for a surface; a Russian name also in its other cases (Гранатов → Гранатова, Гранатову…;
    Ольга → Ольги, Ольге…). No capturing groups (the combined pattern numbers its alternatives)."""
    words = surface.split()
    if not words:
        return re.escape(surface)
    last = words[-1]
    tail = re.escape(last)
    if inflect and CYRILLIC_WORD.match(last):
        if last[-1].lower() in "ая":
            tail = re.escape(last[:-1]) + FEMININE_ENDINGS
        elif last[-1].lower() not in "еиоуыэюьй":
            tail = re.escape(last) + NOUN_ENDINGS
    # Any run of spaces, line breaks or no-break spaces between the words ("В. С.\nКрайнов"); none needed after
    # an initial ("В.С. Крайнов").
    body = ""
    for word in words[:-1]:
        body += re.escape(word) + (r"\s*" if word.endswith(".") else r"\s+")
    return body + tail


@functools.lru_cache(maxsize=4096)
def _matcher(surface: str, inflect: bool) -> re.Pattern[str]:
    """A case-insensitive, whole-word pattern for one surface."""
    return re.compile(rf"(?<!\w){_body(surface, inflect)}(?!\w)", re.IGNORECASE)


@dataclass
class RedactedLetter:
    dispatch_id: int
    original: str  # the redacted original text
    translation: str | None
    translation_language: str | None
    replacements: int


def redacted_letter(case: Any, dispatch_id: int, redactor: Redactor) -> RedactedLetter:
    """One dispatch's original text and current translation with the approved redactions applied."""
    with case.connect() as conn:
        dispatch_records.get(conn, dispatch_id)
        text = dispatch_records.original_text(conn, dispatch_id)
        tr = translation_records.current(conn, dispatch_id)
    original, n = redactor.apply(text.content, text.id) if text else ("", 0)
    translated, m = redactor.apply(tr.target_text()) if tr else (None, 0)
    return RedactedLetter(dispatch_id, original, translated, tr.target_language if tr else None, n + m)


@dataclass
class RedactedExport:
    folder: str
    files: list[str]
    letters: int
    replacements: int


def _slug(name: str) -> str:
    return re.sub(r"[^\w-]+", "-", name, flags=re.UNICODE).strip("-")[:60] or "series"


def export_redacted(case: Any, series: str) -> RedactedExport:
    """Write every letter's redacted original text and translation to CASE/exports/redacted/SERIES/; record each
    file as a derivative and audit the export. Refuses while proposals wait for review, and checks that no hidden
    string is left in what it writes."""
    import hashlib

    redactor = Redactor.for_series(case, series)
    redactor.require_reviewed()
    with case.connect() as conn:
        srow = series_by_name(conn, series)
        ids = series_dispatch_ids(conn, srow.id)
        shas = {d.id: d.original_sha256 for d in dispatch_records.find(conn, ids)}
    folder = case.exports / "redacted" / _slug(series)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[tuple[int, str, str, int]] = []
    total = 0
    for dispatch_id in ids:
        letter = redacted_letter(case, dispatch_id, redactor)
        for suffix, content in (("original", letter.original), (letter.translation_language, letter.translation)):
            if not content or not suffix:
                continue
            left = redactor.leftovers(content)
            if left:
                raise RedactionError(f"Dispatch {dispatch_id}: {len(left)} hidden name(s) survived redaction; "
                                     "nothing was exported. Report this as a bug.")
            path = folder / f"{dispatch_id}.{suffix}.txt"
            path.write_text(content, "utf-8")
            written.append((dispatch_id, str(path.relative_to(case.root)),
                            hashlib.sha256(content.encode("utf-8")).hexdigest(), letter.replacements))
        total += letter.replacements
    with case.transaction() as conn:
        for dispatch_id, rel, sha, n in written:
            derivatives.add(conn, dispatch_id, shas[dispatch_id], "redacted-text", rel, sha,
                            "leakdesk redaction export",
                            {"replacements": n, "redactions": [x.id for x in redactor.redactions]}, case.actor)
        case.audit(conn, "redact.export", f"series:{series}",
                   {"files": len(written), "replacements": total, "redactions": [x.id for x in redactor.redactions]})
    return RedactedExport(str(folder), [w[1] for w in written], len({w[0] for w in written}), total)
