"""`leakdesk narratives`: detection stored, weekly rates, the onset of a campaign planted in a stream written for the
test, the letter's claim beside it, the report section and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import NarrativesError, UsageError
from leakdesk.narratives.intake import add_stream
from leakdesk.narratives.report import sections
from leakdesk.narratives.trend import build_trend, run_detection
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.narratives.campaign import PLANTED, campaign_letter, stream_csv

pytestmark = pytest.mark.slow  # each test parses a few hundred sentences with natasha (seconds on a busy machine)

@pytest.fixture
def monitored(case: Case, tmp_path: Path) -> Case:
    add_stream(case, stream_csv(tmp_path / "tv.csv"), "tv")
    return case


def test_detection_is_stored_and_replaced_on_a_rerun(monitored: Case) -> None:
    first = run_detection(monitored, "japanese", "nazi")
    assert (first.items, first.mentions, first.sentences) == (168, 168, 336)
    again = run_detection(monitored, "japanese", "nazi")
    with monitored.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(t.narrative_mention)).scalar()
        before = conn.execute(sa.select(sa.func.count()).select_from(t.narrative_mention).where(
            t.narrative_mention.c.hit.is_(True), t.narrative_mention.c.date < PLANTED)).scalar()
        actions = conn.execute(sa.select(t.audit.c.action).where(t.audit.c.action == "narratives.run")).all()
    assert stored == again.mentions == 168 and again.hits == first.hits
    assert before == 0  # the near miss before the campaign is never a hit
    assert len(actions) == 2


def test_weekly_rates_onset_and_examples(monitored: Case) -> None:
    run_detection(monitored, "japanese", "nazi")
    found = build_trend(monitored, "japanese", "nazi").as_dict()
    weeks = found["weekly"]
    assert len(weeks) == 12 and weeks[0]["week"] == "2021-06-07"
    assert all(w["mentions"] == 14 for w in weeks)
    assert all(w["hits"] == 0 and w["rate"] == 0.0 for w in weeks[:6])
    assert all(w["rate"] > 0.2 for w in weeks[6:])
    onset = dt.date.fromisoformat(found["onset"])
    assert abs((onset - PLANTED).days) <= 3
    assert dt.date.fromisoformat(found["onset_low"]) <= onset <= dt.date.fromisoformat(found["onset_high"])
    assert found["effect"]["rate_before"] == 0.0 and found["effect"]["ratio"] is None
    assert found["p_value"] < 0.01
    assert found["alarm"] is not None and found["alarm"] >= found["onset"]
    assert len(found["examples"]) == 5
    assert all(x["date"] >= found["onset"] and x["url"].startswith("https://tv.example/") for x in found["examples"])
    assert found["letters"] == []


def test_the_letter_claim_is_shown_beside_the_onset(case: Case, tmp_path: Path) -> None:
    campaign_letter(case, tmp_path)  # the stream, and the letter's claim about the campaign and one about nothing
    run_detection(case, "japanese", "nazi")
    found = build_trend(case, "japanese", "nazi").as_dict()
    (claim,) = found["letters"]
    assert (claim["letter_date"], claim["claimed_start"], claim["claimed_end"], claim["claimed_from"]) == (
        "2022-03-17", "2021-07-01", "2021-07-31", "the nearest date before it in the letter")
    assert claim["text"] == "Тогда же телевидение начало называть японцев нацистами."
    (section,) = sections(case)
    assert section.order == 50 and list(section.files) == ["narratives-japanese-nazi.svg"]
    svg = section.files["narratives-japanese-nazi.svg"].read_text("utf-8")
    assert svg.startswith("<?xml") and "measured onset" in svg and "letter date" in svg
    assert "Тогда же телевидение начало называть японцев нацистами." in section.html
    assert f"Measured onset: <b>{found['onset']}</b>" in section.html
    with case.connect() as conn:  # the stream is evidence only: the claim's status is untouched
        assert conn.execute(sa.select(t.claim.c.status)).scalar() == "unverified"


def test_hostile_text_is_escaped_in_the_report(case: Case, tmp_path: Path) -> None:
    rows = ["date,text,source,url"]
    for i in range(30):
        day = dt.date(2021, 6, 1) + dt.timedelta(days=i)
        rows.append(f'{day},"<script>x</script> Японские нацисты снова угрожают Курилам.",<b>TV</b>,')
    (tmp_path / "h.csv").write_text("\n".join(rows) + "\n", "utf-8")
    add_stream(case, tmp_path / "h.csv", "h")
    run_detection(case, "japanese", "nazi")
    (section,) = sections(case)
    assert "<script>" not in section.html and "&lt;script&gt;" in section.html
    assert "<b>TV</b>" not in section.html


def test_errors(case: Case) -> None:
    with pytest.raises(NarrativesError, match=r"This case has no media streams yet; add one with `leakdesk stream "
                                              r"add`\."):
        build_trend(case, "japanese", "nazi")
    with pytest.raises(UsageError, match="There is no target called 'klingons'"):
        run_detection(case, "klingons", "nazi")
    assert sections(case) == []


def test_cli(monitored: Case, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "narratives", monitored.root, "--target", "japanese", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"onset", "onset_low", "onset_high", "effect", "weekly", "examples"} <= set(data)
    assert set(data["weekly"][0]) == {"week", "hits", "mentions", "rate"}
    assert abs((dt.date.fromisoformat(data["onset"]) - PLANTED).days) <= 3
    plain = invoke(runner, "narratives", monitored.root, "--target", "japanese", "--label-family", "nazi")
    lines = plain.output.splitlines()
    assert lines[0].startswith("168 item(s), 336 sentence(s): 168 name the target, ")
    assert lines[1] == "  week of 2021-06-07:   0 hit(s) /  14 mention(s)  0%"
    assert any(line.startswith(f"Onset: {data['onset']} (likely between ") for line in lines)
    bad = invoke(runner, "narratives", monitored.root, "--target", "martians")
    assert bad.exit_code == 2
    assert "There is no target called 'martians'; known: americans, japanese, ukrainians." in bad.output
