"""Commands of the authorship capability: `series verify|report`, `dispatch review|status`, `reference add|list|
remove`."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from leakdesk.cli.common import (
    CaseArg,
    DbOpt,
    DispatchIdArg,
    DispatchOpt,
    JsonOpt,
    console,
    dispatch_number,
    err_console,
    handle_errors,
    open_case,
    optional_dispatch,
    print_json,
    say,
)
from leakdesk.cli.grammar import noun
from leakdesk.errors import UsageError


def _working(message: str, quiet: bool):  # type: ignore[no-untyped-def]
    """A spinner on stderr while the methods run (not with --json, not when stderr is not a terminal)."""
    if quiet or not err_console.is_terminal:
        return nullcontext()
    return err_console.status(message)


SeriesNameArg = Annotated[str | None, typer.Argument(metavar="NAME", help="The series (by name).",
                                                    show_default=False)]
OldSeriesOpt = Annotated[str | None, typer.Option("--series", hidden=True)]  # the old `verify --series NAME`


def _series_name(name: str | None, old_option: str | None, verb: str) -> str:
    if name and old_option and name != old_option:
        raise UsageError(f"Two series were named ({name!r} and {old_option!r}); name one.")
    chosen = name or old_option
    if not chosen:
        raise UsageError(f"Name the series: `leakdesk series {verb} CASE NAME`.")
    return chosen


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    series = noun(app, "series")
    series.command("verify")(verify)
    series.command("report")(series_report)
    group = noun(app, "dispatch")
    group.command("review")(review)
    group.command("status")(status)
    references = noun(app, "reference")
    references.command("add")(reference_add)
    references.command("list")(reference_list)
    references.command("show")(reference_show)
    references.command("remove")(reference_remove)


@handle_errors
def verify(
    case: CaseArg,
    name: SeriesNameArg = None,
    dispatch: DispatchOpt = None,
    series: OldSeriesOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Is each letter of the series by the same writer as the series' other letters?"""
    from rich.table import Table

    from leakdesk.authorship.casework import verify_series

    chosen = _series_name(name, series, "verify")
    with open_case(case, db) as c, _working(f"Comparing the letters of '{chosen}'…", as_json):
        results = verify_series(c, chosen, optional_dispatch(dispatch))
    if as_json:
        print_json(results)
        return
    table = Table("dispatch", "letter", "P(same)", "decision", "reasons", show_lines=True)
    for r in results:
        table.add_row(str(r["dispatch_id"]), r["label"][:40], f"{r['probability']:.2f}", r["decision"],
                      "\n".join(r["reasons"][:4]))  # fmt: skip
    console.print(table)


@handle_errors
def series_report(case: CaseArg, name: SeriesNameArg = None, series: OldSeriesOpt = None, db: DbOpt = None,
                  as_json: JsonOpt = False) -> None:
    """Consistency of every letter, outliers, pairwise matrix and the number of hands; figures for the report."""
    from leakdesk.authorship.series import series_report as run

    series = _series_name(name, series, "report")
    with open_case(case, db) as c, _working(f"Comparing every pair of letters of '{series}'…", as_json):
        result = run(c, series)
    if as_json:
        print_json(result)
        return
    n_hands = len(result["hands"])
    console.print(f"Series '{series}': {len(result['letters'])} letters, "
                  f"{n_hands} hand{'s' if n_hands != 1 else ''} found.", highlight=False)  # fmt: skip
    ids = result["matrix"]["dispatch_ids"]
    for hand in result["hands"]:
        members = ", ".join(str(ids[m]) for m in hand["members"])
        console.print(f"  hand {hand['hand']}: dispatches {members}", highlight=False)
    if result.get("basis"):
        console.print(f"Based on {result['basis']}.", highlight=False)
    if result["outliers"]:
        console.print(f"Outliers (judged by another writer): {', '.join(map(str, result['outliers']))}",
                      highlight=False)  # fmt: skip
    console.print(f"Figures: {result['figures']['heatmap']}, {result['figures']['dendrogram']}", highlight=False)


