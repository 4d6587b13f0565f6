"""`leakdesk case init|fsck|checkpoint` and `leakdesk desk key`: make a case, prove it is intact, anchor its log."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leakdesk.cli.common import (
    CaseArg,
    DbOpt,
    JsonOpt,
    PassphraseFileOpt,
    console,
    handle_errors,
    open_case,
    print_json,
    read_passphrase,
    say,
    styled,
)
from leakdesk.cli.grammar import noun

if TYPE_CHECKING:
    from leakdesk.store.fsck import FsckReport


@handle_errors
def init(
    case: CaseArg,
    db: DbOpt = None,
    languages: Annotated[str, typer.Option(help="Languages of the case, comma-separated.")] = "ru,en",
    encrypted: Annotated[
        bool, typer.Option("--encrypted", help="Encrypt case.db and the originals with a key opened by a passphrase.")
    ] = False,
    passphrase_file: PassphraseFileOpt = None,
) -> None:
    """Create a case folder: case.db (or a PostgreSQL schema), originals/, exports/."""
    from leakdesk.case import Case

    passphrase = read_passphrase(passphrase_file, confirm=True) if encrypted else None
    made = Case.init(case, db, [x.strip() for x in languages.split(",") if x.strip()], encrypted=encrypted,
                     passphrase=passphrase)
    kind = "encrypted; keep its passphrase safe, without it the case cannot be opened" if encrypted else None
    say(console, f"Case created at {made.root} ({made.engine.dialect.name}{', ' + kind if kind else ''}).")
    made.close()


def _line(style: str, label: str, message: str) -> None:
    """A label in colour and a message printed as plain text (paths and values may hold markup)."""
    say(console, styled(label, style), message)


def _print_report(report: FsckReport) -> None:
    say(console, f"Checked {report.originals_checked} originals and {report.audit_rows} audit entries.")
    if report.head:
        h = report.head
        say(console, f"Head: audit entry {h['seq']} ({h['action']}, {h['time']}), hash {h['hash']}.")
    if report.checkpoint:
        cp = report.checkpoint
        say(console, f"Compared with the checkpoint {cp['file']} (entry {cp['seq']}, {cp['time']}).")
        if cp.get("timestamp"):
            say(console, f"Its RFC 3161 timestamp verifies: it existed at {cp['timestamp']}.")
    for d in report.damaged_originals + report.missing_originals:
        _line("red", f"Original {d['sha256']}", f": {d['problem']}.")
    for r in report.dangling_references:
        _line("red", f"Missing original {r['sha256']}", f" referred to by {', '.join(r['referenced_by'])}.")
    for f in report.originals_folder:
        _line("red", f["path"], f": {f['problem']}.")
    for b in report.broken_audit_rows:
        _line("red", f"Audit entry {b['seq']}", f": {b['problem']}.")
    for d in report.changed_dispatches + report.deleted_dispatches:
        _line("red", f"Dispatch {d['dispatch_id']}", f": {d['problem']}.")
    for p in report.problems:
        _line("red", "Problem: ", p)
    for w in report.warnings:
        _line("yellow", "Warning: ", w)
    say(console, styled("All is well.", "green") if report.ok else styled("The case is damaged.", "red"))


@handle_errors
def fsck(
    case: CaseArg,
    db: DbOpt = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="Compare with this checkpoint file (default: the newest one this desk kept)."),
    ] = None,
    tsa_root: Annotated[
        list[Path] | None,
        typer.Option("--tsa-root", help="Root certificate (PEM) of the time-stamping authority, to verify the "
                     "checkpoint's timestamp offline."),
    ] = None,
    key_id: Annotated[
        str | None,
        typer.Option("--key-id", help="The desk key id the checkpoint must be signed with (from `leakdesk desk key` "
                     "of the desk that gave it to you)."),
    ] = None,
    make_private: Annotated[
        bool, typer.Option("--make-private", help="First make the case folder private (0700, 0600, originals 0400).")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Re-hash every original, re-derive every dispatch, verify the sealed audit log against its checkpoint."""
    with open_case(case, db) as c:
        if make_private:
            changed = c.make_private()
            if not json:
                say(console, f"Made the case private: {changed} files and folders changed.")
        report = c.fsck(checkpoint, tsa_root, key_id)
    if json:
        print_json(report.as_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


@handle_errors
def checkpoint(
    case: CaseArg,
    out: Annotated[Path, typer.Argument(help="Where to write the signed checkpoint (keep it outside the case).")],
    db: DbOpt = None,
    tsa: Annotated[
        str | None,
        typer.Option(envvar="LEAKDESK_TSA", help="URL of an RFC 3161 time-stamping authority to timestamp it."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Write a signed statement of the audit log's head; `fsck --checkpoint FILE` compares with it later."""
    with open_case(case, db) as c:
        signed = c.checkpoint(out, tsa)
    st = signed["statement"]
    if json:
        print_json(signed)
        return
    say(
        console,
        f"Checkpoint written to {out}: audit entry {st['seq']}, hash {st['hash']}, {st['originals']} originals, "
        f"{st['dispatches']} dispatches; signed with desk key {st['key_id']}.",
    )
    if "timestamp" in signed:
        say(console, f"Timestamped by {signed['timestamp']['tsa']} at {signed['timestamp']['time']}.")


@handle_errors
def desk_key(json: JsonOpt = False) -> None:
    """Show this desk's key: where it is kept (back it up) and its id (give it to partners checking checkpoints)."""
    from leakdesk.store.keys import desk_key as load_desk_key

    key = load_desk_key()
    assert key is not None
    if json:
        print_json({"key_id": key.key_id, "path": str(key.path)})
        return
    say(console, f"Desk key {key.key_id}, kept in {key.path} (back it up; never put it in a case folder).")


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add `case init|fsck|checkpoint` and `desk key` to the CLI."""
    group = noun(app, "case")
    group.command("init")(init)
    group.command("fsck")(fsck)
    group.command("checkpoint")(checkpoint)
    noun(app, "desk").command("key")(desk_key)
