"""All dated claims of a case on one time axis, with conflicts between letters marked.

"Same event": two claims from different letters that are close in meaning — the best cosine of the multilingual
sentence encoder between their clauses, so a Russian and an English claim compare too, with or without a
translation, and an event retold in one clause of a longer sentence is still found — and that are not set in two
different places. If such claims give time intervals that do not overlap, they are a conflict. (Until 2026-12-03:
shared names with similar wording, or a shared noun at a lower cosine; both matched the same general's, port's or
sum's other events: see BENCHMARKS.md, "Claim matching across letters".)
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

from leakdesk.claims.aliases import name_key
from leakdesk.claims.claims import list_claims
from leakdesk.store.records import dispatches
from leakdesk.templates import render

# Best clause-to-clause encoder cosine of two claims (originals, any language) that tell one event: chosen on the
# dev pairs of benchmarks/data/claims-same-event (tellings 0.62-0.92; other events that share a name, day or sum
# 0.33-0.77, most below 0.68).
SAME_EVENT_MIN = 0.68
_CLAUSE_BREAK = re.compile(r"[,;:()«»\"“”]|\s[—–-]\s")
CLAUSE_WORDS = 3  # shorter pieces ("как считали", "in fact") carry no event of their own
CLAUSE_BLOCK = 256  # claims whose clauses are compared with all others at once
_TIME_NOUNS = {"год", "месяц", "неделя", "день", "время", "январь", "февраль", "март", "апрель", "май", "июнь",
               "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь", "лето", "осень", "зима", "весна",
               "начало", "конец", "середина", "year", "month", "week", "time", "january", "february", "march",
               "april", "june", "july", "august", "september", "october", "november", "december", "summer",
               "autumn", "winter", "spring", "beginning", "end", "middle", "days",
               # words that say nothing about which event: «прошлое», «раз», "thing", "way", …
               "прошлое", "будущее", "раз", "дело", "вещь", "человек", "люди", "слово", "письмо", "вопрос", "случай",
               "момент", "образ", "часть", "past", "future", "thing", "way", "people", "letter", "question", "case",
               "part", "word"}


def _comparable(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, str] | None:
    a_en = a["text_en"] or (a["text"] if a["language"] == "en" else None)
    b_en = b["text_en"] or (b["text"] if b["language"] == "en" else None)
    if a_en and b_en:
        return a_en, b_en
    if a["language"] == b["language"]:
        return a["text"], b["text"]
    return None


def _nouns(text: str, language: str | None) -> set[str]:
    """What a claim speaks of: noun lemmas (pymorphy3) of a Russian text, content words of an English one."""
    if language == "ru" or re.search("[а-яё]", text, re.IGNORECASE):
        from leakdesk.claims.timex.numbers import _morph

        morph = _morph()
        lemmas = set()
        for word in re.findall(r"[а-яё]{3,}", text.lower()):
            parse = morph.parse(word)[0]
            # proper names (Итуруп, Япония, Петров) say where or who, not which event: the names path covers them
            if parse.tag.POS == "NOUN" and not ({"Geox", "Name", "Surn", "Patr", "Orgn", "Trad"} & parse.tag.grammemes):
                lemmas.add(parse.normal_form.replace("ё", "е"))
        return lemmas - _TIME_NOUNS
    return {t.lemma_.lower() for t in _english_tagger()(text[:5000]) if t.pos_ == "NOUN"} - _TIME_NOUNS


@functools.cache
def _english_tagger() -> Any:
    import spacy

    from leakdesk.claims.ner import SPACY_MODEL

    return spacy.load(SPACY_MODEL, exclude=["parser", "ner", "senter"])


def _same_event_words(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Nouns two claims share: on the originals when both are in one language, else on their English text."""
    if a["language"] == b["language"]:
        return sorted(_nouns(a["text"], a["language"]) & _nouns(b["text"], b["language"]))
    texts = _comparable(a, b)
    if texts is None:
        return []
    return sorted(_nouns(texts[0], "en") & _nouns(texts[1], "en"))


