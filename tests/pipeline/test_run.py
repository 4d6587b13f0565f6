"""`leakdesk run`: what is missing or out of date is done, the rest skipped; provenance in `stage_run`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk import pipeline
from leakdesk.case import Case
from leakdesk.errors import UsageError
from leakdesk.intake import ingest_paths
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.store.test_records import _letters

LIGHT = ["language-id", "entities", "dates", "claims"]


@pytest.fixture
def mail_case(case: Case, tmp_path: Path) -> Case:
    ingest_paths(case, _letters(tmp_path / "mail"), series="Veter", progress=False)
    return case


def counts(report: pipeline.RunReport) -> dict[str, tuple[int, int, int]]:
    return {s.name: (s.done, s.skipped, s.failed) for s in report.stages}


def test_second_run_redoes_nothing_and_a_change_redoes_only_what_depends_on_it(mail_case: Case) -> None:
    first = pipeline.run(mail_case, LIGHT)
    with mail_case.connect() as conn:
        readable = conn.execute(sa.select(sa.func.count()).select_from(t.text)).scalar()
        letters = conn.execute(sa.select(sa.func.count()).select_from(t.dispatch)).scalar()
        timex_rows = conn.execute(sa.select(sa.func.count()).select_from(t.timex)).scalar()
    assert counts(first)["dates"] == (letters, 0, 0)
    assert counts(first)["entities"] == (readable, 0, 0)
    assert counts(first)["claims"][2] == 0
    assert timex_rows > 0  # "Вчера" in every letter

    second = pipeline.run(mail_case, LIGHT)
    assert all(s.done == 0 and s.failed == 0 for s in second.stages)
    assert counts(second)["dates"] == (0, letters, 0)

    # A letter's date changes: its dates and claims (and its attachment's, anchored on it) are redone, nothing else.
    with mail_case.transaction() as conn:
        first_letter = conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.parent_id.is_(None))
                                    .order_by(t.dispatch.c.id)).scalar()
        conn.execute(t.dispatch.update().where(t.dispatch.c.id == first_letter)
                     .values(date="2021-05-05T10:00:00+03:00"))
    third = counts(pipeline.run(mail_case, LIGHT))
    assert third["dates"] == (2, letters - 2, 0)
    assert third["entities"] == (0, readable, 0)
    assert third["claims"][0] == 2 and third["claims"][2] == 0
    with mail_case.connect() as conn:
        anchors = {r.anchor.isoformat() for r in conn.execute(
            sa.select(t.timex.c.anchor).where(t.timex.c.dispatch_id == first_letter))}
    assert anchors == {"2021-05-05"}


def test_stage_run_rows_record_version_and_input_hash(mail_case: Case) -> None:
    pipeline.run(mail_case, ["dates"])
    with mail_case.connect() as conn:
        rows = conn.execute(sa.select(t.stage_run).order_by(t.stage_run.c.item)).all()
    assert {r.stage for r in rows} == {"dates"}
    assert all(r.status == "done" and len(r.input_hash) == 64 and r.actor == "tester" for r in rows)
    assert all(r.version == pipeline.stage_by_name("dates").version for r in rows)


def test_unknown_stage_is_refused_with_the_list() -> None:
    with pytest.raises(UsageError) as err:
        pipeline.select(["datez"])
    assert str(err.value).startswith("No such stage datez; the stages are: language-id, translation-drafts, ")


def test_cli_json_shape_and_second_run(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    first = invoke(runner, "run", mail_case.root, "dates", "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data == {"stages": [{"name": "dates", "version": pipeline.stage_by_name("dates").version, "done": 6,
                                "skipped": 0, "failed": 0}]}
    again = json.loads(invoke(runner, "run", mail_case.root, "dates", "--json").stdout)
    assert again["stages"][0]["done"] == 0 and again["stages"][0]["skipped"] == 6
    table = invoke(runner, "run", mail_case.root, "dates")
    assert "│ dates" in table.stdout and table.exit_code == 0


def test_cli_unknown_stage_exit_code(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "run", mail_case.root, "nope")
    assert result.exit_code == 2
    assert "No such stage nope; the stages are:" in result.stderr


def test_a_failing_item_is_recorded_and_redone_next_time(mail_case: Case, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.claims import stages as claim_stages

    dates = next(s for s in claim_stages.STAGES if s.name == "dates")

    def broken(case: Case, item: str) -> dict:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(claim_stages, "STAGES", [dates.__class__(**{**dates.__dict__, "run": broken})])
    report = pipeline.run(mail_case, ["dates"])
    assert counts(report)["dates"] == (0, 0, 6)
    assert report.stages[0].errors[0].endswith(": RuntimeError: engine exploded")
    monkeypatch.undo()
    assert counts(pipeline.run(mail_case, ["dates"]))["dates"] == (6, 0, 0)
