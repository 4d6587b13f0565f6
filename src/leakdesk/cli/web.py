"""`leakdesk serve`, `leakdesk search`, `leakdesk user add|list|remove`, `leakdesk token create|list|remove`: the
web desk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leakdesk.cli.common import CaseArg, DbOpt, JsonOpt, console, handle_errors, open_case, print_json, say, untrusted
from leakdesk.cli.grammar import noun
from leakdesk.errors import UsageError


def _password(path: Path) -> str:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise UsageError(f"The password file {path} cannot be read: {exc.strerror or exc}.") from exc
    return text.rstrip("\r\n")


@handle_errors
def serve(
    case: CaseArg,
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on (keep 127.0.0.1 unless behind HTTPS).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    secure_cookies: Annotated[bool | None, typer.Option("--secure-cookies/--no-secure-cookies",
                                                        help="Mark cookies Secure (default: unless on loopback).")]
    = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes (each keeps its own caches).")] = 1,
) -> None:
    """Open the case in the web desk. No client address or user agent is logged or stored."""
    from leakdesk.web.server import serve as run

    with open_case(case, db) as c:
        console.print(f"The desk for {c.root} is at http://{host}:{port}/ (Ctrl+C stops it).", highlight=False)
        run(c, host, port, secure_cookies, workers)


@handle_errors
def user_add(
    case: CaseArg,
    name: Annotated[str, typer.Argument(help="The user's login name (one word).")],
    role: Annotated[str, typer.Option(help="admin, editor, translator, reviewer or viewer.")],
    password_file: Annotated[Path, typer.Option(help="File holding the password (never on the command line).")],
    totp: Annotated[bool, typer.Option(help="Require a code from an authenticator app too.")] = False,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Add a desk user with a role."""
    with open_case(case, db) as c:
        from leakdesk.store.records import accounts

        user, uri = accounts.add_user(c, name, role, _password(password_file), totp)
    if json:
        print_json({**user.as_json(), "totp_uri": uri})
        return
    console.print(f"Added {user.name} as {user.role}.", highlight=False, markup=False)
    if uri:
        console.print(f"Set up the authenticator app with this address (shown once): {uri}", highlight=False,
                      markup=False)


@handle_errors
def user_list(case: CaseArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """List the desk's users and roles."""
    with open_case(case, db) as c:
        from leakdesk.store.records import accounts

        users = accounts.list_users(c)
    if json:
        print_json([u.as_json() for u in users])
        return
    if not users:
        say(console, "No desk users yet; add one with `leakdesk user add CASE NAME --role ROLE`.")
    for u in users:
        second = ", with authenticator code" if u.has_totp else ""
        console.print(f"{u.name} ({u.role}{second})", highlight=False, markup=False)


@handle_errors
def user_show(case: CaseArg, name: Annotated[str, typer.Argument(help="The desk user.", show_default=False)],
              db: DbOpt = None, json: JsonOpt = False) -> None:
    """One desk user: role, authenticator, API tokens in force and what the audit log records them doing."""
    with open_case(case, db) as c:
        from leakdesk.store.records import accounts

        user = accounts.show_user(c, name)
    if json:
        print_json(user)
        return
    second = ", with authenticator code" if user["totp"] else ""
    say(console, f"{user['name']} ({user['role']}{second}), added {user['created']}")
    say(console, f"Sessions open: {user['sessions']}")
    say(console, f"API tokens in force: {len(user['tokens'])}")
    for token in user["tokens"]:
        say(console, f"  {token['id']}  {token['label']}  made {token['created']}")
    if user["actions"]:
        say(console, f"Audit entries as actor: {user['actions']} ({user['first_action']} to {user['last_action']})")
    else:
        say(console, "Audit entries as actor: none yet")


@handle_errors
def user_remove(case: CaseArg, name: Annotated[str, typer.Argument(help="The user to remove.")],
                db: DbOpt = None) -> None:
    """Remove a desk user: their sessions end and their API tokens stop working."""
    with open_case(case, db) as c:
        from leakdesk.store.records import accounts

        accounts.remove_user(c, name)
    console.print(f"Removed {name}; their past actions stay in the audit log.", highlight=False, markup=False)


@handle_errors
def token_create(
    case: CaseArg,
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    db: DbOpt = None,
) -> None:
    """Make an API token for scripts (sent as `Authorization: Bearer TOKEN`); it is shown once."""
    with open_case(case, db) as c:
        from leakdesk.store.records import accounts

        token = accounts.create_token(c, name, label)
    console.print(token, highlight=False, markup=False)


@handle_errors
def token_list(case: CaseArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """List the API tokens in force: number, user, label, when made (never the token itself)."""
    with open_case(case, db) as c:
        from leakdesk.store.records import accounts

        tokens = accounts.list_tokens(c)
    if json:
        print_json(tokens)
        return
    if not tokens:
        say(console, "No API tokens yet; make one with `leakdesk token create CASE USER`.")
    for tok in tokens:
        say(console, f"{tok['id']}  ", untrusted(tok["user"]), "  ", untrusted(tok["label"]),
            f"  made {tok['created'][:19]}")


@handle_errors
def token_remove(
    case: CaseArg,
    token_id: Annotated[int, typer.Argument(metavar="TOKEN", help="The token's number (see `leakdesk token list`).",
                                            show_default=False)],
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Revoke an API token: scripts using it are refused from now on."""
    with open_case(case, db) as c:
        from leakdesk.store.records import accounts

        gone = accounts.revoke_token(c, token_id)
    if json:
        print_json(gone)
        return
    say(console, f"Token {gone['id']} (", untrusted(gone["label"]), ", acting as ", untrusted(gone["user"]),
        ") revoked; scripts using it are refused from now on.")


@handle_errors
def search(
    case: CaseArg,
    query: Annotated[str, typer.Argument(help="Words in any form or language.")],
    series: Annotated[str, typer.Option(help="Only this series.")] = "",
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Search originals and translations: Russian word forms, transliteration, and meaning across languages."""
    from leakdesk.web import search_view

    with open_case(case, db) as c:
        search_view.refresh(c)
        results = search_view.run(c, query, series=series)
    if json:
        print_json({"query": query, "words": [r.as_json() for r in results.words],
                    "meaning": [r.as_json() for r in results.meaning]})
        return
    for title, found in (("Letters with these words", results.words), ("Close in meaning", results.meaning)):
        console.print(f"{title}: {len(found)}", highlight=False, markup=False)
        for r in found:
            j = r.as_json()
            snippet = " ".join(j["snippet"].split())[:200]  # one line per hit: the letter's paragraphs joined
            say(console, f"  dispatch {j['dispatch_id']} (", untrusted(j["label"] or "attachment"),
                f", {j['kind']}): ", untrusted(snippet))


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    app.command("serve")(serve)
    app.command("search")(search)
    user_app = noun(app, "user")
    user_app.command("add")(user_add)
    user_app.command("list")(user_list)
    user_app.command("show")(user_show)
    user_app.command("remove")(user_remove)
    token_app = noun(app, "token")
    token_app.command("create")(token_create)
    token_app.command("list")(token_list)
    token_app.command("remove")(token_remove)
