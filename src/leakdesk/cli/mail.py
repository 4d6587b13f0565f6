"""`leakdesk mailbox fetch` (an IMAP folder) and `leakdesk key import|list` (the case's PGP keyring)."""

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
    print_json,
)
from leakdesk.cli.grammar import noun
from leakdesk.errors import UsageError


@handle_errors
def keys_import(
    case: CaseArg,
    keyfile: Annotated[Path, typer.Argument(help="A file with OpenPGP keys (public or secret).", show_default=False)],
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Add the keys in KEYFILE to the case's keyring."""
    from leakdesk.intake.pgp import import_keys

    with open_case(case, db) as c:
        fingerprints = import_keys(c, keyfile)
    if json:
        print_json({"imported": fingerprints})
        return
    noun = "key" if len(fingerprints) == 1 else "keys"
    console.print(
        f"Imported {len(fingerprints)} {noun} into the case keyring: {', '.join(fingerprints)}", highlight=False
    )


@handle_errors
def keys_list(case: CaseArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """Show the keys in the case's keyring; 'secret' means the case can decrypt with it."""
    from leakdesk.intake.pgp import list_keys

    with open_case(case, db) as c:
        found = list_keys(c)
    if json:
        print_json(found)
        return
    if not found:
        console.print("The case keyring is empty; add keys with `leakdesk key import CASE KEYFILE`.")
    for key in found:
        kind = "secret+public" if key["secret"] else "public"
        console.print(f"{key['fingerprint']}  {kind:13}  {'; '.join(key['user_ids'])}", highlight=False)


@handle_errors
def imap(
    case: CaseArg,
    host: Annotated[str, typer.Option(help="IMAP server name.", show_default=False)],
    user: Annotated[str, typer.Option(help="Login name on the server.", show_default=False)],
    password_file: Annotated[
        Path, typer.Option(help="File holding the password (one line); never typed on the command line.")
    ],
    folder: Annotated[str, typer.Option(help="Folder to fetch, e.g. INBOX.")] = "INBOX",
    port: Annotated[int | None, typer.Option(help="Port (default 993 with TLS, 143 without).")] = None,
    no_ssl: Annotated[
        bool, typer.Option("--no-ssl", help="Plain IMAP without TLS (only on a trusted network).")
    ] = False,
    starttls: Annotated[
        bool, typer.Option("--starttls", help="Connect without TLS, then switch to TLS with STARTTLS (port 143).")
    ] = False,
    series: Annotated[str | None, typer.Option(help="Put fetched dispatches into this series.")] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Fetch new messages from an IMAP folder into the case (resumable; never marks them as read)."""
    from leakdesk.intake.imap import fetch_mailbox, read_password_file

    if no_ssl and starttls:
        raise UsageError("--no-ssl and --starttls contradict each other: choose one.")
    password = read_password_file(password_file)
    if port is not None and not 0 < port < 65536:
        raise UsageError(f"--port {port} is not a TCP port (1-65535).")
    if no_ssl and host not in ("127.0.0.1", "::1", "localhost"):
        err_console.print(
            f"Warning: without TLS the password and the mail travel unencrypted to {host}.", highlight=False
        )
    with open_case(case, db) as c:
        result = fetch_mailbox(
            c,
            host,
            port or (143 if no_ssl or starttls else 993),
            user,
            password,
            folder,
            ssl=not no_ssl,
            series=series,
            progress=not json,
            starttls=starttls,
        )
    if json:
        print_json(result.as_dict())
    else:
        for line in result.summary_lines():
            console.print(line, highlight=False)
    if result.failed:
        raise typer.Exit(1)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    noun(app, "mailbox").command("fetch")(imap)
    keys = noun(app, "key")
    keys.command("import")(keys_import)
    keys.command("list")(keys_list)
