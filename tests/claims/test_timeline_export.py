"""Timeline with conflicts and the report section (the exports are tested in tests/publish)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.claims.conftest import add_letter
from tests.conftest import invoke

from leakdesk.claims.claims import run_claims
from leakdesk.claims.report import sections
from leakdesk.claims.timeline import build_timeline, write_timeline


def conflicting_letters(case) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    a, _ = add_letter(case, "In August 2021 the army moved twelve helicopters to Iturup.", language="en",
                      subject="one")
    b, _ = add_letter(case, "In October 2021 the army moved twelve helicopters to Iturup.", language="en",
                      subject="two")
    c, _ = add_letter(case, "In August 2021 a new school opened in Moscow for the children.", language="en",
                      subject="three")
    run_claims(case)
    return a, b


def test_two_letters_dating_one_event_differently_conflict(case) -> None:  # type: ignore[no-untyped-def]
    a, b = conflicting_letters(case)
    timeline = build_timeline(case)
    assert [i["time"]["value"] for i in timeline["items"]] == ["2021-08", "2021-08", "2021-10"]
    (conflict,) = timeline["conflicts"]
    assert conflict["dispatches"] == [a, b] and conflict["shared"] == ["Iturup"]
    assert conflict["times"] == ["2021-08", "2021-10"]
    flagged = {i["dispatch_id"]: bool(i["conflicts_with"]) for i in timeline["items"]}
    assert flagged == {a: True, b: True, 3: False}


def test_same_dates_do_not_conflict(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "In August 2021 the army moved twelve helicopters to Iturup.", language="en", subject="a")
    add_letter(case, "In late August 2021 the army moved 12 helicopters to Iturup.", language="en", subject="b")
    run_claims(case)
    assert build_timeline(case)["conflicts"] == []


def test_timeline_files_and_report_section(case) -> None:  # type: ignore[no-untyped-def]
    conflicting_letters(case)
    timeline = write_timeline(case)
    page = Path(timeline["files"]["html"]).read_text("utf-8")
    svg = Path(timeline["files"]["svg"]).read_text("utf-8")
    assert "conflicts with claim" in page and "timeline.svg" in page and "dispatch 1 “one”" in page
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    (section,) = sections(case)
    assert section.order == 40 and "claims-timeline.svg" in section.files
    assert section.files["claims-timeline.svg"].is_file()
    assert "Claim status per letter" in section.html and "Iturup" in section.html


def test_cli_timeline_json(case, runner) -> None:  # type: ignore[no-untyped-def]
    conflicting_letters(case)
    result = invoke(runner, "timeline", case.root, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["items"]) == 3 and len(data["conflicts"]) == 1
    assert data["items"][0]["letter"]["subject"] in {"one", "three"}
