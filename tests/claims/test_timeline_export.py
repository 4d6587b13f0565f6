"""Timeline with conflicts and the report section (the exports are tested in tests/publish)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.claims.conftest import add_letter
from tests.conftest import invoke

from leakdesk.claims.claims import run_claims
from leakdesk.claims.report import sections
from leakdesk.claims.timeline import build_timeline, render_html, write_timeline


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


def test_a_series_timeline_holds_the_claims_of_its_letters_attachments(case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from email.message import EmailMessage

    from leakdesk.intake.ingest import ingest_paths

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "Source <s@example.org>", "desk@example.org", "with notes"
    mail["Date"], mail["Message-ID"] = "Tue, 03 Aug 2021 10:00:00 +0300", "<notes@example.org>"
    mail.set_content("In October 2021 the army moved twelve helicopters to Iturup.")
    mail.add_attachment(b"In September 2021 the army moved twelve helicopters to Iturup.",
                        maintype="text", subtype="plain", filename="notes.txt")
    other = EmailMessage()
    other["From"], other["To"], other["Subject"] = "Someone <o@example.org>", "desk@example.org", "elsewhere"
    other["Date"], other["Message-ID"] = "Tue, 03 Aug 2021 11:00:00 +0300", "<other@example.org>"
    other.set_content("In August 2021 a new school opened in Moscow for the children.")
    (tmp_path / "a.eml").write_bytes(bytes(mail))
    (tmp_path / "b.eml").write_bytes(bytes(other))
    ingest_paths(case, [tmp_path / "a.eml"], series="Veter", progress=False)
    ingest_paths(case, [tmp_path / "b.eml"], progress=False)
    run_claims(case)

    whole, series = build_timeline(case), build_timeline(case, "Veter")
    assert sorted(i["time"]["value"] for i in whole["items"]) == ["2021-08", "2021-09", "2021-10"]
    assert sorted(i["time"]["value"] for i in series["items"]) == ["2021-09", "2021-10"], \
        "the attachment's claim belongs to the series; the other letter's does not"
    (conflict,) = series["conflicts"]
    assert sorted(conflict["times"]) == ["2021-09", "2021-10"]
    attachment = next(i for i in series["items"] if i["time"]["value"] == "2021-09")
    assert attachment["letter"]["filename"] == "notes.txt" and attachment["letter"]["parent_id"]
    page = render_html(series, None)
    assert f"“notes.txt”, inside dispatch {attachment['letter']['parent_id']}" in page
