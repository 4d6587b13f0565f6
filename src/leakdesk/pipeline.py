"""The stage pipeline: run what is missing or out of date, skip the rest, record the provenance of every output.

Stages are declared by the capabilities (`STAGE_MODULES`, each with a `STAGES` list) in data-flow order. For each
stage the runner lists its items, hashes each item's inputs with the stage version, and compares with the item's
`stage_run` row: equal and done → skipped; otherwise the item is (re)done and its row replaced. A second run over an
unchanged case therefore redoes nothing. Later stages are planned only after earlier ones finished, so a changed
translation makes the claims that read it out of date in the same run.

The local runner works in-process. `workers=N` starts a local Dask `distributed` cluster and `dask="tcp://…"`
joins an existing one: the same item function is mapped over partitions of the items; every worker opens the case
itself (so the case must be on PostgreSQL with a shared originals folder for a real cluster).
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leakdesk.errors import LeakdeskError, UsageError
from leakdesk.store.records import provenance
from leakdesk.store.records.provenance import Stage

if TYPE_CHECKING:
    from leakdesk.case import Case

STAGE_MODULES = ["leakdesk.language.stages", "leakdesk.claims.stages", "leakdesk.authorship.stages"]
PARTITION = 50  # items per Dask task
ERROR_LIMIT = 500  # characters of an error message kept in stage_run


@dataclass
class StageReport:
    name: str
    version: str
    done: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # "dispatch:3: why", first few only
    seconds: float = 0.0  # wall time of the stage (planning included)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "done": self.done, "skipped": self.skipped,
                "failed": self.failed}


@dataclass
class RunReport:
    stages: list[StageReport]

    @property
    def ok(self) -> bool:
        return not any(s.failed for s in self.stages)

    def as_json(self) -> dict[str, Any]:
        return {"stages": [s.as_json() for s in self.stages]}


@dataclass(frozen=True)
class Outcome:
    item: str
    status: str  # done | failed
    outputs: dict[str, Any]
    error: str | None = None


Progress = Callable[[str, int, int], None]  # (stage name, items finished, items to do)


def all_stages() -> list[Stage]:
    """Every stage, in data-flow order."""
    out: list[Stage] = []
    for name in STAGE_MODULES:
        out += importlib.import_module(name).STAGES
    return out


def select(names: list[str] | None) -> list[Stage]:
    """The stages named (in pipeline order), or all; an unknown name is refused with the list of known ones."""
    stages = all_stages()
    if not names:
        return stages
    known = {s.name for s in stages}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"No such stage {', '.join(unknown)}; the stages are: {', '.join(s.name for s in stages)}.")
    return [s for s in stages if s.name in names]


def stage_by_name(name: str) -> Stage:
    return select([name])[0]


def plan(case: Case, stage: Stage) -> tuple[list[tuple[str, str]], int]:
    """(items to do with their input hash, number up to date) for one stage."""
    with case.connect() as conn:
        runs = provenance.runs_of(conn, stage.name)
        todo: list[tuple[str, str]] = []
        fresh = 0
        for item in stage.items(case, conn):
            digest = provenance.input_hash(stage.version, stage.inputs(case, conn, item))
            last = runs.get(item)
            if last is not None and last.status == "done" and last.input_hash == digest:
                fresh += 1
            else:
                todo.append((item, digest))
    return todo, fresh


def run_items(case: Case, stage: Stage, todo: list[tuple[str, str]],
              tick: Callable[[int], None] | None = None) -> list[Outcome]:
    """Do the items of one stage and record each one's provenance (the function Dask maps over partitions)."""
    out = []
    for item, digest in todo:
        try:
            outputs = stage.run(case, item)
            outcome = Outcome(item, "done", outputs)
        except LeakdeskError as exc:
            outcome = Outcome(item, "failed", {}, str(exc)[:ERROR_LIMIT])
        except Exception as exc:  # one bad letter must not stop the others; the reason is recorded
            outcome = Outcome(item, "failed", {}, f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT])
        with case.transaction() as conn:
            provenance.record(conn, stage, item, digest, outcome.status, outcome.outputs, case.actor, outcome.error)
        out.append(outcome)
        if tick:
            tick(1)
    return out


