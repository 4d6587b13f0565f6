"""Commands of the publication capability: exposure (how identifiable is the source before publishing)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from leakdesk.cli.common import CaseArg, DbOpt, JsonOpt, console, err_console, handle_errors, open_case, print_json

SeriesOpt = Annotated[
    str | None, typer.Option("--series", help="The series (by name); default: the case's only series.")
]
RISK_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}


def _working(message: str, quiet: bool):  # type: ignore[no-untyped-def]
    if quiet or not err_console.is_terminal:
        return nullcontext()
    return err_console.status(message)


def _letters(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids[:12]) + (f" (+{len(ids) - 12})" if len(ids) > 12 else "")


@handle_errors
def exposure(
    case: CaseArg,
    series: SeriesOpt = None,
    population: Annotated[
        Path | None,
        typer.Option("--population", help="A folder of candidate writers' texts (a sub-folder or .txt per writer); "
                     "default: the case's reference pool.", show_default=False),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Before publishing: metadata that names or locates the source, how identifiable the writer's style is, and
    what a quote would give a canary trap. The result is stored and shown in the case report."""
    from leakdesk.publish.exposure import canary_summary, exposure_check, grouped, style_summary

    with open_case(case, db) as c, _working("Checking what could expose the source…", as_json):
        report = exposure_check(c, series, population)
    data = report.as_dict()
    if as_json:
        print_json(data)
        return
    _print(data, grouped, style_summary, canary_summary)


def _print(data: dict[str, Any], grouped: Any, style_summary: Any, canary_summary: Any) -> None:
    left = "; ".join(f"{k}: {v}" for k, v in data["left_out"].items())
    console.print(Text(f"Exposure check of series {data['series']}: {len(data['letters'])} letters by the series' "
                       f"writer" + (f" (left out — {left})" if left else "") + "."))
    if data["findings"]:
        console.print(Text("Metadata that names or locates someone:", style="bold"))
    else:
        console.print(Text("No metadata that names or locates someone was found."))
    for g in grouped(data["findings"]):
        line = Text(f"{g.risk.upper():<7}", style=RISK_STYLE[g.risk])
        line.append(f"{g.where} · {g.field}: ")
        line.append(g.value, style="bold")
        line.append(f" (letter{'s' if len(g.dispatches) > 1 else ''} {_letters(g.dispatches)}) — {g.why}. {g.advice}")
        console.print(line)
    style = data["style"]
    console.print(Text(style_summary(style)))
    if style["measures"]:
        measures = Table(title="How identifiable the style is, by what is published")
        for col in ("Published as", "Median rank", "Picked out first", "Lead over the next writer"):
            measures.add_column(col)
        for m in style["measures"]:
            measures.add_row(Text(m["published_as"]), f"{m['median_rank']:g} of {m['candidates']}", f"{m['top1']:.0%}",
                             f"{m['margin']:+.2f}")
        console.print(measures)
    if style["giveaways"]:
        gives = Table(title="What gives the style away")
        for col in ("Feature", "The series' writer", "The population", "Without it: rank, lead"):
            gives.add_column(col)
        for g in style["giveaways"]:
            without = (f"{g['median_rank_without']:g}, {g['margin_without']:+.2f}" if "median_rank_without" in g
                       else "not measured")
            gives.add_row(Text(g["feature"]), Text(g["writer"]), Text(g["population"]), without)
        console.print(gives)
    console.print(Text(canary_summary(data["canary"])))


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    app.command("exposure")(exposure)
