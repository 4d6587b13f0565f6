"""FollowTheMoney and ClaimReview exports (publish/, read through store.records): the same bytes as before the move.

The expected lines below were written by the claims/ exports these modules replace, on the same small case; ids are
FtM's hashes of the case name and the row ids, so they are stable.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from followthemoney import model

from leakdesk.claims.claims import list_claims, run_claims
from leakdesk.claims.corroboration import set_status
from leakdesk.claims.entities import add_alias
from leakdesk.publish.claimreview import export_claimreview
from leakdesk.publish.export_ftm import ExportError, export_ftm
from leakdesk.store import tables as t
from tests.claims.conftest import add_letter, add_translation
from tests.claims.test_entities import RU, RU_SEGMENTS
from tests.claims.test_timeline_export import conflicting_letters
from tests.conftest import invoke

DOCUMENT = {"id": "4761338466b0194cad59233071e18b8e3c594382",
 "properties": {"bodyText": ["В августе прошлого года Сергей Иванов из ФСБ готовил переброску вертолётов на "
                             "Итуруп.\n"
                             "\n"
                             "Генерал Петров сообщил в Южно-Курильске, что учения так и не состоялись."],
                "contentHash": ["0439ccb5c5a3248a9f2a72f7b53410f928b18825"],
                "date": ["2022-03-17T07:00:00"],
                "fileName": ["letter.txt"],
                "language": ["rus"],
                "mimeType": ["text/plain"],
                "title": ["letter"],
                "translatedLanguage": ["eng"],
                "translatedText": ["Last August Sergei Ivanov of the FSB was preparing to move helicopters to "
                                   "Iturup.\n"
                                   "General Petrov reported in Yuzhno-Kurilsk that the exercises never took "
                                   "place."]},
 "schema": "Document"}
EVENT = {"id": "8607b9a5350f00f346ae0cf135f2892ed8381805",
 "properties": {"addressEntity": ["b4f767cfd4480fbec6fb110f1ef9304b828b2622"],
                "description": ["Last August Sergei Ivanov of the FSB was preparing to move helicopters to "
                                "Iturup."],
                "endDate": ["2021-08-31"],
                "involved": ["c733495b07e6e7697a040962347ffacf3a08d7fb",
                             "aaec0dbfefcb549d0f89ba53be76c2362a317f6e"],
                "location": ["Iturup"],
                "name": ["В августе прошлого года Сергей Иванов из ФСБ готовил переброску вертолётов на Итуруп."],
                "proof": ["4761338466b0194cad59233071e18b8e3c594382"],
                "startDate": ["2021-08-01"],
                "summary": ["preparing, positive; status: contradicted"]},
 "schema": "Event"}
ORDER = ["Document 4761338466b0", "Person c733495b07e6", "Organization aaec0dbfefcb", "Address b4f767cfd448",
         "Person e467ae2d408e", "Address 365fc9e43776", "Mention 1a5844dbbbec", "Mention 127555e0a962",
         "Mention 425e268d5a78", "Mention 40b156ff8fc7", "Mention ea0a362d5cdc", "Mention abb3f1b61b97",
         "Mention 6e2ffe1ffc55", "Mention 83658ac0cb85", "Mention 70af46bb809c", "Mention d175bbcd1646",
         "Event 8607b9a5350f", "Event b7118b6c5be3"]


def one_translated_letter(case) -> None:  # type: ignore[no-untyped-def]
    dispatch_id, text_id = add_letter(case, RU)
    add_translation(case, dispatch_id, text_id, RU_SEGMENTS)
    run_claims(case)


def test_ftm_export_writes_the_same_lines_as_before(case, tmp_path, runner) -> None:  # type: ignore[no-untyped-def]
    one_translated_letter(case)
    set_status(case, list_claims(case)[0]["id"], "contradicted", "https://example.org/sat", "no helicopters", "anna")
    out = tmp_path / "case.jsonl"
    result = invoke(runner, "export", "ftm", case.root, out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"18 FtM entities written to {out}\n"
    lines = out.read_text("utf-8").splitlines()
    assert [f"{json.loads(x)['schema']} {json.loads(x)['id'][:12]}" for x in lines] == ORDER
    assert lines[0] == json.dumps(DOCUMENT, ensure_ascii=False, sort_keys=True)
    assert lines[16] == json.dumps(EVENT, ensure_ascii=False, sort_keys=True)
    with case.connect() as conn:
        (details,) = conn.execute(sa.select(t.audit.c.details).where(t.audit.c.action == "claims.export.ftm")).scalars()
    assert json.loads(details) == {"entities": 18, "schemata": {"Address": 2, "Document": 1, "Event": 2, "Mention": 10,
                                                          "Organization": 1, "Person": 2}}


def test_ftm_export_validates_every_entity(case, tmp_path, runner) -> None:  # type: ignore[no-untyped-def]
    one_translated_letter(case)
    out = tmp_path / "case.jsonl"
    result = invoke(runner, "export", "ftm", case.root, out, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entities"] == 18
    for data in [json.loads(line) for line in out.read_text("utf-8").splitlines()]:
        proxy = model.get_proxy(data, cleaned=False)
        proxy.schema.validate(data)  # raises InvalidData on any bad property
        for prop, values in data["properties"].items():
            prop_type = proxy.schema.get(prop).type
            assert all(prop_type.clean(v) is not None for v in values), (data["schema"], prop, values)


def test_a_value_ftm_would_drop_is_an_error_and_nothing_is_written(case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "In August 2021 the army moved twelve helicopters to Iturup.", language="en")
    with case.transaction() as conn:
        conn.execute(t.dispatch.update().values(media_type="not a type"))
    out = tmp_path / "x.jsonl"
    with pytest.raises(ExportError) as err:
        export_ftm(case, out)
    assert str(err.value) == "FollowTheMoney refused 'not a type' as Document.mimeType."
    assert not out.exists()


def test_claimreview_only_for_claims_with_a_verdict(case, tmp_path, runner) -> None:  # type: ignore[no-untyped-def]
    conflicting_letters(case)
    first = list_claims(case)[0]
    set_status(case, first["id"], "contradicted", "https://example.org/sat", "no helicopters on the images", "anna")
    out = tmp_path / "reviews.json"
    result = invoke(runner, "export", "claimreview", case.root, out, "--publisher", "Desk")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"1 claim reviews written to {out}\n"
    (review,) = json.loads(out.read_text("utf-8"))
    assert review["@type"] == "ClaimReview" and review["@context"] == "https://schema.org"
    assert review["claimReviewed"] == first["text"]
    assert review["reviewRating"]["alternateName"] == "Contradicted" and review["reviewRating"]["ratingValue"] == 1
    assert review["author"] == {"@type": "Organization", "name": "Desk"}
    assert review["citation"] == ["https://example.org/sat"]
    assert review["itemReviewed"]["temporalCoverage"] == "2021-08-01/2021-08-31"


def test_claimreview_writes_the_same_json_as_before(case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    one_translated_letter(case)
    first = list_claims(case)[0]
    set_status(case, first["id"], "contradicted", "https://example.org/sat", "no helicopters", "anna")
    out = tmp_path / "reviews.json"
    assert export_claimreview(case, out, "Desk") == {"file": str(out), "reviews": 1}
    expected = [{**CLAIMREVIEW[0], "datePublished": datetime.now(UTC).date().isoformat()}]
    assert out.read_text("utf-8") == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


def test_export_to_missing_folder_is_a_clear_error(case, tmp_path, runner) -> None:  # type: ignore[no-untyped-def]
    for kind, name in (("ftm", "x.jsonl"), ("claimreview", "x.json")):
        result = invoke(runner, "export", kind, case.root, tmp_path / "no" / name)
        assert result.exit_code == 1
        assert result.stderr.strip().endswith(f"{tmp_path / 'no'}: no such folder; choose where to write the export.")


def test_ftm_references_resolve_after_an_alias_merge(case, tmp_path) -> None:  # type: ignore[no-untyped-def]
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


CLAIMREVIEW = [{"@context": "https://schema.org",
  "@type": "ClaimReview",
  "claimReviewed": "Last August Sergei Ivanov of the FSB was preparing to move helicopters to Iturup.",
  "datePublished": "TODAY",
  "author": {"@type": "Organization", "name": "Desk"},
  "reviewRating": {"@type": "Rating",
                   "ratingValue": 1,
                   "bestRating": 5,
                   "worstRating": 1,
                   "alternateName": "Contradicted"},
  "itemReviewed": {"@type": "Claim",
                   "text": "В августе прошлого года Сергей Иванов из ФСБ готовил переброску вертолётов на Итуруп.",
                   "inLanguage": "ru",
                   "datePublished": "2022-03-17",
                   "appearance": {"@type": "CreativeWork", "name": "letter", "identifier": "dispatch:1"},
                   "temporalCoverage": "2021-08-01/2021-08-31"},
  "identifier": "claim:1",
  "reviewBody": "no helicopters",
  "citation": ["https://example.org/sat"]}]
