"""Entities, claims, verdicts, timeline and exports on a real PostgreSQL server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.claims.conftest import add_letter, add_translation
from tests.claims.test_entities import RU, RU_SEGMENTS
from tests.conftest import invoke

from leakdesk.case import Case


@pytest.fixture
def pg_case(tmp_path: Path, fresh_postgres_url: str):  # type: ignore[no-untyped-def]
    case = Case.init(tmp_path / "case", fresh_postgres_url)
    yield case
    case.close()


def test_claims_round_trip_on_postgres(runner, pg_case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dispatch_id, text_id = add_letter(pg_case, RU)
    add_translation(pg_case, dispatch_id, text_id, RU_SEGMENTS)
    # the first letter's transfer told again with another month: a conflict by meaning (the same man preparing a
    # transfer and later making one was matched by name alone until 2026-12-03; it is not one event told twice)
    add_letter(pg_case, "Last October Sergei Ivanov of the FSB was preparing to move helicopters to Etorofu.",
               language="en", subject="b")
    entities = json.loads(invoke(runner, "entities", pg_case.root, "--json").stdout)
    island = next(e for e in entities if e["name"] == "Iturup")
    assert island["mentions"] == 3  # Итуруп, its translation, Etorofu
    claims = json.loads(invoke(runner, "claims", pg_case.root, "--json").stdout)
    assert len(claims) == 3
    first = claims[0]
    verdict = invoke(runner, "claim", pg_case.root, first["id"], "--status", "corroborated", "--evidence",
                     "https://example.org/x", "--reviewer", "anna")
    assert verdict.exit_code == 0, verdict.output
    timeline = json.loads(invoke(runner, "timeline", pg_case.root, "--json").stdout)
    assert len(timeline["conflicts"]) == 1
    out = tmp_path / "out.jsonl"
    assert invoke(runner, "export", "ftm", pg_case.root, out).exit_code == 0
    assert invoke(runner, "export", "claimreview", pg_case.root, tmp_path / "cr.json").exit_code == 0
    assert len(json.loads((tmp_path / "cr.json").read_text("utf-8"))) == 1
