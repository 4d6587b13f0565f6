"""Commands of the publication capability: `series exposure`, `dispatch scrub`, `case share`, `redaction …`,
`bundle export|verify|import`."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

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
    fail,
    handle_errors,
    open_case,
    print_json,
    say,
    styled,
    untrusted,
)
from leakdesk.cli.grammar import noun

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
    name: Annotated[str | None, typer.Argument(metavar="NAME", help="The series (default: the case's only series).",
                                              show_default=False)] = None,
    series: Annotated[str | None, typer.Option("--series", hidden=True)] = None,  # the old `exposure --series`
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

    if name and series and name != series:
        fail(f"Two series were named ({name!r} and {series!r}); name one.", 2)
    with open_case(case, db) as c, _working("Checking what could expose the source…", as_json):
        report = exposure_check(c, name or series, population)
    data = report.as_dict()
    if as_json:
        print_json(data)
        return
    _print(data, grouped, style_summary, canary_summary)


def _print(data: dict[str, Any], grouped: Any, style_summary: Any, canary_summary: Any) -> None:
    from rich.table import Table

    left = "; ".join(f"{k}: {v}" for k, v in data["left_out"].items())
    say(console, f"Exposure check of series {data['series']}: {len(data['letters'])} letters by the series' writer"
        + (f" (left out — {left})" if left else "") + ".")
    if data["findings"]:
        say(console, styled("Metadata that names or locates someone:", "bold"))
    else:
        say(console, "No metadata that names or locates someone was found.")
    for g in grouped(data["findings"]):
        say(console, styled(f"{g.risk.upper():<7}", RISK_STYLE[g.risk]), f"{g.where} · {g.field}: ",
            styled(g.value, "bold"),
            f" (letter{'s' if len(g.dispatches) > 1 else ''} {_letters(g.dispatches)}) — {g.why}. {g.advice}")
    style = data["style"]
    say(console, style_summary(style))
    if style["measures"]:
        measures = Table(title="How identifiable the style is, by what is published")
        for col in ("Published as", "Median rank", "Picked out first", "Lead over the next writer"):
            measures.add_column(col)
        for m in style["measures"]:
            measures.add_row(untrusted(m["published_as"]), f"{m['median_rank']:g} of {m['candidates']}",
                             f"{m['top1']:.0%}", f"{m['margin']:+.2f}")
        console.print(measures)
    if style["giveaways"]:
        gives = Table(title="What gives the style away")
        for col in ("Feature", "The series' writer", "The population", "Without it: rank, lead"):
            gives.add_column(col)
        for g in style["giveaways"]:
            without = (f"{g['median_rank_without']:g}, {g['margin_without']:+.2f}" if "median_rank_without" in g
                       else "not measured")
            gives.add_row(untrusted(g["feature"]), untrusted(g["writer"]), untrusted(g["population"]), without)
        console.print(gives)
    say(console, canary_summary(data["canary"]))




# --------------------------------------------------------------------------- redact


def _print_redactions(found: list[Any], as_json: bool) -> None:
    from rich.table import Table

    if as_json:
        print_json([x.as_dict() for x in found])
        return
    if not found:
        say(console, "No redactions.")
        return
    table = Table("id", "kind", "label", "hides", "pseudonym", "status")
    for x in found:
        hides = ", ".join(x.surfaces[:4]) + (f" (+{len(x.surfaces) - 4})" if len(x.surfaces) > 4 else "")
        if x.kind == "span":
            hides = f"dispatch {x.dispatch_id} {x.start_char}..{x.end_char}: {hides}"
        table.add_row(str(x.id), x.kind, untrusted(x.label), untrusted(hides), untrusted(x.pseudonym),
                      styled(x.status, "green" if x.status == "approved" else
                             ("yellow" if x.status == "proposed" else "dim")))
    console.print(table)


SeriesForRedact = Annotated[str | None, typer.Option("--series", metavar="NAME", help="The series (by name).",
                                                     show_default=False)]


@handle_errors
def redact_propose(
    case: CaseArg,
    series: SeriesForRedact = None,
    types: Annotated[str, typer.Option("--types", help="Entity types to propose: PER, ORG, LOC (comma-separated).")
                     ] = "PER",
    patterns: Annotated[str, typer.Option("--patterns", help="Patterns: email, phone, passport, address, ip.")
                        ] = "email,phone,passport,address,ip",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Propose redactions: people (or other entities) named in the letters and translations, and pattern matches."""
    from leakdesk.publish.redact import propose

    kinds = tuple(x.strip().upper() for x in types.split(",") if x.strip())
    bad = [k for k in kinds if k not in ("PER", "ORG", "LOC")]
    if bad:
        fail(f"Unknown entity type '{bad[0]}'; choose from PER, ORG, LOC.", 2)
    with open_case(case, db) as c:
        made = propose(c, series, kinds, tuple(p.strip() for p in patterns.split(",") if p.strip()))
    _print_redactions(made, as_json)
    if not as_json:
        say(console, f"{len(made)} proposal(s); approve or reject each with "
            "`leakdesk redaction approve|reject CASE ID...`.")


