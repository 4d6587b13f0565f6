"""`leakdesk init` and `leakdesk fsck`: make a case, and prove it is intact."""

from __future__ import annotations

from typing import Annotated

import typer

from leakdesk.case import Case
from leakdesk.cli.common import CaseArg, DbOpt, JsonOpt, console, handle_errors, open_case, print_json, say, styled
from leakdesk.store.fsck import fsck as run_fsck


@handle_errors
def init(
    case: CaseArg,
    db: DbOpt = None,
    languages: Annotated[str, typer.Option(help="Languages of the case, comma-separated.")] = "ru,en",
) -> None:
    """Create a case folder: case.db (or a PostgreSQL schema), originals/, exports/."""
    made = Case.init(case, db, [x.strip() for x in languages.split(",") if x.strip()])
    console.print(f"Case created at {made.root} ({made.engine.dialect.name}).")
    made.close()


@handle_errors
def fsck(case: CaseArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """Re-hash every original, check every reference to one, and verify the audit chain."""
    with open_case(case, db) as c, c.connect() as conn:
        report = run_fsck(conn, c.originals)
    if json:
        print_json(report.as_dict())
    else:
        console.print(
            f"Checked {report.originals_checked} originals and {report.audit_rows} audit entries.",
            highlight=False,
        )
        for d in report.damaged_originals + report.missing_originals:
            say(console, styled(f"Original {d['sha256']}", "red"), f": {d['problem']}.")
        for r in report.dangling_references:
            say(console, styled(f"Missing original {r['sha256']}", "red"),
                f" referred to by {', '.join(r['referenced_by'])}.")
        for b in report.broken_audit_rows:
            say(console, styled(f"Audit entry {b['seq']}", "red"), f": {b['problem']}.")
        say(console, styled("All is well.", "green") if report.ok else styled("The case is damaged.", "red"))
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    app.command()(init)
    app.command()(fsck)
