"""`leakdesk date extract` (temporal expressions of each dispatch) and `leakdesk eval timex` (TempEval-3 scores)."""

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
    optional_dispatch,
    print_json,
    say,
    styled,
    untrusted,
)
from leakdesk.cli.grammar import noun
from leakdesk.errors import UsageError


@handle_errors
def dates(
    case: CaseArg,
    dispatch: Annotated[str | None, typer.Argument(metavar="DISPATCH", help="Only this dispatch.",
                                                  show_default=False)] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Find dates, periods, durations and repeated times in each dispatch, anchored on the letter's own date."""
    from rich.progress import Progress

    from leakdesk.claims.timex.casework import extract_case_dates

    show = not json and err_console.is_terminal
    with open_case(case, db) as c, Progress(console=err_console, disable=not show, transient=True) as progress:
        task = progress.add_task("Finding dates", total=None)
        rows = extract_case_dates(c, optional_dispatch(dispatch),
                                  lambda done, total: progress.update(task, completed=done, total=total))
    if json:
        print_json(rows)
        return
    if not rows:
        console.print("No temporal expressions found.")
        return
    for r in rows:
        span = "" if r["start"] is None else f" {r['start']}…{r['end']}" if r["start"] != r["end"] else f" {r['start']}"
        flags = styled(f" ({', '.join(r['flags'])})", "yellow") if r["flags"] else ""
        say(console, f"dispatch {r['dispatch_id']}: «", untrusted(r["text"]), f"» → {r['value']}{span}", flags)
    console.print(f"{len(rows)} temporal expressions stored.")


@handle_errors
def timex(
    timeml_dir: Annotated[Path, typer.Argument(help="A folder of TimeML (.tml) files, e.g. TempEval-3 data.")],
    part: Annotated[
        str, typer.Option(help="all, or the fixed split of the folder: tune or held-out (one file in five).")
    ] = "all",
    language: Annotated[str, typer.Option(help="Language of files that do not say it (<TimeML lang=...>).")] = "en",
    json: JsonOpt = False,
) -> None:
    """Score leakdesk's temporal expressions: strict, relaxed and value F1 (TempEval-3 definitions)."""
    from leakdesk.claims.timex.scorer import evaluate_folder

    if part not in ("all", "tune", "held-out"):
        raise UsageError(f"--part must be all, tune or held-out, not {part!r}.")
    scores = evaluate_folder(timeml_dir, part, language)
    d = scores.as_dict()
    if json:
        print_json(d)
        return
    console.print(f"{d['documents']} documents, {d['gold']} gold and {d['system']} found temporal expressions.")
    for kind in ("strict", "relaxed", "value"):
        console.print(
            f"{kind:>8}: F1 {d[f'{kind}_f1']:.3f}  (precision {d[f'{kind}_precision']:.3f}, "
            f"recall {d[f'{kind}_recall']:.3f})",
            highlight=False,
        )
    console.print(f"   value: F1 {d['value_f1_exact']:.3f} comparing the strings exactly (W7 and W07 differ)",
                  highlight=False)  # fmt: skip


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    noun(app, "date").command("extract")(dates)
    eval_app.command("timex")(timex)