@handle_errors
def redact_list(case: CaseArg, series: SeriesForRedact = None,
                status: Annotated[str | None, typer.Option("--status", help="proposed, approved or rejected.")] = None,
                db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List the redaction decisions."""
    from leakdesk.publish.redact import list_redactions

    with open_case(case, db) as c:
        _print_redactions(list_redactions(c, series, status), as_json)


@handle_errors
def redact_add(
    case: CaseArg,
    term: Annotated[str, typer.Argument(metavar="TEXT", help="The text to hide (a name, a number, a phrase).",
                                        show_default=False)],
    pseudonym: Annotated[str, typer.Option("--as", help="What replaces it, e.g. \"Officer 2\".")],
    series: SeriesForRedact = None,
    label: Annotated[str, typer.Option("--label", help="What it is (person, unit, place…).")] = "term",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hide a term everywhere in the series and its translations (approved by you)."""
    from leakdesk.publish.redact import add_term

    with open_case(case, db) as c:
        _print_redactions([add_term(c, term, pseudonym, series, label)], as_json)


@handle_errors
def redact_span(
    case: CaseArg,
    dispatch: Annotated[str, typer.Option("--dispatch", metavar="DISPATCH", help="The dispatch.",
                                          show_default=False)],
    start: Annotated[int, typer.Option("--start", help="First character (0-based).")],
    end: Annotated[int, typer.Option("--end", help="One past the last character.")],
    pseudonym: Annotated[str, typer.Option("--as", help="What replaces it.")] = "[…]",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hide one span of a dispatch's original text (approved by you)."""
    from leakdesk.publish.redact import add_span

    number = dispatch_number(dispatch)
    with open_case(case, db) as c:
        _print_redactions([add_span(c, number, start, end, pseudonym)], as_json)


def _review(case: Path, db: str | None, ids: list[int], status: str, pseudonym: str | None, as_json: bool) -> None:
    from leakdesk.publish.redact import review

    with open_case(case, db) as c:
        _print_redactions(review(c, ids, status, pseudonym), as_json)


IdsArg = Annotated[list[int], typer.Argument(help="Redaction ids.", show_default=False)]


@handle_errors
def redact_approve(case: CaseArg, ids: IdsArg,
                   pseudonym: Annotated[str | None, typer.Option("--as", help="Rename the pseudonym.")] = None,
                   db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Approve proposals (they are applied to every export from now on)."""
    _review(case, db, ids, "approved", pseudonym, as_json)


@handle_errors
def redact_reject(case: CaseArg, ids: IdsArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Reject proposals (the text stays as it is)."""
    _review(case, db, ids, "rejected", None, as_json)


@handle_errors
def redact_preview(case: CaseArg, dispatch_id: DispatchIdArg, series: SeriesForRedact = None, db: DbOpt = None,
                   as_json: JsonOpt = False) -> None:
    """Show a dispatch's original text and translation as they would be published (approved redactions only)."""
    from leakdesk.publish.redact import Redactor, redacted_letter

    dispatch = dispatch_number(dispatch_id)
    with open_case(case, db) as c:
        redactor = Redactor.for_series(c, series)
        letter = redacted_letter(c, dispatch, redactor)
    if as_json:
        print_json({**letter.__dict__, "pending": redactor.pending})
        return
    if redactor.pending:
        say(err_console, styled("Note:", "yellow"), f" {len(redactor.pending)} proposal(s) are not reviewed yet and "
            "are not applied.")
    say(console, styled(f"Dispatch {dispatch}, original ({letter.replacements} replacements in all):", "bold"))
    console.print(letter.original)
    if letter.translation is not None:
        say(console, styled(f"Translation ({letter.translation_language}):", "bold"))
        console.print(letter.translation)


@handle_errors
def redact_export(case: CaseArg, series: Annotated[str, typer.Option("--series", metavar="NAME", help="The series.",
                                                                     show_default=False)],
                  db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Write the redacted letters and translations to CASE/exports/redacted/SERIES/ (originals untouched)."""
    from leakdesk.publish.redact import export_redacted

    with open_case(case, db) as c:
        done = export_redacted(c, series)
    if as_json:
        print_json(done.__dict__)
        return
    say(console, f"{len(done.files)} redacted file(s) for {done.letters} dispatch(es), {done.replacements} "
        f"replacements, in {done.folder}")


# --------------------------------------------------------------------------- scrub


@handle_errors
def scrub(
    case: CaseArg,
    dispatch_ids: Annotated[list[str] | None, typer.Argument(
        metavar="DISPATCH", help="Dispatch numbers (default: every PDF, office file and image of the series or case).",
        show_default=False)] = None,
    series: SeriesForRedact = None,
    flatten: Annotated[bool, typer.Option("--flatten", help="PDFs: render to pixels and rebuild with an OCR layer, "
                                          "so hidden text and active content are gone.")] = False,
    redacted: Annotated[bool, typer.Option("--redacted", help="Burn the approved redactions in (with --flatten).")
                        ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write metadata-free copies of a dispatch's files to CASE/exports/scrubbed/ (the originals are untouched)."""
    from leakdesk.publish.scrub import ScrubError, make_derivative, scrubbable

    made, failed = [], []
    with open_case(case, db) as c:
        ids = dispatch_numbers(dispatch_ids) or scrubbable(c, series)
        if not ids:
            fail("There is no PDF, office file or image to scrub" + (f" in the series '{series}'." if series
                                                                      else " in this case."), 1)
        for dispatch_id in ids:
            try:
                made.append(make_derivative(c, dispatch_id, flatten=flatten, redacted=redacted, series=series))
            except ScrubError as exc:  # one file's problem must not stop the others
                failed.append({"dispatch_id": dispatch_id, "error": str(exc)})
    if as_json:
        print_json({"derivatives": [d.__dict__ for d in made], "failed": failed})
    else:
        for d in made:
            say(console, f"{d.kind}: dispatch {d.dispatch_id} → {d.path} (sha256 {d.sha256[:16]}…)")
        for f in failed:
            say(err_console, styled("Error:", "bold red"), " ", f["error"])
    if failed:
        raise typer.Exit(1)


# --------------------------------------------------------------------------- bundle

PassphraseOpt = Annotated[Path | None, typer.Option("--passphrase-file", help="File holding the passphrase of the "
                                                    "partner secret key, if it has one.", show_default=False)]


def _passphrase(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text("utf-8").rstrip("\n")
    except OSError as exc:
        fail(f"{path}: cannot read the passphrase file ({exc.strerror or exc}).", 2)
    return None


@handle_errors
def bundle_export(
    case: CaseArg,
    out: Annotated[Path, typer.Argument(help="The bundle to write (a folder; one encrypted file with --to).")],
    series: SeriesForRedact = None,
    redacted: Annotated[bool, typer.Option("--redacted", help="Redacted texts and scrubbed files, no originals.")
                        ] = False,
    to: Annotated[Path | None, typer.Option("--to", help="Encrypt to the partner's OpenPGP public key (file).",
                                            show_default=False)] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a BagIt bundle for a partner newsroom: letters, translations, custody, audit head, signed checkpoint."""
    from leakdesk.publish.bundle import export_bundle

    with open_case(case, db) as c:
        done = export_bundle(c, out, series, redacted, to)
    if as_json:
        print_json(done.__dict__)
        return
    say(console, f"Bundle written to {done.path}: {done.files} files for {done.dispatches} dispatch(es)"
        + (", redacted" if done.redacted else ", originals as received")
        + (f", encrypted to {', '.join(done.encrypted_to)}" if done.encrypted_to else "")
        + f"; checkpoint at audit entry {done.checkpoint_seq}.")


@handle_errors
def bundle_verify(
    bundle: Annotated[Path, typer.Argument(help="The bundle (folder or encrypted file).")],
    case: Annotated[Path | None, typer.Option("--case", help="The case whose keyring holds the partner secret key "
                                              "(for an encrypted bundle).", show_default=False)] = None,
    passphrase_file: PassphraseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check every manifest hash, the checkpoint's signature, and that it signs the bundle's audit head."""
    from leakdesk.publish.bundle import verify_bundle

    home = None
    if case is not None:
        with open_case(case) as c:
            home = c.gnupg_home
    result = verify_bundle(bundle, home, _passphrase(passphrase_file))
    if as_json:
        print_json(result.__dict__)
    elif result.ok:
        st = result.checkpoint
        say(console, f"{bundle.name} verifies: {result.files} files match the manifest; the checkpoint of case "
            f"{str(st.get('case_id', ''))[:16]} (audit entry {st.get('seq')}, {st.get('time')}) is signed by desk key "
            f"{st.get('key_id')}.")
    else:
        for problem in result.problems:
            say(err_console, styled("Problem:", "bold red"), f" {problem}")
    if not result.ok:
        raise typer.Exit(1)


@handle_errors
def bundle_import(
    case: CaseArg,
    bundle: Annotated[Path, typer.Argument(help="The bundle (folder or encrypted file).")],
    series: SeriesForRedact = None,
    passphrase_file: PassphraseOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a bundle and make its letters dispatches of CASE, with their custody carried over."""
    from leakdesk.publish.bundle import import_bundle

    with open_case(case, db) as c:
        done = import_bundle(c, bundle, series, _passphrase(passphrase_file))
    if as_json:
        print_json(done)
        return
    say(console, f"Imported {len(done['created'])} dispatch(es) from {bundle.name}"
        + (" (redacted)" if done["redacted"] else "") + f" into series {done['series'] or '(none)'}; custody carried "
        f"over for {done['custody_carried']}.")
    for problem in done["problems"]:
        say(err_console, styled("Warning:", "yellow"), f" {problem}")


# --------------------------------------------------------------------------- reports to send


@handle_errors
def share_report(
    case: CaseArg,
    publication: Annotated[bool, typer.Option("--publication", help="The publication report for an editor (summary "
                                              "first, custody after) instead of the whole case report.")] = False,
    series: SeriesForRedact = None,
    redacted: Annotated[bool, typer.Option("--redacted", help="Apply the series' approved redactions.")] = False,
    with_addresses: Annotated[bool, typer.Option("--with-addresses", help="Keep e-mail addresses and the values "
                                                 "the exposure check found (withheld by default).")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF (WeasyPrint).")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a report a desk can send: one self-contained HTML file (and PDF) in CASE/exports/reports/."""
    from leakdesk.publish.shareable import case_report, publication_report

    if publication and not series:
        fail("The publication report is about one series; name it with --series.", 2)
    with open_case(case, db) as c:
        done = (publication_report(c, series or "", redacted, with_addresses, pdf) if publication
                else case_report(c, series, redacted, with_addresses, pdf))
    if as_json:
        print_json(done.__dict__)
        return
    say(console, done.html)
    if done.pdf:
        say(console, done.pdf)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    noun(app, "series").command("exposure")(exposure)
    noun(app, "dispatch").command("scrub")(scrub)
    noun(app, "case").command("share")(share_report)
    redaction = noun(app, "redaction")
    for name, fn in (("propose", redact_propose), ("list", redact_list), ("add", redact_add), ("span", redact_span),
                     ("approve", redact_approve), ("reject", redact_reject), ("preview", redact_preview),
                     ("export", redact_export)):
        redaction.command(name)(fn)
    bundle = noun(app, "bundle")
    bundle.command("export")(bundle_export)
    bundle.command("verify")(bundle_verify)
    bundle.command("import")(bundle_import)
