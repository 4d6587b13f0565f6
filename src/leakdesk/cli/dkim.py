"""`leakdesk dispatch dkim` and `dispatch smime`: DKIM/ARC and S/MIME signature verdicts for the case's emails."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leakdesk.cli.common import (
    CaseArg,
    DbOpt,
    JsonOpt,
    console,
    dispatch_numbers,
    err_console,
    handle_errors,
    open_case,
    print_json,
)
from leakdesk.cli.grammar import noun

if TYPE_CHECKING:
    from rich.progress import Progress


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    noun(app, "dispatch").command("dkim")(dkim)
    noun(app, "dispatch").command("smime")(smime)


def progress_bar(quiet: bool, what: str) -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err_console, disable=quiet or not err_console.is_terminal, transient=True)


@handle_errors
def dkim(
    case: CaseArg,
    dispatch_ids: Annotated[list[str] | None, typer.Argument(metavar="DISPATCH", show_default=False,
                                                            help="Emails to check (default: every email).")] = None,
    dns_file: Annotated[Path | None, typer.Option(
        "--dns-file", help='Public keys as zone-file TXT records (NAME [TTL] IN TXT "…"), used before DNS.')] = None,
    use_dns: Annotated[bool, typer.Option("--dns/--no-dns", help="Look up keys missing from --dns-file in DNS.")]
    = True,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify the DKIM signatures and ARC chain of emails; each verdict says where its key came from."""
    from rich.table import Table

    from leakdesk.intake.dkim import check_case

    with open_case(case, db) as c, progress_bar(as_json, "Checking DKIM") as progress:
        task = progress.add_task("dkim", total=None)
        results = check_case(c, dispatch_numbers(dispatch_ids), dns_file=dns_file, use_dns=use_dns,
                             progress=lambda: progress.advance(task))
    if as_json:
        print_json(results)
        return
    table = Table()
    for column in ("dispatch", "kind", "domain", "selector", "result", "key from", "reason"):
        table.add_column(column, overflow="fold")  # never cut a reason or a domain short
    for r in results:
        if not r["signatures"]:
            table.add_row(str(r["dispatch_id"]), "", "", "", "unsigned", "", "")
        for s in r["signatures"]:
            table.add_row(str(r["dispatch_id"]), s["kind"], s["domain"] or "", s["selector"] or "", s["result"],
                          s["key_source"] or "", s["reason"] or "")
    console.print(table, markup=False, highlight=False)
    _print_counts(results, "emails checked", "No emails to check.")


@handle_errors
def smime(
    case: CaseArg,
    dispatch_ids: Annotated[list[str] | None, typer.Argument(
        metavar="DISPATCH", show_default=False, help="Emails to check (default: every S/MIME-signed email).")] = None,
    ca_file: Annotated[Path, typer.Option(
        "--ca", help="The desk's CA certificates (PEM) that signers' certificates must chain to.",
        show_default=False)] = ...,  # type: ignore[assignment]
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify the S/MIME signatures of emails against the desk's CA file: good, bad, unknown signer or expired."""
    from leakdesk.intake.smime import check_case

    with open_case(case, db) as c, progress_bar(as_json, "Checking S/MIME") as progress:
        task = progress.add_task("smime", total=None)
        results = check_case(c, ca_file, dispatch_numbers(dispatch_ids), progress=lambda: progress.advance(task))
    if as_json:
        print_json(results)
        return
    print_smime_table(results)


def print_smime_table(results: list[dict]) -> None:  # type: ignore[type-arg]
    """The S/MIME verdicts as a table and a one-line count (also printed by `dispatch ingest --smime-ca`)."""
    from rich.table import Table

    table = Table()
    for column in ("dispatch", "result", "signer", "issuer", "CA file", "reason"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(str(r["dispatch_id"]), r["result"], r["signer_subject"] or "", r["signer_issuer"] or "",
                      r["ca_file"], r["reason"] or "")
    console.print(table, markup=False, highlight=False)
    _print_counts(results, "S/MIME signatures checked", "No S/MIME-signed emails to check.")


def _print_counts(results: list[dict], checked: str, nothing: str) -> None:  # type: ignore[type-arg]
    """One line: how many were checked and how many gave each result, or `nothing` when there were none."""
    counts: dict[str, int] = {}
    for r in results:
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    console.print(f"{len(results)} {checked}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + "."
                  if results else nothing, markup=False, highlight=False)
