"""Timeline with conflicts, report section, FollowTheMoney and ClaimReview exports."""

from __future__ import annotations

import json
from pathlib import Path

from followthemoney import model
from tests.claims.conftest import add_letter, add_translation
from tests.claims.test_entities import RU, RU_SEGMENTS
from tests.conftest import invoke

from leakdesk.claims.claims import list_claims, run_claims
from leakdesk.claims.corroboration import set_status
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


def test_ftm_export_validates_every_entity(case, tmp_path, runner) -> None:  # type: ignore[no-untyped-def]
    dispatch_id, text_id = add_letter(case, RU)
    add_translation(case, dispatch_id, text_id, RU_SEGMENTS)
    run_claims(case)
    out = tmp_path / "case.jsonl"
    result = invoke(runner, "export", "ftm", case.root, out, "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    schemata = {e["schema"] for e in lines}
    assert {"Document", "Person", "Organization", "Address", "Mention", "Event"} <= schemata
    for data in lines:
        proxy = model.get_proxy(data, cleaned=False)
        proxy.schema.validate(data)  # raises InvalidData on any bad property
        for prop, values in data["properties"].items():
            prop_type = proxy.schema.get(prop).type
            assert all(prop_type.clean(v) is not None for v in values), (data["schema"], prop, values)
    (doc,) = [e for e in lines if e["schema"] == "Document"]
    assert "Last August Sergei Ivanov" in doc["properties"]["translatedText"][0]
    assert doc["properties"]["translatedLanguage"] == ["eng"]
    events = [e for e in lines if e["schema"] == "Event"]
    assert any(e["properties"].get("startDate") == ["2021-08-01"] for e in events)


def test_claimreview_only_for_claims_with_a_verdict(case, tmp_path, runner) -> None:  # type: ignore[no-untyped-def]
    conflicting_letters(case)
    first = list_claims(case)[0]
    set_status(case, first["id"], "contradicted", "https://example.org/sat", "no helicopters on the images", "anna")
    out = tmp_path / "reviews.json"
    result = invoke(runner, "export", "claimreview", case.root, out, "--publisher", "Desk")
    assert result.exit_code == 0, result.output
    (review,) = json.loads(out.read_text("utf-8"))
    assert review["@type"] == "ClaimReview" and review["@context"] == "https://schema.org"
    assert review["claimReviewed"] == first["text"]
    assert review["reviewRating"]["alternateName"] == "Contradicted" and review["reviewRating"]["ratingValue"] == 1
    assert review["author"] == {"@type": "Organization", "name": "Desk"}
    assert review["citation"] == ["https://example.org/sat"]
    assert review["itemReviewed"]["temporalCoverage"] == "2021-08-01/2021-08-31"


def test_export_to_missing_folder_is_a_clear_error(case, tmp_path, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "export", "ftm", case.root, tmp_path / "no" / "x.jsonl")
    assert result.exit_code == 1
    assert "no such folder; choose where to write the export." in result.stderr


def test_ftm_references_resolve_after_an_alias_merge(case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.claims.entities import add_alias
    from leakdesk.claims.export_ftm import export_ftm

    add_letter(case, "В августе 2021 года генерал Петров перебросил вертолёты на Итуруп.")
    add_letter(case, "In October 2021 Pyotr Petrov-Vodkin moved helicopters to Iturup.", language="en", subject="en")
    run_claims(case)
    add_alias(case, "Петров", ["Pyotr Petrov-Vodkin"])
    out = tmp_path / "x.jsonl"
    export_ftm(case, out)
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    ids = {e["id"] for e in lines}
    for data in lines:
        schema = model.get(data["schema"])
        for prop, values in data["properties"].items():
            if schema.get(prop).type.name == "entity":
                assert set(values) <= ids, (data["schema"], prop)
    (person,) = [e for e in lines if e["schema"] == "Person"]
    events = [e for e in lines if e["schema"] == "Event"]
    assert all(e["properties"]["involved"] == [person["id"]] for e in events)
