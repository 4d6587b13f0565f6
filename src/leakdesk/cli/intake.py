"""Commands of the intake capability: ingest, dispatches, series."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

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
    untrusted,
)


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
    # Warnings first, each on its own line: whatever a letter holds, a later line cannot hide an earlier one.
    for problem in result.problems:
        say(err_console, styled("Error:", "bold red"), " ", untrusted(problem.line()))
    for warning in result.warnings:
        say(err_console, styled("Warning:", "yellow"), " ", untrusted(warning.line()))
    if as_json:
        print_json(result.as_dict())
        _exit(result.ok)
        return
    for v in result.variants:
        say(console, "Two different copies share the Message-ID ", untrusted(v["message_id"]),
            f": dispatches {v['variant_of']} and {v['dispatch_id']} (listed by "
            "`leakdesk dispatches CASE --variants`).")
    say(console,
        f"{len(result.created)} new dispatches ({result.children} attachments and nested messages), "
        f"{len(result.re_received)} already in the case, {result.containers} containers, "
        f"{len(result.problems)} with errors, {len(result.warnings)} with warnings.")
    _exit(result.ok)


def _exit(ok: bool) -> None:
    if not ok:
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
    from leakdesk.intake.pgp import pgp_label

    with open_case(case, db) as c:
        rows = list_dispatches(c, variants_only=variants)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "parent", "date", "subject / file", "lang", "series", "status", "PGP", "variant of")
    for r in rows:
        table.add_row(
            str(r["id"]), str(r["parent_id"] or ""), untrusted((r["date"] or "")[:19]),
            untrusted(r["subject"] or r["filename"] or ""), untrusted(r["language"] or ""),
            untrusted(r["series"] or ""), _status_cell(r),
            untrusted(pgp_label(r["pgp_status"], r["pgp_details"])), str(r["variant_of"] or ""),
        )
    console.print(table)


def _status_cell(row: dict) -> str:  # type: ignore[type-arg]
    if row["status"] == "error":
        return untrusted(f"error: {row['error']}")
    if row["status"] == "warning":
        return untrusted(f"warning: {row['warning']}")
    return str(row["status"])


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
