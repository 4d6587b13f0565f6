"""The Dask runner on a real local `distributed` cluster and a real PostgreSQL gives the same records as a local run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from leakdesk import pipeline
from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from leakdesk.store import tables as t
from tests.store.test_records import _letters

STAGES = ["language-id", "entities", "dates", "claims"]


def _records(case: Case) -> dict[str, Any]:
    """What the stages wrote, without ids that depend on who wrote first."""
    with case.connect() as conn:
        timex = sorted(tuple(r) for r in conn.execute(sa.select(
            t.timex.c.dispatch_id, t.timex.c.start_char, t.timex.c.surface, t.timex.c.value, t.timex.c.anchor_source)))
        claims = sorted(tuple(r) for r in conn.execute(sa.select(
            t.claim.c.dispatch_id, t.claim.c.start_char, t.claim.c.text, t.claim.c.time_value, t.claim.c.modality)))
        mentions = sorted(tuple(r) for r in conn.execute(sa.select(
            t.mention.c.dispatch_id, t.mention.c.start_char, t.mention.c.surface, t.entity.c.name)
            .join(t.entity, t.entity.c.id == t.mention.c.entity_id)))
        entities = sorted(tuple(r) for r in conn.execute(sa.select(t.entity.c.type, t.entity.c.name)))
        runs = sorted(tuple(r) for r in conn.execute(sa.select(
            t.stage_run.c.stage, t.stage_run.c.item, t.stage_run.c.input_hash, t.stage_run.c.status)))
    return {"timex": timex, "claims": claims, "mentions": mentions, "entities": entities, "runs": runs}


def _case(root: Path, mail: Path, db_url: str | None) -> Case:
    case = Case.init(root, db_url)
    ingest_paths(case, _letters(mail), series="Veter", progress=False)
    return case


@pytest.mark.slow
def test_dask_run_on_postgres_gives_the_local_records(tmp_path: Path, fresh_postgres_url: str,
                                                       postgres_server: Any) -> None:
    local = _case(tmp_path / "local", tmp_path / "mail-a", postgres_server.create_database("local"))
    spread = _case(tmp_path / "spread", tmp_path / "mail-b", fresh_postgres_url)
    try:
        expected = pipeline.run(local, STAGES)
        report = pipeline.run(spread, STAGES, workers=2, partition=2)
        assert report.as_json() == expected.as_json()
        assert all(s.failed == 0 for s in report.stages)
        got = _records(spread)
        assert got["timex"] and got["claims"] and got["mentions"]
        assert got == _records(local)
        again = pipeline.run(spread, STAGES, workers=2, partition=2)
        assert all(s.done == 0 and s.failed == 0 for s in again.stages)
    finally:
        local.close()
        spread.close()


def test_dask_address_must_be_a_scheduler_address(case: Case) -> None:
    from leakdesk.errors import UsageError

    with pytest.raises(UsageError) as err:
        pipeline.run(case, ["dates"], dask="localhost:8786")
    assert str(err.value) == "'localhost:8786' is not a Dask scheduler address; give one like tcp://host:8786."
