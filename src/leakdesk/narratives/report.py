"""The narratives part of the case report: per analysed target, the weekly hit rate (SVG) with the measured onset and
the letters' dates marked, the letters' claimed start beside the measured onset, and example sentences."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from leakdesk.narratives.evidence import compare
from leakdesk.narratives.trend import LetterClaim, Trend, build_trend
from leakdesk.sections import ReportSection
from leakdesk.store.records import narratives as records
from leakdesk.store.records.narratives import AttachedEvidence
from leakdesk.templates import render


def render_svg(trend: Trend, path: Path) -> Path:
    """Weekly rate (hits / mentions) as bars; the onset and its interval in red; each letter's date as a blue line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    weeks = [w for w in trend.weekly if w["rate"] is not None]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.bar([mdates.date2num(dt.date.fromisoformat(w["week"])) + 3.5 for w in weeks],
           [w["rate"] for w in weeks], width=6, color="#888", label="share of mentions that apply the label")
    if trend.significant and trend.onset:
        o = trend.onset
        ax.axvspan(mdates.date2num(o.onset_low), mdates.date2num(o.onset_high) + 1, color="#f4b4b4", alpha=0.5)
        ax.axvline(mdates.date2num(o.onset), color="#c00", linewidth=2, label=f"measured onset {o.onset}")
    for letter in trend.claims:
        precise = letter.claimed_end is None or (letter.claimed_end - letter.claimed_start).days <= 62 \
            if letter.claimed_start else False
        if letter.claimed_start and precise:  # a whole year as "the start" would mislead the eye
            ax.axvline(mdates.date2num(letter.claimed_start), color="#070", linestyle=":", linewidth=1.5,
                       label=f"claimed start (dispatch {letter.dispatch_id}) {letter.claimed_start}")
        if letter.letter_date:
            ax.axvline(mdates.date2num(letter.letter_date), color="#00a", linestyle="--", linewidth=1.5,
                       label=f"letter date (dispatch {letter.dispatch_id}) {letter.letter_date}")
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.set_ylabel("hits / mentions")
    ax.set_title(f"Labelling of {trend.target} ({trend.family}), per week")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), fontsize=7, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return path


def _period(start: dt.date | None, end: dt.date | None) -> str:
    if start is None:
        return "—"
    return str(start) if end is None or end == start else f"{start} – {end}"


def _analysed(case: Any) -> list[tuple[str, str]]:
    with case.connect() as conn:
        return records.analysed(conn)


def _comparison(trend: Trend, c: LetterClaim) -> str:
    o = trend.onset if trend.significant else None
    return compare(o.onset if o else None, o.onset_low if o else None, o.onset_high if o else None,
                   c.claimed_start, c.claimed_end, c.letter_date)


def _attached_words(claim_id: int, attached: list[AttachedEvidence]) -> str:
    if not attached:
        return f"not attached (leakdesk narrative trend CASE --claim {claim_id} --attach)"
    last = attached[-1]
    return f"attached by {last.actor} on {last.created.date()} (onset then: {last.onset or 'none'})"


def trend_html(trend: Trend, svg_name: str | None,
               attached: dict[int, list[AttachedEvidence]] | None = None) -> str:
    """The HTML fragment for one target: plot, onset beside the letters' claims, examples (all escaped)."""
    claims = [{"claim": c, "period": _period(c.claimed_start, c.claimed_end), "comparison": _comparison(trend, c),
               "attached": _attached_words(c.claim_id, (attached or {}).get(c.claim_id, []))} for c in trend.claims]
    return render("leakdesk.narratives", "trend.html.j2", trend=trend, d=trend.as_dict(), svg_name=svg_name,
                  claims=claims)


def sections(case: Any) -> list[ReportSection]:
    """One section with every target the desk has analysed (`leakdesk narrative trend CASE --target ...`)."""
    analysed = _analysed(case)
    if not analysed:
        return []
    with case.connect() as conn:
        attachments = records.attached_evidence(conn)
    files: dict[str, Path] = {}
    body = []
    for target_name, family_name in analysed:
        trend = build_trend(case, target_name, family_name)
        svg_name = f"narratives-{target_name}-{family_name}.svg"
        files[svg_name] = render_svg(trend, Path(case.reports) / svg_name)
        mine = [a for a in attachments if (a.target, a.label_family) == (target_name, family_name)]
        body.append(trend_html(trend, svg_name, {c.claim_id: [a for a in mine if a.claim_id == c.claim_id]
                                                 for c in trend.claims}))
    return [ReportSection("Narratives in the media streams", "".join(body), order=50, files=files)]
