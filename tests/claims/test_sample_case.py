"""The bundled sample case end to end: ingest, translations, entities, claims, timeline, FtM export."""

from __future__ import annotations

import json

import pytest

from leakdesk.case import Case

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_case(tmp_path_factory):  # type: ignore[no-untyped-def]
    from leakdesk.claims.claims import run_claims
    from leakdesk.intake.ingest import ingest_paths
    from leakdesk.language.sample import import_sample_translations
    from leakdesk.sample import SERIES_NAME, mail_files, sample_dir

    case = Case.init(tmp_path_factory.mktemp("sample") / "case")
    ingest_paths(case, mail_files(), series=SERIES_NAME, progress=False)
    import_sample_translations(case, sample_dir())
    run_claims(case)
    yield case
    case.close()


def test_island_names_resolve_to_one_entity(sample_case) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.claims.entities import list_entities

    islands = [e for e in list_entities(sample_case) if "Итуруп" in e.aliases or e.name == "Iturup"]
    assert len(islands) == 1
    assert islands[0].in_originals > 0 and islands[0].in_translations > 0
    assert {"Итуруп", "Etorofu", "択捉島"} <= set(islands[0].aliases)


def test_timeline_shows_claims_with_intervals_and_letters(sample_case) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.claims.timeline import write_timeline
    from leakdesk.sample import SERIES_NAME

    timeline = write_timeline(sample_case, SERIES_NAME)
    assert len(timeline["items"]) >= 10
    for item in timeline["items"]:
        assert item["time"]["start"] <= item["time"]["end"]
        assert item["letter"]["subject"] or item["letter"]["parent_id"] and item["letter"]["filename"]
    august = [i for i in timeline["items"] if i["time"]["value"] == "2021-08" and "Japan" in i["places"]]
    assert august, "the 17 March letter's 'August of last year' claim about Japan is on the timeline"
    assert august[0]["modality"] == "preparing"


def test_the_planted_september_october_contradiction_is_a_conflict_and_the_war_claims_are_not(sample_case) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.claims.timeline import build_timeline
    from leakdesk.sample import SERIES_NAME

    for timeline in (build_timeline(sample_case), build_timeline(sample_case, SERIES_NAME)):
        text = {i["id"]: i["text"] for i in timeline["items"]}
        told = [sorted(c["times"]) for c in timeline["conflicts"]
                if all("учения" in text[k] for k in c["claims"])]
        assert told == [["2021-09", "2021-10"]], "the exercises told in September (attachment) and October (letter 13)"
        assert not [c for c in timeline["conflicts"] if any("Войны с Японией" in text[k] for k in c["claims"])]


def test_ftm_export_of_the_sample_validates(sample_case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from followthemoney import model

    from leakdesk.publish.export_ftm import export_ftm

    out = tmp_path / "sample.jsonl"
    result = export_ftm(sample_case, out)
    assert result["entities"] > 100
    for line in out.read_text("utf-8").splitlines():
        data = json.loads(line)
        model.get_proxy(data, cleaned=False).schema.validate(data)
