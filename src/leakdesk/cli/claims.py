"""Commands of the claims capability: `entity extract|list`, `alias add|list|remove`, `claim extract|list|set|
timeline`, `export ftm|claimreview`, `eval checkworthy`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from leakdesk.cli.common import (
    CaseArg,
    DbOpt,
    DispatchOpt,
    JsonOpt,
    SeriesOpt,
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


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int], Callable[[], None]] | None]:
    """A Rich progress bar on stderr, one task per stage (none with --json or when stderr is not a terminal)."""
    from rich.progress import Progress

    if quiet or not err_console.is_terminal:
        yield None
        return
    with Progress(*Progress.get_default_columns(), console=err_console, transient=True) as bar:

        def stage(name: str, total: int) -> Callable[[], None]:
            task = bar.add_task(name, total=total)
            return lambda: bar.advance(task)

        yield stage


@handle_errors
def entities_cmd(case_path: CaseArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Find people, places and organisations in every letter and translation; list them with their aliases."""
    from leakdesk.claims.entities import list_entities, run_entities

    with open_case(case_path, db) as case, _progress(as_json) as progress:
        run = run_entities(case, progress)
        found = list_entities(case)
    _print_entities(found, as_json, "No people, places or organisations were found in the letters.")
    for note in [] if as_json else run["notes"]:
        err_console.print(f"Note: {note}", highlight=False)


