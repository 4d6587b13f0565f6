"""`leakdesk case report` (the HTML case report) and `leakdesk demo` (the bundled sample case, end to end)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leakdesk.cli.common import (
    CaseArg,
    DbOpt,
    JsonOpt,
    console,
    err_console,
    handle_errors,
    open_case,
    print_json,
    say,
    styled,
)
from leakdesk.cli.grammar import noun


@handle_errors
def report(case: CaseArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """Write the HTML case report (CASE/reports/report.html) and print its path."""
    from leakdesk.publish.report import build_report

    with open_case(case, db) as c:
        result = build_report(c)
    if json:
        print_json({"report": str(result.path), "sections": result.sections, "warnings": result.warnings})
        return
    for warning in result.warnings:
        say(err_console, styled("Warning:", "yellow"), f" {warning}")
    console.print(str(result.path), highlight=False, soft_wrap=True)


@handle_errors
def demo(
    case: Annotated[
        Path, typer.Option("--case", help="Folder for the demo case (an older demo case there is replaced).")
    ] = Path("demo-case"),
    json: JsonOpt = False,
) -> None:
    """Build the bundled sample case into a fresh case folder, run every stage, and write the case report."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from leakdesk.demo import run_demo

    quiet = json or not err_console.is_terminal
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("Preparing the demo case", total=None)
        result = run_demo(case, on_step=lambda name: progress.update(task, description=f"Demo: {name}"))
    if json:
        print_json(result.as_dict())
        raise typer.Exit(0 if result.ok else 1)
    steps = Table(title="leakdesk demo: stages", show_lines=False)
    steps.add_column("Stage")
    steps.add_column("Result")
    steps.add_column("Summary")
    steps.add_column("Seconds", justify="right")
    colour = {"ok": "green", "failed": "red", "skipped": "yellow"}
    for step in result.steps:
        steps.add_row(step.name, styled(step.status, colour[step.status]), step.summary, f"{step.seconds:.1f}")
    console.print(steps)
    view = result.overview
    counts = Table(title="The sample case", show_header=False)
    counts.add_column("What")
    counts.add_column("Count", justify="right")
    counts.add_row("dispatches", str(view.dispatches))
    counts.add_row("attachments", str(view.attachments))
    counts.add_row("errors", str(view.errors))
    counts.add_row("warnings", str(view.warnings))
    counts.add_row("variants (same Message-ID, other bytes)", str(view.variants))
    counts.add_row("decrypted", str(view.decrypted))
    counts.add_row("charset detected (declared one was wrong)", str(view.charset_detected))
    counts.add_row("languages", ", ".join(f"{k} {v}" for k, v in sorted(view.languages.items())) or "none")
    counts.add_row("series", ", ".join(f"{k} {v}" for k, v in sorted(view.series.items())) or "none")
    console.print(counts)
    for warning in result.report_warnings:
        say(err_console, styled("Warning:", "yellow"), f" {warning}")
    console.print(f"Case folder: {result.case_path}", highlight=False, soft_wrap=True)
    console.print(f"Report: {result.report}", highlight=False, soft_wrap=True)
    console.print(f"Open it in the web desk (log in as demo, password in {result.case_path}/demo-desk-password.txt):",
                  highlight=False, soft_wrap=True)
    console.print(f"  leakdesk serve {result.case_path}", highlight=False, soft_wrap=True, markup=False)
    if not result.ok:
        raise typer.Exit(1)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add `case report` and `demo` to the CLI."""
    noun(app, "case").command("report")(report)
    app.command("demo")(demo)
