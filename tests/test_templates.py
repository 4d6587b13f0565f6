"""The one template engine (leakdesk/templates.py): every HTML producer outside web/ escapes hostile letter text."""

from __future__ import annotations

from dataclasses import dataclass, field

import jinja2
import pytest

from leakdesk.authorship.report import _series_html
from leakdesk.claims.timeline import render_html
from leakdesk.language.export import bilingual_html
from leakdesk.templates import environment, render

HOSTILE = "<script>alert('x')</script>&"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"


def test_the_engine_autoescapes_and_refuses_missing_values() -> None:
    assert environment("leakdesk.publish").autoescape is True
    with pytest.raises(jinja2.UndefinedError):
        render("leakdesk.publish", "failed.html.j2")  # needs module and reason
    page = render("leakdesk.publish", "failed.html.j2", module=HOSTILE, reason=HOSTILE)
    assert ESCAPED in page and "<script>" not in page


@dataclass
class Segment:
    position: int
    paragraph: int
    source: str
    target: str
    confidence: float | None


@dataclass
class View:
    id: int = 2
    dispatch_id: int = 3
    version: int = 1
    status: str = "draft"
    kind: str = "human"
    translator: str = HOSTILE
    engine: str | None = None
    model: str | None = None
    round: int = 1
    confidence: float | None = 0.734
    source_language: str = "ru"
    target_language: str = "en"
    segments: list[Segment] = field(default_factory=lambda: [
        Segment(0, 0, HOSTILE, "Hello", 0.9), Segment(1, 0, "два", HOSTILE, 0.3), Segment(2, 1, "три", "three", None)])


def test_bilingual_export_marks_paragraphs_and_weak_segments_and_escapes() -> None:
    page = bilingual_html(View())  # type: ignore[arg-type]
    assert page.startswith("<!doctype html><html><head><meta charset='utf-8'><title>Dispatch 3: translation 2, "
                           "version 1 (draft)</title>")
    assert f"<p class='meta'>translated by {ESCAPED}; status draft, round 1, alignment confidence 73%</p>" in page
    assert f'<tr class=""><td class="n">0</td><td>{ESCAPED}</td><td>Hello</td></tr>' in page
    assert f'<tr class="low"><td class="n">1</td><td>два</td><td>{ESCAPED}</td></tr>' in page
    assert '<tr class="para"><td class="n">2</td><td>три</td><td>three</td></tr>' in page
    assert "<th>Original (Russian)</th><th>Translation (English)</th>" in page
    assert "<script>" not in page and page.endswith("</body></html>\n")


def test_timeline_fragment_escapes_claims_and_marks_conflicts() -> None:
    item = {"id": 7, "dispatch_id": 1, "time": {"start": "2021-08-01", "end": "2021-08-31", "value": "2021-08",
                                                 "text": HOSTILE},
            "letter": {"subject": HOSTILE, "date": "2022-03-17T10:00"}, "text": HOSTILE, "text_en": HOSTILE,
            "conflicts_with": [9], "actors": ["Petrov"], "places": [HOSTILE], "status": "unverified",
            "author_doubtful": True, "author_doubt": HOSTILE}
    timeline = {"items": [item], "undated": 2, "conflicts": [
        {"claims": [7, 9], "dispatches": [1, 2], "times": ["2021-08", "2021-10"], "shared": [HOSTILE]}]}
    page = render_html(timeline, "timeline.svg")
    assert page.startswith('<div class="timeline">') and page.endswith("</div>")
    assert '<img src="timeline.svg" alt="Claims on a time axis" style="max-width:100%">' in page
    assert "<p>1 dated claims, 2 without a date, 1 conflicts between letters, 1 from letters whose author is " \
           "doubtful (hatched).</p>" in page
    assert (f"<tr class=conflict><td>2021-08-01 – 2021-08-31<br><small>2021-08 ({ESCAPED})</small></td>"
            f"<td>dispatch 1 “{ESCAPED}”, 2022-03-17</td><td>#7 {ESCAPED}<br><em>{ESCAPED}</em> "
            '<strong class="conflict">conflicts with claim 9</strong> <strong class="doubtful">author doubtful: '
            f"{ESCAPED}</strong></td><td>Petrov, {ESCAPED}</td><td>unverified</td></tr>") in page
    assert (f"<li>claims 7 (dispatch 1, 2021-08) and 9 (dispatch 2, 2021-10) both name {ESCAPED} but give "
            "different dates</li>") in page
    assert "<script>" not in page


def test_authorship_series_fragment_escapes_the_series_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = {"series": HOSTILE, "matrix": {"dispatch_ids": [4, 5, 6]}, "hands": [{"hand": 1, "members": [0, 2]}],
              "outliers": [5], "reference_texts": 3, "created": "2026-12-01", "figures": {
                  "heatmap": str(tmp_path / "none.png"), "dendrogram": str(tmp_path / "none.png")}}
    body, files = _series_html(report)
    assert files == {}
    assert body.startswith(f"<h3>Series {ESCAPED}</h3>")
    assert ("<p>3 letters, 1 hand(s) found; judged by another writer: 5. Reference texts used: 3. "
            "Computed 2026-12-01.</p>") in body
    assert "<ul><li>hand 1: dispatches 4, 6</li></ul>" in body