@handle_errors
def review(
    case: CaseArg,
    dispatch_id: DispatchIdArg,
    confidence: Annotated[float, typer.Option("--confidence", help="0 to 1.", show_default=False)],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who judged.", show_default=False)],
    verdict_status: Annotated[str | None, typer.Option("--status", help="The verdict: genuine, doubtful or fake.",
                                                       show_default=False)] = None,
    old_verdict: Annotated[str | None, typer.Option("--verdict", hidden=True)] = None,  # the old spelling
    note: Annotated[str | None, typer.Option("--note", help="Why.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an expert's judgment of ONE dispatch (it says nothing about the other letters)."""
    from leakdesk.authorship.casework import dispatch_status
    from leakdesk.authorship.casework import review as record

    verdict = verdict_status or old_verdict
    if not verdict:
        raise UsageError("Give the verdict with --status genuine, doubtful or fake.")
    dispatch = dispatch_number(dispatch_id)
    with open_case(case, db) as c:
        result = record(c, dispatch, verdict, confidence, reviewer, note)
        result["status"] = dispatch_status(c, dispatch)["status"]
    if as_json:
        print_json(result)
        return
    console.print(f"Recorded: {reviewer} judges dispatch {dispatch} {verdict} (confidence {confidence:g}). "
                  f"Its status is now: {result['status']}.", highlight=False)  # fmt: skip


@handle_errors
def status(
    case: CaseArg,
    dispatch_id: DispatchIdArg,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A dispatch's verification status, from its own authorship verdict and its own reviews only."""
    from leakdesk.authorship.casework import dispatch_status

    dispatch = dispatch_number(dispatch_id)
    with open_case(case, db) as c:
        result = dispatch_status(c, dispatch)
    if as_json:
        print_json(result)
        return
    a = result["authorship"]
    console.print(f"Dispatch {dispatch}: {result['status']}", highlight=False)
    if a:
        console.print(f"  authorship: {a['decision']} (P(same) {a['probability']:.2f})", highlight=False)
    for r in result["reviews"]:
        console.print(f"  {r['reviewer']}: {r['verdict']} ({r['confidence']:g}) {r['note'] or ''}", highlight=False)


@handle_errors
def reference_add(
    case: CaseArg,
    path: Annotated[Path, typer.Argument(help="A text file or a folder of .txt files.", show_default=False)],
    language: Annotated[str, typer.Option("--language", help="Language of the texts, e.g. ru.", show_default=False)],
    label: Annotated[str | None, typer.Option("--label", help="A name for the writer (default: file name).")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add texts by other writers to the case's reference pool."""
    from leakdesk.authorship.casework import add_references

    with open_case(case, db) as c:
        result = add_references(c, path, language, label)
    if as_json:
        print_json(result)
    else:
        console.print(f"{len(result['added'])} reference texts added in {language}, "
                      f"{len(result['already_present'])} already present, {len(result['refused'])} refused.",
                      highlight=False)  # fmt: skip
        for r in result["refused"]:
            console.print(f"  refused {r['file']}: {r['reason']}", highlight=False)
    if result["refused"]:
        raise typer.Exit(1)


@handle_errors
def reference_list(case: CaseArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List the reference pool."""
    from leakdesk.authorship.casework import list_references

    with open_case(case, db) as c:
        found = list_references(c)
    if as_json:
        print_json(found)
        return
    for r in found:
        console.print(f"{r['id']}  {r['language']}  {r['words']} words  {r['label']}", markup=False, highlight=False)
    if not found:
        console.print("The reference pool is empty; add texts with `leakdesk reference add CASE PATH --language L`.")


ReferenceArg = Annotated[int, typer.Argument(metavar="REFERENCE", help="The reference text's number (see "
                                            "`leakdesk reference list`).", show_default=False)]


@handle_errors
def reference_show(case: CaseArg, reference_id: ReferenceArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """One reference text: its writer's label, language, original and the text itself."""
    from leakdesk.authorship.casework import show_reference

    with open_case(case, db) as c:
        found = show_reference(c, reference_id)
    if as_json:
        print_json(found)
        return
    say(console, f"Reference text {found['id']}: {found['label']} ({found['language']}, {found['words']} words)")
    say(console, f"Added {found['added']}; original sha256 {found['sha256']}")
    say(console, "")
    say(console, found["text"])


@handle_errors
def reference_remove(
    case: CaseArg,
    reference_id: Annotated[int, typer.Argument(metavar="REFERENCE", help="The reference text's number (see "
                                                "`leakdesk reference list`).", show_default=False)],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Take one text out of the reference pool (its original and custody stay)."""
    from leakdesk.authorship.casework import remove_reference

    with open_case(case, db) as c:
        gone = remove_reference(c, reference_id)
    if as_json:
        print_json(gone)
    else:
        console.print(f"Reference text {gone['id']} ({gone['label']}) removed from the pool.", markup=False,
                      highlight=False)
