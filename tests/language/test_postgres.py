"""The translation desk on a real PostgreSQL server: import, review, memory, glossary, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leakdesk.case import Case
from tests.conftest import invoke
from tests.language.conftest import LETTER_EN, LETTER_RU, add_dispatch


@pytest.fixture
def pg_case(tmp_path: Path, fresh_postgres_url: str):  # type: ignore[no-untyped-def]
    case = Case.init(tmp_path / "case", fresh_postgres_url)
    yield case
    case.close()


def test_translation_round_trip_on_postgres(runner, pg_case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.language.report import sections

    letter = add_dispatch(pg_case, LETTER_RU)
    translation = tmp_path / "en.txt"
    translation.write_text(LETTER_EN, "utf-8")
    imported = invoke(runner, "translate", pg_case.root, letter, "--import", translation, "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["details"]["beads"] == {"1-1": 7, "2-1": 1}
    invoke(runner, "segment", pg_case.root, letter, 1, "--correct", "I write about the deliveries of 12 March 2021.")
    invoke(runner, "translation", pg_case.root, letter, "--status", "final")
    diff = json.loads(invoke(runner, "translation", pg_case.root, letter, "--diff", 1, 2, "--json").stdout)
    assert [c["segment"] for c in diff["changes"]] == [1]
    again = add_dispatch(pg_case, "Груз прибыл в Новороссийск с опозданием на три дня.")
    draft = json.loads(invoke(runner, "translate", pg_case.root, again, "--json").stdout)
    assert draft["segments"][0]["target"] == "The cargo arrived in Novorossiysk three days late."
    invoke(runner, "glossary", "add", pg_case.root, "смежники", "related services")
    findings = json.loads(invoke(runner, "glossary", "check", pg_case.root, "--json").stdout)["findings"]
    assert {f["segment"] for f in findings} == {4, 6}
    assert "<td>final</td>" in sections(pg_case)[0].html
