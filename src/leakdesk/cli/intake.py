"""Commands of the intake capability: `dispatch ingest|list|set|decrypt|variants` and `series create|assign|list|
show|remove`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leakdesk.cli.common import (
    CaseArg,
    DbOpt,
    DispatchIdArg,
    JsonOpt,
    console,
    dispatch_number,
    dispatch_numbers,
    err_console,
    handle_errors,
    open_case,
    print_json,
    say,
    styled,
    untrusted,
)
from leakdesk.cli.grammar import noun


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    group = noun(app, "dispatch")
    group.command("ingest")(ingest)
    group.command("list")(dispatches)
    group.command("set")(dispatch)
    group.command("decrypt")(decrypt)
    group.command("variants")(variants)
    series_app = noun(app, "series")
    series_app.command("create")(series_create)
    series_app.command("assign")(series_assign)
    series_app.command("list")(series_list)
    series_app.command("show")(series_show)
    series_app.command("remove")(series_remove)


@handle_errors
def ingest(
    case: CaseArg,
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (.eml, .mbox, Maildir, .msg, .zip, documents).",
                                                show_default=False)],
    series: Annotated[str | None, typer.Option("--series", help="Put what is ingested into this series.")] = None,
    smime_ca: Annotated[Path | None, typer.Option(
        "--smime-ca", help="Check S/MIME signatures against these CA certificates (PEM) as the emails come in.")]
    = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest emails, mailboxes and documents, keeping each original and its chain of custody."""
    from leakdesk.intake import ingest_paths

    smime: list[dict] | None = None  # type: ignore[type-arg]
    with open_case(case, db) as c:
        if smime_ca is not None:
            from leakdesk.intake.smime import load_ca_file

            load_ca_file(smime_ca)  # a bad CA file is said before anything is ingested
        result = ingest_paths(c, paths, series=series, progress=not as_json)
        if smime_ca is not None:
            from leakdesk.intake.smime import check_case, signed_among

            smime = check_case(c, smime_ca, signed_among(c, result.created + result.re_received))
    # Warnings first, each on its own line: whatever a letter holds, a later line cannot hide an earlier one.
    for problem in result.problems:
        say(err_console, styled("Error:", "bold red"), " ", untrusted(problem.line()))
    for warning in result.warnings:
        say(err_console, styled("Warning:", "yellow"), " ", untrusted(warning.line()))
    if as_json:
        print_json(result.as_dict() | ({"smime": smime} if smime is not None else {}))
        _exit(result.ok)
        return
    if smime:
        from leakdesk.cli.dkim import print_smime_table

        print_smime_table(smime)
    for v in result.variants:
        say(console, "Two different copies share the Message-ID ", untrusted(v["message_id"]),
            f": dispatches {v['variant_of']} and {v['dispatch_id']} (compare them with "
            f"`leakdesk dispatch variants CASE {v['dispatch_id']}`).")
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
    from rich.table import Table

    from leakdesk.intake import list_dispatches
    from leakdesk.intake.pgp import pgp_label

    with open_case(case, db) as c:
        rows = list_dispatches(c, variants_only=variants)
    if as_json:
        print_json(rows)
        return
    if not rows:
        say(console, "No two dispatches share a Message-ID." if variants else
            "This case has no dispatches yet; ingest some with `leakdesk dispatch ingest CASE PATH`.")
        return
    table = Table("id", "parent", "date", "subject / file", "lang", "series", "status", "PGP", "variant of")
    for r in rows:
        table.add_row(
            str(r["id"]), str(r["parent_id"] or ""), _date_cell(r),
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


def _date_cell(row: dict) -> str:  # type: ignore[type-arg]
    if row["date"]:
        return untrusted(row["date"][:19])
    desk = (row.get("set_by_desk") or {}).get("date")
    return untrusted(f"{desk['value'][:19]} (set by the desk)") if desk else ""


@handle_errors
def dispatch(
    case: CaseArg,
    dispatch_id: DispatchIdArg,
    date: Annotated[str | None, typer.Option("--date", help="Its date, e.g. 2021-08-03 or 2021-08-03T14:05+03:00, "
                                             "when the original has none.")] = None,
    sender: Annotated[str | None, typer.Option("--sender", help="Its sender, when the original names none.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="On what evidence the desk sets it.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a date or sender the desk knows on a letter whose original has none (audited, shown as set by the
    desk; what the original says is never replaced)."""
    from leakdesk.intake import set_desk_facts

    with open_case(case, db) as c:
        done = set_desk_facts(c, dispatch_number(dispatch_id), date=date, sender=sender, note=note)
    if as_json:
        print_json(done)
        return
    for field, fact in done["set_by_desk"].items():
        say(console, f"Dispatch {done['dispatch_id']}: {field} ", untrusted(fact["value"]),
            " set by the desk (", untrusted(fact["set_by"]), ").")


@handle_errors
def decrypt(
    case: CaseArg,
    dispatch_ids: Annotated[list[str] | None, typer.Argument(
        help="Dispatches to decrypt (default: every letter that could not be decrypted).", metavar="DISPATCH",
        show_default=False)] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Decrypt letters that arrived before the case had their key (run `leakdesk key import` first)."""
    from leakdesk.intake import decrypt_dispatches

    with open_case(case, db) as c:
        result = decrypt_dispatches(c, dispatch_numbers(dispatch_ids))
    if as_json:
        print_json(result.as_dict())
    else:
        for item in result.decrypted:
            say(console, f"Dispatch {item['dispatch_id']} decrypted: {item['texts']} texts, "
                f"{item['children']} attachments.")
        for item in result.still_encrypted:
            say(err_console, styled("Error:", "bold red"), f" dispatch {item['dispatch_id']} is still encrypted: ",
                untrusted(item["reason"]))
        for item in result.skipped:
            say(console, f"Dispatch {item['dispatch_id']} skipped: {item['reason']}.")
        say(console, f"{len(result.decrypted)} decrypted, {len(result.still_encrypted)} still encrypted, "
            f"{len(result.skipped)} skipped.")
    _exit(not result.still_encrypted)


@handle_errors
def variants(
    case: CaseArg,
    dispatch: Annotated[str | None, typer.Argument(help="Only the copies sharing this dispatch's Message-ID.",
                                                  metavar="DISPATCH", show_default=False)] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Copies of a letter that share a Message-ID but differ, each pair with a diff. Neither copy is presumed
    genuine: the order in which they arrived proves nothing."""
    from leakdesk.intake import variant_diff, variant_pairs

    dispatch_id = None if dispatch is None else dispatch_number(dispatch)
    with open_case(case, db) as c:
        diffs = [variant_diff(c, a, b) for a, b in variant_pairs(c, dispatch_id)]
    if as_json:
        print_json(diffs)
        return
    if not diffs:
        say(console, "No two different copies share a Message-ID" + (f" with dispatch {dispatch_id}."
                                                                        if dispatch_id else "."))
        return
    for item in diffs:
        first, second = item["dispatches"]
        say(console, "Two different copies share this Message-ID ", untrusted(item["message_id"]),
            f": dispatches {first} and {second}.")
        for diff_line in item["diff"]:
            say(console, untrusted(diff_line))
        if item["diff_truncated"]:
            say(console, f"(the diff is cut after {len(item['diff'])} lines)")


NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The series (by name).", show_default=False)]


@handle_errors
def series_create(
    case: CaseArg,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name of the new series.", show_default=False)],
    source: Annotated[str | None, typer.Option("--source", help="Pseudonym of the source claiming it.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a series, attributed to a source's pseudonym."""
    from leakdesk.intake import create_series

    with open_case(case, db) as c:
        made = create_series(c, name, source)
    if as_json:
        print_json(made)
    else:
        console.print(f"Series '{made['name']}' created (id {made['id']}"
                      + (f", source {made['source']})." if made["source"] else ")."), highlight=False, markup=False)


@handle_errors
def series_assign(
    case: CaseArg,
    name: NameArg,
    dispatch_ids: Annotated[list[str], typer.Argument(metavar="DISPATCH", help="Dispatch numbers.",
                                                      show_default=False)],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Put dispatches into a series."""
    from leakdesk.intake import assign_series

    with open_case(case, db) as c:
        done = assign_series(c, name, dispatch_numbers(dispatch_ids) or [])
    if as_json:
        print_json(done)
    else:
        console.print(f"{len(done['dispatches'])} dispatches now in series '{name}'.", highlight=False, markup=False)


@handle_errors
def series_list(case: CaseArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List the series, their sources and letters."""
    from leakdesk.intake.series import list_series

    with open_case(case, db) as c:
        found = list_series(c)
    if as_json:
        print_json(found)
        return
    for s in found:
        source = f", source {s['source']}" if s["source"] else ""
        console.print(f"{s['name']}: {s['letters']} letters{source}", markup=False, highlight=False)
    if not found:
        console.print("This case has no series yet; create one with `leakdesk series create CASE NAME`.")


@handle_errors
def series_remove(
    case: CaseArg,
    name: NameArg,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a series; its letters stay in the case, outside any series."""
    from leakdesk.intake.series import remove_series

    with open_case(case, db) as c:
        done = remove_series(c, name)
    if as_json:
        print_json(done)
    else:
        console.print(f"Series '{done['series']}' removed; {done['letters_now_without_series']} dispatches are now "
                      "in no series.", markup=False, highlight=False)


@handle_errors
def series_show(case: CaseArg, name: NameArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """One series: its source and its letters, numbered in date order."""
    from leakdesk.intake.series import show_series

    with open_case(case, db) as c:
        found = show_series(c, name)
    if as_json:
        print_json(found)
        return
    say(console, f"Series {found['name']}" + (f", source {found['source']}" if found["source"] else "")
        + f": {len(found['letters'])} letters")
    for d in found["letters"]:
        number = f"{d['number']}." if d["number"] else "-"
        say(console, f"  {number:>4} dispatch {d['id']}  ", untrusted((d["date"] or "undated")[:19]), "  ",
            untrusted(d["subject"] or ""), f"  (translation: {d['translation']})")
