"""Stages and their provenance: what a stage is, and the `stage_run` row each of its outputs is recorded with.

A stage turns store records into store records. It names the records it reads and writes, lists its items (a
dispatch, a text, a series), says which inputs each item's output depends on (hashed), and does one item at a time.
`leakdesk.pipeline` runs stages; capabilities declare theirs in their own `stages.py` without importing it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import now, utc
from leakdesk.store.tables import stage_run

ItemsFn = Callable[[Any, sa.Connection], list[str]]  # (case, conn) -> item keys in the order to run them
InputsFn = Callable[[Any, sa.Connection, str], Any]  # (case, conn, item) -> JSON-able inputs of that item
RunFn = Callable[[Any, str], dict[str, Any]]  # (case, item) -> what it wrote; commits its own transaction


@dataclass(frozen=True)
class Stage:
    name: str
    version: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    items: ItemsFn
    inputs: InputsFn
    run: RunFn
    description: str = ""


@dataclass(frozen=True)
class StageRun:
    stage: str
    item: str
    version: str
    input_hash: str
    status: str  # done | failed
    outputs: dict[str, Any]
    error: str | None
    actor: str
    finished: datetime


def input_hash(version: str, inputs: Any) -> str:
    """sha256 over the stage version and the canonical JSON of the inputs."""
    payload = json.dumps([version, inputs], ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def runs_of(conn: sa.Connection, stage: str) -> dict[str, StageRun]:
    """The recorded run of every item of one stage."""
    rows = conn.execute(sa.select(stage_run).where(stage_run.c.stage == stage))
    return {r.item: StageRun(r.stage, r.item, r.version, r.input_hash, r.status, r.outputs or {}, r.error, r.actor,
                             utc(r.finished) or r.finished) for r in rows}


def record(conn: sa.Connection, stage: Stage, item: str, digest: str, status: str, outputs: dict[str, Any],
           actor: str, error: str | None = None) -> None:
    """Replace the item's run record (one row per stage and item)."""
    conn.execute(stage_run.delete().where(stage_run.c.stage == stage.name, stage_run.c.item == item))
    conn.execute(stage_run.insert().values(stage=stage.name, item=item, version=stage.version, input_hash=digest,
                                           status=status, outputs=outputs, error=error, actor=actor,
                                           finished=now()))


def forget(conn: sa.Connection, stage: str | None = None) -> int:
    """Drop run records (of one stage) so the next run redoes that work; returns how many were dropped."""
    q = stage_run.delete()
    if stage is not None:
        q = q.where(stage_run.c.stage == stage)
    return int(conn.execute(q).rowcount or 0)


def upstream(conn: sa.Connection, stage: str, item: str) -> str | None:
    """The input hash another stage recorded for an item (None if it has not run): chaining it into a later stage's
    inputs makes the later stage out of date whenever the earlier one redid that item."""
    row = conn.execute(sa.select(stage_run.c.input_hash, stage_run.c.status)
                       .where(stage_run.c.stage == stage, stage_run.c.item == item)).first()
    return f"{row.status}:{row.input_hash}" if row is not None else None


def item_id(item: str) -> int:
    """The number in an item key ("dispatch:3" → 3)."""
    return int(item.split(":", 1)[1])


def count_rows(conn: sa.Connection, table: str) -> int:
    """How many rows a table of the case holds (for summaries)."""
    from leakdesk.store.tables import metadata

    return int(conn.execute(sa.select(sa.func.count()).select_from(metadata.tables[table])).scalar() or 0)
