"""Commands of the intake capability: ingest, dispatches, series."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leakdesk.cli.common import CaseArg, DbOpt, JsonOpt, console, err_console, handle_errors, open_case, print_json


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    app.command("ingest")(ingest)
    app.command("dispatches")(dispatches)
    series_app = typer.Typer(help="Series of dispatches claimed by one source.", no_args_is_help=True)
    series_app.callback()(_series_case)
    series_app.command("create")(series_create)
    series_app.command("assign")(series_assign)
    app.add_typer(series_app, name="series")


@handle_errors
def ingest(
    case: CaseArg,
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (.eml, .mbox, Maildir, .msg, .zip, documents).",
                                                show_default=False)],
    series: Annotated[str | None, typer.Option("--series", help="Put what is ingested into this series.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest emails, mailboxes and documents, keeping each original and its chain of custody."""
    from leakdesk.intake import ingest_paths

    with open_case(case, db) as c:
        result = ingest_paths(c, paths, series=series, progress=not as_json)
    for problem in result.problems:
        err_console.print(f"[bold red]Error:[/] {problem.line()}", highlight=False, soft_wrap=True, markup=True)
    if as_json:
        print_json(result.as_dict())
    else:
        console.print(
            f"{len(result.created)} new dispatches ({result.children} attachments and nested messages), "
            f"{len(result.re_received)} already in the case, {result.containers} containers, "
            f"{len(result.problems)} with problems.",
            highlight=False,
        )
        for v in result.variants:
            console.print(
                f"Variant: dispatch {v['dispatch_id']} has the same Message-ID {v['message_id']} as dispatch "
                f"{v['variant_of']} but different bytes (possible tampering).",
                highlight=False, markup=False,
            )
    if not result.ok:
        raise typer.Exit(1)


@handle_errors
def dispatches(
    case: CaseArg,
    variants: Annotated[bool, typer.Option("--variants", help="Only dispatches sharing a Message-ID.")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List dispatches and their attachments."""
    from leakdesk.intake import list_dispatches

    with open_case(case, db) as c:
        rows = list_dispatches(c, variants_only=variants)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "parent", "date", "subject / file", "lang", "series", "status", "variant of")
    for r in rows:
        table.add_row(
            str(r["id"]), str(r["parent_id"] or ""), (r["date"] or "")[:19], r["subject"] or r["filename"] or "",
            r["language"] or "", r["series"] or "", r["status"] if r["status"] == "ok" else f"error: {r['error']}",
            str(r["variant_of"] or ""),
        )
    console.print(table)


def _series_case(ctx: typer.Context, case: CaseArg, db: DbOpt = None) -> None:
    """Manage series: `leakdesk series CASE create NAME --source P`, `leakdesk series CASE assign NAME ID...`."""
    ctx.obj = (case, db)


@handle_errors
def series_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new series.")],
    source: Annotated[str | None, typer.Option("--source", help="Pseudonym of the source claiming it.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a series, attributed to a source's pseudonym."""
    from leakdesk.intake import create_series

    case, db = ctx.obj
    with open_case(case, db) as c:
        made = create_series(c, name, source)
    if as_json:
        print_json(made)
    else:
        console.print(f"Series '{made['name']}' created (id {made['id']}"
                      + (f", source {made['source']})." if made["source"] else ")."), highlight=False, markup=False)


@handle_errors
def series_assign(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The series.")],
    dispatch_ids: Annotated[list[int], typer.Argument(help="Dispatch ids.", show_default=False)],
    as_json: JsonOpt = False,
) -> None:
    """Put dispatches into a series."""
    from leakdesk.intake import assign_series

    case, db = ctx.obj
    with open_case(case, db) as c:
        done = assign_series(c, name, dispatch_ids)
    if as_json:
        print_json(done)
    else:
        console.print(f"{len(done['dispatches'])} dispatches now in series '{name}'.", highlight=False, markup=False)