def find_conflicts(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs of claims from different letters about one event whose times do not overlap."""
    dated = [c for c in items if c["time"]["start"]]
    meaning = meaning_matrix(dated)
    out = []
    for i, a in enumerate(dated):
        for j in range(i + 1, len(dated)):
            b = dated[j]
            if a["dispatch_id"] == b["dispatch_id"]:
                continue
            if a["time"]["start"] <= b["time"]["end"] and b["time"]["start"] <= a["time"]["end"]:
                continue  # the times agree
            if (same := same_event(a, b, None if meaning is None else float(meaning[i, j]))) is not None:
                out.append({"claims": [a["id"], b["id"]], "dispatches": [a["dispatch_id"], b["dispatch_id"]],
                            "times": [a["time"]["value"], b["time"]["value"]], **same})
    return out


def same_event(a: dict[str, Any], b: dict[str, Any], meaning: float | None) -> dict[str, Any] | None:
    """Why two claims tell one event ({"shared", "similarity", "by"}), or None; `meaning` is from meaning_matrix.

    Close in meaning (SAME_EVENT_MIN) and not set in two different places. Shared names or nouns alone say little:
    the same general, port, day or sum recur across a series in different events. What they share is reported.
    """
    if meaning is None or meaning < SAME_EVENT_MIN or _elsewhere(a, b):
        return None
    keys_b = {name_key(n) for n in b["actors"] + b["places"]}
    names = sorted({n for n in a["actors"] + a["places"] if name_key(n) in keys_b})
    return {"shared": names or _same_event_words(a, b), "similarity": round(meaning * 100, 1), "by": "meaning"}


def _elsewhere(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Both claims say where, and not the same place: exercises on Iturup and exercises on Kunashir are two events.

    Places compare by their transliterated key, so «Корсаков» in a Russian letter is Korsakov in an English one.
    """
    keys_a, keys_b = {name_key(p) for p in a["places"]}, {name_key(p) for p in b["places"]}
    return bool(keys_a and keys_b and not keys_a & keys_b)


def meaning_matrix(items: list[dict[str, Any]]) -> Any:
    """Closeness in meaning of every pair of claims: the best cosine between their clauses (originals; the encoder
    is multilingual). A letter that tells an event again often tells it in one clause of a longer sentence."""
    if len(items) < 2:
        return None
    import numpy as np

    from leakdesk.language.encoder import encode

    pieces = [list(dict.fromkeys([*clauses(c["text"]), _without_time(c)])) for c in items]
    vectors = encode([p for ps in pieces for p in ps])
    starts = np.concatenate([[0], np.cumsum([len(ps) for ps in pieces])[:-1]])
    out = np.empty((len(items), len(items)), np.float32)
    for first in range(0, len(items), CLAUSE_BLOCK):  # a block of claims at a time: pieces x pieces can be large
        last = min(first + CLAUSE_BLOCK, len(items))
        end = starts[last] if last < len(items) else len(vectors)
        block = np.maximum.reduceat(vectors[starts[first] : end] @ vectors.T, starts, axis=1)
        out[first:last] = np.maximum.reduceat(block, starts[first:last] - starts[first], axis=0)
    return out


def _without_time(claim: dict[str, Any]) -> str:
    """The whole claim without its time expression: a conflict is one event told with two dates, and the dates must
    not pull the two tellings apart (only the whole sentence: a clause without its date is often left empty)."""
    text, when = claim["text"], (claim.get("time") or {}).get("text")
    return " ".join(text.replace(when, " ").split()) if when and when in text else text


def clauses(text: str) -> list[str]:
    """The sentence, its parts between commas, colons, brackets, quotes and dashes (three words or more), and each
    two neighbouring parts together."""
    parts = [p.strip() for p in _CLAUSE_BREAK.split(text) if len(p.split()) >= CLAUSE_WORDS]
    return list(dict.fromkeys([text, *parts, *(f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False))]))


def _letters(case: Any) -> dict[int, dict[str, Any]]:
    with case.connect() as conn:
        return {d.id: {"subject": d.subject, "filename": d.filename, "date": d.date, "parent_id": d.parent_id}
                for d in dispatches.find(conn)}


