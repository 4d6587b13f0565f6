"""`leakdesk run`: the stage pipeline over a case (what is missing or out of date; the rest is skipped)."""

from __future__ import annotations

from typing import Annotated

import typer

from leakdesk.cli.common import CaseArg, DbOpt, JsonOpt, console, err_console, handle_errors, open_case, print_json


@handle_errors
def run(
    case: CaseArg,
    stages: Annotated[list[str] | None, typer.Argument(help="Stages to run (default: all, in pipeline order).",
                                                       show_default=False)] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Run on a local Dask cluster of N processes.",
                                                show_default=False)] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="Run on the Dask scheduler at this address "
                                             "(tcp://host:8786); the case must be on PostgreSQL.",
                                             show_default=False)] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the analysis stages that are missing or out of date; a second run redoes nothing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from leakdesk.pipeline import run as run_pipeline

    quiet = as_json or not err_console.is_terminal
    with open_case(case, db) as c, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, disable=quiet, transient=True,
    ) as progress:
        task = progress.add_task("Planning", total=None)

        def show(stage: str, finished: int, total: int) -> None:
            progress.update(task, description=f"Stage {stage}", completed=finished, total=total or None)

        report = run_pipeline(c, stages or None, progress=show, workers=workers, dask=dask)
    if as_json:
        print_json(report.as_json())
    else:
        table = Table("stage", "version", "done", "skipped", "failed", title="leakdesk run")
        for s in report.stages:
            table.add_row(s.name, s.version, str(s.done), str(s.skipped), str(s.failed))
        console.print(table)
        for s in report.stages:
            for error in s.errors:
                err_console.print(f"Error in stage {s.name}: {error}", markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add `run` to the CLI."""
    app.command("run")(run)
