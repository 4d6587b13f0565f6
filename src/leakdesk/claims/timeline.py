"""All dated claims of a case on one time axis, with conflicts between letters marked.

"Same event", in one of two ways: two claims from different letters that name at least one common entity (actor
or place) and whose wording is similar (rapidfuzz token-set ratio on their English text, or on the originals when
both are in one language); or two claims that speak of the same thing (a noun in common that is not a time word —
«учения», "helicopters") and are close in meaning (the multilingual sentence encoder, so a Russian and an English
claim compare too). If such claims give time intervals that do not overlap, they are a conflict.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from leakdesk.claims.claims import list_claims
from leakdesk.store.records import dispatches
from leakdesk.templates import render

SIMILAR_MIN = 60
MEANING_MIN = 0.4  # encoder cosine of two tellings of one event (unrelated claims of a letter series: mostly < 0.4)
_WORD = re.compile(r"\w{4,}")
_TIME_NOUNS = {"год", "месяц", "неделя", "день", "время", "январь", "февраль", "март", "апрель", "май", "июнь",
               "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь", "лето", "осень", "зима", "весна",
               "начало", "конец", "середина", "year", "month", "week", "time", "january", "february", "march",
               "april", "june", "july", "august", "september", "october", "november", "december", "summer",
               "autumn", "winter", "spring", "beginning", "end", "middle", "days",
               # words that say nothing about which event: «прошлое», «раз», "thing", "way", …
               "прошлое", "будущее", "раз", "дело", "вещь", "человек", "люди", "слово", "письмо", "вопрос", "случай",
               "момент", "образ", "часть", "past", "future", "thing", "way", "people", "letter", "question", "case",
               "part", "word"}


def _words(text: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(text))


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
    meaning = _meaning(dated)
    out = []
    for i, a in enumerate(dated):
        for j in range(i + 1, len(dated)):
            b = dated[j]
            if a["dispatch_id"] == b["dispatch_id"]:
                continue
            if a["time"]["start"] <= b["time"]["end"] and b["time"]["start"] <= a["time"]["end"]:
                continue  # the times agree
            shared = sorted(set(a["actors"] + a["places"]) & set(b["actors"] + b["places"]))
            texts = _comparable(a, b)
            similarity = fuzz.token_set_ratio(_words(texts[0]), _words(texts[1])) if shared and texts else 0.0
            conflict = {"claims": [a["id"], b["id"]], "dispatches": [a["dispatch_id"], b["dispatch_id"]],
                        "times": [a["time"]["value"], b["time"]["value"]]}
            if similarity >= SIMILAR_MIN:
                out.append({**conflict, "shared": shared, "similarity": round(similarity, 1), "by": "names"})
            elif (meaning is not None and meaning[i, j] >= MEANING_MIN and not _elsewhere(a, b)
                  and (event := _same_event_words(a, b))):
                out.append({**conflict, "shared": event, "similarity": round(float(meaning[i, j]) * 100, 1),
                            "by": "meaning"})
    return out


def _elsewhere(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Both claims say where, and not the same place: exercises on Iturup and exercises on Kunashir are two events."""
    return bool(a["places"] and b["places"] and not set(a["places"]) & set(b["places"]))


def _meaning(items: list[dict[str, Any]]) -> Any:
    """Cosine similarity of every pair of claims (originals; the encoder is multilingual)."""
    if len(items) < 2:
        return None
    from leakdesk.language.encoder import encode

    vectors = encode([c["text"] for c in items])
    return vectors @ vectors.T


def _letters(case: Any) -> dict[int, dict[str, Any]]:
    with case.connect() as conn:
        return {d.id: {"subject": d.subject, "filename": d.filename, "date": d.date} for d in dispatches.find(conn)}


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
    return f"dispatch {item['dispatch_id']}" + (f" “{name}”" if name else "") + (f", {date}" if date else "")


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