@handle_errors
def entity_list_cmd(case_path: CaseArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List the entities found so far with their aliases and mentions (nothing is extracted again)."""
    from leakdesk.claims.entities import list_entities

    with open_case(case_path, db) as case:
        found = list_entities(case)
    _print_entities(found, as_json, "No entities yet; find them with `leakdesk entity extract CASE`.")


def _print_entities(found: list, as_json: bool, none_found: str) -> None:  # type: ignore[type-arg]
    """The entities as a table (or JSON); `none_found` is the one sentence said instead of an empty table."""
    from rich.table import Table

    if as_json:
        print_json([{"name": e.name, "type": e.type, "aliases": e.aliases, "mentions": e.mentions} for e in found])
        return
    if not found:
        say(console, none_found)
        return
    table = Table("Name", "Type", "Also written", "Mentions (originals + translations)")
    for e in found:
        counts = f"{e.mentions} ({e.in_originals} + {e.in_translations})"
        table.add_row(untrusted(e.name), untrusted(e.type), untrusted(", ".join(e.aliases[:8])), counts)
    console.print(table)


@handle_errors
def alias_add_cmd(
    case_path: CaseArg,
    name: Annotated[str, typer.Argument(help="A name the case already knows (entity or alias).")],
    aliases: Annotated[list[str], typer.Argument(help="Other names of the same person, place or organisation.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that ALIAS... name the same entity as NAME (mentions under those names are merged into it)."""
    from leakdesk.claims.entities import add_alias

    with open_case(case_path, db) as case:
        result = add_alias(case, name, aliases)
    if as_json:
        print_json(result)
        return
    added = ", ".join(result["added"]) or "nothing new (already known)"
    console.print(f"{result['name']} (entity {result['entity_id']}): added {added}", highlight=False)


@handle_errors
def alias_list_cmd(case_path: CaseArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List every alias, the entity it names, and where it came from (desk, gazetteer, extracted)."""
    from leakdesk.claims.entities import list_aliases

    with open_case(case_path, db) as case:
        found = list_aliases(case)
    if as_json:
        print_json(found)
        return
    if not found:
        console.print("No aliases yet; add one with `leakdesk alias add CASE NAME ALIAS`.", highlight=False)
    for a in found:
        say(console, untrusted(a["name"]), " → ", untrusted(a["entity"]), f" ({a['type']}, entity {a['entity_id']}; "
            f"{a['origin']})")


@handle_errors
def alias_remove_cmd(
    case_path: CaseArg,
    name: Annotated[str, typer.Argument(metavar="ALIAS", help="The alias, as `leakdesk alias list` shows it.",
                                        show_default=False)],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Take an alias the desk added off its entity (names the analysis found cannot be removed)."""
    from leakdesk.claims.entities import remove_alias

    with open_case(case_path, db) as case:
        gone = remove_alias(case, name)
    if as_json:
        print_json(gone)
        return
    say(console, "Removed the alias “", untrusted(gone["alias"]), "” of ", untrusted(gone["entity"]),
        f" (entity {gone['entity_id']}).")


@handle_errors
def claims_cmd(
    case_path: CaseArg,
    series: SeriesOpt = None,
    dispatch: DispatchOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Extract check-worthy claims (who, where, when, how sure) and list them."""
    from leakdesk.claims.claims import list_claims, run_claims

    number = optional_dispatch(dispatch)
    with open_case(case_path, db) as case, _progress(as_json) as progress:
        run_claims(case, progress)
        items = list_claims(case, series, number)
    _print_claims(items, as_json,
                  _no_claims(series, number, "No check-worthy claims were found in the letters."))


@handle_errors
def claim_list_cmd(case_path: CaseArg, series: SeriesOpt = None, dispatch: DispatchOpt = None, db: DbOpt = None,
                   as_json: JsonOpt = False) -> None:
    """List the claims found so far, with their verdicts (nothing is extracted again)."""
    from leakdesk.claims.claims import list_claims

    number = optional_dispatch(dispatch)
    with open_case(case_path, db) as case:
        items = list_claims(case, series, number)
    _print_claims(items, as_json,
                  _no_claims(series, number, "No claims yet; extract them with `leakdesk claim extract CASE`."))


def _no_claims(series: str | None, dispatch: int | None, in_the_case: str) -> str:
    """The sentence said when there is no claim to list: for the whole case, or for the series / dispatch asked."""
    if dispatch is not None:
        return f"No claims in dispatch {dispatch}."
    if series is not None:
        return f"No claims in the series '{untrusted(series)}'."
    return in_the_case


def _print_claims(items: list, as_json: bool, none_found: str) -> None:  # type: ignore[type-arg]
    """The claims as a table (or JSON); `none_found` is the one sentence said instead of an empty table."""
    from rich.table import Table

    if as_json:
        print_json(items)
        return
    if not items:
        say(console, none_found)
        return
    table = Table("Id", "Dispatch", "Claim", "Who / where", "When", "Worth", "Status")
    for c in items:
        t = c["time"]
        when = f"{t['value']} ({t['start']} – {t['end']})" if t["value"] else ""
        worth = "" if c["checkworthiness"] is None else f"{c['checkworthiness']:.2f}"
        status = c["status"] + (" · author doubtful" if c.get("author_doubtful") else "")
        table.add_row(str(c["id"]), str(c["dispatch_id"]), untrusted(c["text"]),
                      untrusted(", ".join(c["actors"] + c["places"])), untrusted(when), worth, untrusted(status))
    console.print(table)


@handle_errors
def claim_cmd(
    case_path: CaseArg,
    claim_id: Annotated[int, typer.Argument(metavar="CLAIM", help="The claim's number (see `leakdesk claim list`).",
                                            show_default=False)],
    status: Annotated[str, typer.Option("--status", help="corroborated | contradicted | unverified | retracted")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who gives this verdict.")],
    evidence: Annotated[str | None, typer.Option("--evidence", help="A web address or a dispatch number.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, in a sentence or two.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a verdict on one claim (this claim only; other letters keep their own status)."""
    from leakdesk.claims.corroboration import set_status

    with open_case(case_path, db) as case:
        result = set_status(case, claim_id, status, evidence, note, reviewer)
    if as_json:
        print_json(result)
        return
    console.print(f"Claim {claim_id} (dispatch {result['dispatch_id']}): {result['previous_status']} → "
                  f"{result['status']}", highlight=False)
    letter = result["dispatch_status"]
    console.print(f"Dispatch {result['dispatch_id']} (its own claims only): {letter['overall']} — "
                  f"{letter['corroborated']} corroborated, {letter['contradicted']} contradicted, "
                  f"{letter['unverified']} unverified, {letter['retracted']} retracted", highlight=False)
    for warning in result["warnings"]:
        say(err_console, styled("Warning:", "bold yellow"), " ", warning)


@handle_errors
def timeline_cmd(case_path: CaseArg, series: SeriesOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Put all dated claims on one time axis, mark conflicting dates; writes timeline.html and timeline.svg."""
    from leakdesk.claims.claims import run_claims
    from leakdesk.claims.timeline import write_timeline

    with open_case(case_path, db) as case, _progress(as_json) as progress:
        run_claims(case, progress)
        timeline = write_timeline(case, series)
    if as_json:
        print_json(timeline)
        return
    for item in timeline["items"]:
        t = item["time"]
        mark = styled(f"  conflicts with {item['conflicts_with']}", "red") if item["conflicts_with"] else ""
        say(console, f"{t['start']} – {t['end']}  dispatch {item['dispatch_id']}  #{item['id']} ",
            untrusted(item["text"]), mark)
    console.print(f"{len(timeline['items'])} dated claims, {timeline['undated']} undated, "
                  f"{len(timeline['conflicts'])} conflicts. Written: {timeline['files']['html']}", highlight=False)


RedactedOpt = Annotated[str | None, typer.Option(
    "--redacted", metavar="SERIES", help="Apply this series' approved redactions; addresses, paths and verbatim "
    "bodies left out.", show_default=False)]


@handle_errors
def export_ftm_cmd(
    case_path: CaseArg, out: Annotated[Path, typer.Argument(help="The .jsonl file to write.")],
    redacted: RedactedOpt = None,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Write FollowTheMoney entities (letters, people, places, mentions, claims as events), one per line."""
    from leakdesk.publish.export_ftm import export_ftm

    with open_case(case_path, db) as case:
        if redacted:
            from leakdesk.publish.exports import redacted_ftm

            result = redacted_ftm(case, out, redacted)
        else:
            result = export_ftm(case, out)
    if as_json:
        print_json(result)
        return
    console.print(f"{result['entities']} FtM entities written to {result['file']}", highlight=False)


@handle_errors
def export_claimreview_cmd(
    case_path: CaseArg, out: Annotated[Path, typer.Argument(help="The .json file to write.")],
    publisher: Annotated[str, typer.Option("--publisher", help="Name of the desk publishing the reviews.")] =
    "leakdesk desk",
    redacted: RedactedOpt = None,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Write schema.org ClaimReview JSON-LD for every claim with a verdict."""
    from leakdesk.publish.claimreview import export_claimreview

    with open_case(case_path, db) as case:
        if redacted:
            from leakdesk.publish.exports import redacted_claimreview

            result = redacted_claimreview(case, out, redacted, publisher)
        else:
            result = export_claimreview(case, out, publisher)
    if as_json:
        print_json(result)
        return
    console.print(f"{result['reviews']} claim reviews written to {result['file']}", highlight=False)


@handle_errors
def eval_checkworthy_cmd(
    tsv: Annotated[Path, typer.Argument(help="A CheckThat! 2024 TSV (Sentence_id, Text, class_label).")],
    train: Annotated[Path | None, typer.Option("--train", help="Train a fresh model on this TSV first.")] = None,
    language: Annotated[str, typer.Option("--language", help="Language of the sentences (ru: meaning model).")] = "en",
    as_json: JsonOpt = False,
) -> None:
    """Precision, recall and F1 of the Yes class of the check-worthiness model on a labelled TSV."""
    from leakdesk.claims.checkworthy import evaluate

    result = evaluate(tsv, train, language=language)
    if as_json:
        print_json(result)
        return
    console.print(f"{result['sentences']} sentences ({result['gold_yes']} Yes): precision {result['precision']:.3f}, "
                  f"recall {result['recall']:.3f}, F1 {result['f1']:.3f}  [{result['model']}]", highlight=False)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    entity = noun(app, "entity")
    entity.command("extract")(entities_cmd)
    entity.command("list")(entity_list_cmd)
    aliases = noun(app, "alias")
    aliases.command("add")(alias_add_cmd)
    aliases.command("list")(alias_list_cmd)
    aliases.command("remove")(alias_remove_cmd)
    claim = noun(app, "claim")
    claim.command("extract")(claims_cmd)
    claim.command("list")(claim_list_cmd)
    claim.command("set")(claim_cmd)
    claim.command("timeline")(timeline_cmd)
    export = noun(app, "export")
    export.command("ftm")(export_ftm_cmd)
    export.command("claimreview")(export_claimreview_cmd)
    eval_app.command("checkworthy")(eval_checkworthy_cmd)