def _partition_task(root: str, db_url: str | None, actor: str, stage_name: str,
                    todo: list[tuple[str, str]]) -> list[Outcome]:
    """One Dask task: open the case on the worker and do one partition of a stage's items."""
    from leakdesk.case import Case

    with Case.open(Path(root), db_url, actor=actor) as case:
        return run_items(case, stage_by_name(stage_name), todo)


@contextmanager
def dask_client(workers: int | None, address: str | None) -> Iterator[Any]:
    """A Dask client: on a local `distributed` cluster of `workers` processes, or on the scheduler at `address`."""
    if not workers and not address:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - distributed is a declared dependency
        raise UsageError("Dask is not installed; install leakdesk with its 'dask' extra.") from exc
    if address:
        if not address.startswith(("tcp://", "tls://")):
            raise UsageError(f"'{address}' is not a Dask scheduler address; give one like tcp://host:8786.")
        try:
            client = Client(address, timeout="10s")
        except OSError as exc:
            raise UsageError(f"Cannot reach the Dask scheduler at {address} ({exc}).") from exc
        client.run(all_stages)
        try:
            yield client
        finally:
            client.close()
        return
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1 (got {workers}).")
    env = {k: v for k, v in os.environ.items() if k.startswith("LEAKDESK_") or k == "PYTHONPATH"}
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           env=env)
    client = Client(cluster)
    client.run(all_stages)  # every worker loads the stage modules (and their libraries) at once, in parallel
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def run(case: Case, names: list[str] | None = None, *, progress: Progress | None = None,
        workers: int | None = None, dask: str | None = None, partition: int = PARTITION) -> RunReport:
    """Run the stages named (default: all) over the case; see the module docstring."""
    stages = select(names)
    reports: list[StageReport] = []
    with dask_client(workers, dask) as client:
        for stage in stages:
            report = StageReport(stage.name, stage.version)
            started = time.perf_counter()
            todo, report.skipped = plan(case, stage)
            finished = 0

            def tick(n: int, stage: Stage = stage, total: int = len(todo)) -> None:
                nonlocal finished
                finished += n
                if progress:
                    progress(stage.name, finished, total)

            if progress:
                progress(stage.name, 0, len(todo))
            if client is None or not todo:
                outcomes = run_items(case, stage, todo, tick)
            else:
                outcomes = _run_on_dask(client, case, stage, todo, partition, tick)
            for o in outcomes:
                if o.status == "done":
                    report.done += 1
                else:
                    report.failed += 1
                    if len(report.errors) < 5:
                        report.errors.append(f"{o.item}: {o.error}")
            report.seconds = round(time.perf_counter() - started, 2)
            reports.append(report)
    result = RunReport(reports)
    with case.transaction() as conn:
        case.audit(conn, "pipeline.run", case.root.name,
                   {"stages": [s.as_json() for s in reports], "dask": bool(workers or dask)})
    return result


def _run_on_dask(client: Any, case: Case, stage: Stage, todo: list[tuple[str, str]], partition: int,
                 tick: Callable[[int], None]) -> list[Outcome]:
    from distributed import as_completed

    # Workers get the database URL without its password: they read it where this desk does (the desk home's
    # pgpass, or PGPASSWORD), so it never travels in a task or lands in a worker's log.
    db_url = None if case.engine.url.get_backend_name() == "sqlite" else case.engine.url.set(password=None) \
        .render_as_string(hide_password=False)
    chunks = [todo[i : i + partition] for i in range(0, len(todo), partition)]
    futures = [client.submit(_partition_task, str(case.root.resolve()), db_url, case.actor, stage.name, chunk,
                             pure=False) for chunk in chunks]
    outcomes: list[Outcome] = []
    for future in as_completed(futures):
        done = future.result()
        outcomes += done
        tick(len(done))
    return outcomes