def build_timeline(case: Any, series_name: str | None = None) -> dict[str, Any]:
    """Dated claims sorted by start, each with its letter; undated claims counted; conflicts listed."""
    claims = list_claims(case, series_name)
    letters = _letters(case)
    conflicts = find_conflicts(claims)
    in_conflict: dict[int, list[int]] = {}
    for c in conflicts:
        a, b = c["claims"]
        in_conflict.setdefault(a, []).append(b)
        in_conflict.setdefault(b, []).append(a)
    items = []
    for c in claims:
        if not c["time"]["start"]:
            continue
        items.append({**c, "letter": letters.get(c["dispatch_id"], {}), "conflicts_with": in_conflict.get(c["id"], [])})
    items.sort(key=lambda c: (c["time"]["start"], c["time"]["end"], c["dispatch_id"]))
    return {"items": items, "conflicts": conflicts, "undated": sum(1 for c in claims if not c["time"]["start"]),
            "claims": len(claims)}


def _letter_label(item: dict[str, Any]) -> str:
    letter = item["letter"]
    name = letter.get("subject") or letter.get("filename") or ""
    date = (letter.get("date") or "")[:10]
    inside = f", inside dispatch {letter['parent_id']}" if letter.get("parent_id") else ""
    return f"dispatch {item['dispatch_id']}" + (f" “{name}”" if name else "") + inside + (f", {date}" if date else "")


def render_html(timeline: dict[str, Any], svg_name: str | None = "timeline.svg") -> str:
    """An HTML fragment: the plot, then one row per dated claim; conflicting claims are marked."""
    rows = []
    for item in timeline["items"]:
        t = item["time"]
        when = t["start"] if t["start"] == t["end"] else f"{t['start']} – {t['end']}"
        rows.append({"item": item, "when": when, "letter": _letter_label(item)})
    doubtful = sum(1 for i in timeline["items"] if i.get("author_doubtful"))
    return render("leakdesk.claims", "timeline.html.j2", timeline=timeline, rows=rows, svg_name=svg_name,
                  doubtful=doubtful)


def render_svg(timeline: dict[str, Any], path: Path) -> Path:
    """One horizontal bar per dated claim from its interval start to end; a colour per letter; conflicts in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    items = timeline["items"]
    fig, ax = plt.subplots(figsize=(10, max(2.0, 0.35 * len(items) + 1)))
    colours = plt.get_cmap("tab20")
    letter_index: dict[int, int] = {}
    for row, item in enumerate(items):
        start = dt.date.fromisoformat(item["time"]["start"])
        end = dt.date.fromisoformat(item["time"]["end"]) + dt.timedelta(days=1)
        colour = colours(letter_index.setdefault(item["dispatch_id"], len(letter_index)) % 20)
        doubtful = bool(item.get("author_doubtful"))
        ax.barh(row, mdates.date2num(end) - mdates.date2num(start), left=mdates.date2num(start), height=0.6,
                color=colour, edgecolor="red" if item["conflicts_with"] else ("black" if doubtful else "none"),
                linewidth=2 if item["conflicts_with"] else 1, hatch="///" if doubtful else None,
                alpha=0.5 if doubtful else 1.0)
        label = f"#{item['id']} d{item['dispatch_id']} {item['time']['value']}" + (" author doubtful" if doubtful
                                                                                    else "")
        ax.text(mdates.date2num(end), row, " " + label, va="center", fontsize=7)
    ax.set_yticks([])
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.set_title("Claims by the time they refer to (red outline: conflicting dates between letters; "
                 "hatched: author doubtful)")
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return path


def write_timeline(case: Any, series_name: str | None = None, out_dir: Path | None = None) -> dict[str, Any]:
    """Build the timeline and write timeline.html and timeline.svg (into the case's reports folder by default)."""
    timeline = build_timeline(case, series_name)
    out_dir = out_dir or case.reports
    svg = render_svg(timeline, out_dir / "timeline.svg") if timeline["items"] else None
    page = out_dir / "timeline.html"
    fragment = render_html(timeline, svg.name if svg else None)
    page.write_text(render("leakdesk.claims", "timeline_page.html.j2", fragment=fragment), "utf-8")
    timeline["files"] = {"html": str(page), "svg": str(svg) if svg else None}
    return timeline
