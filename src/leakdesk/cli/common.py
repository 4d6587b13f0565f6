"""What every command shares: case option, JSON output, errors printed as sentences, untrusted text made safe.

Everything a letter carries (subject, sender, filename, body, entity names) is hostile. The two consoles here
render every string with Rich markup and emoji codes off and with control characters replaced (`untrusted`), so
`[/]` cannot crash a command, `[link=…]` cannot make a hyperlink and an ESC sequence cannot drive the terminal.
Commands that want colour build `rich.text.Text` pieces with `styled`/`line`, never markup strings.
Rich is imported when something is first printed, not when a command module is imported (`leakdesk --help`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

from leakdesk.errors import LeakdeskError

if TYPE_CHECKING:  # the case (SQLAlchemy, Alembic) is imported only by commands that open one; Rich on first print
    from rich.console import Console
    from rich.style import Style
    from rich.text import Text

    from leakdesk.case import Case

# C0 and C1 controls, DEL, and the bidi overrides/isolates that reorder what a reader sees ("Trojan source").
_CONTROLS_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_BLOCK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def untrusted(value: object, *, multiline: bool = False) -> str:
    """`value` as text that is safe on a terminal: every control character written as a visible `\\xNN`.

    One-line values (a subject, a filename, a table cell) also get newlines and tabs escaped; `multiline=True`
    keeps them (a letter's body, a multi-line listing).
    """
    text = "" if value is None else str(value)
    return (_CONTROLS_BLOCK if multiline else _CONTROLS_LINE).sub(_visible, text)


@functools.cache
def _safe_console_class() -> type[Console]:
    from rich.console import Console

    class SafeConsole(Console):
        """A Rich console that never interprets markup or emoji codes in a string and escapes control characters."""

        def __init__(self, **kwargs: Any) -> None:
            kwargs.update(markup=False, emoji=False)
            kwargs.setdefault("highlight", False)
            kwargs.setdefault("soft_wrap", True)
            super().__init__(**kwargs)

        def render_str(self, text: str, **kwargs: Any) -> Text:
            kwargs.update(markup=False, emoji=False)
            return super().render_str(untrusted(text, multiline=True), **kwargs)

    return SafeConsole


def __getattr__(name: str) -> Any:
    """`SafeConsole`, the class, made when first asked for (it needs Rich)."""
    if name == "SafeConsole":
        return _safe_console_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _FirstUseConsole:
    """Stands for `console` / `err_console` without importing Rich at start-up: the first time it is used it turns
    into the SafeConsole itself (its class is swapped, then SafeConsole's own __init__ runs), so Rich sees a real
    Console everywhere after that, `isinstance`, `with console:` and progress bars included."""

    def __init__(self, **kwargs: Any) -> None:
        self._first_use_kwargs = kwargs

    def _become(self) -> Console:
        kwargs = self.__dict__.pop("_first_use_kwargs")
        cls = _safe_console_class()
        self.__class__ = cls  # type: ignore[assignment]
        made = cast("Console", self)
        cls.__init__(made, **kwargs)
        return made

    def __getattr__(self, name: str) -> Any:
        if name == "_first_use_kwargs":  # a half-made copy: nothing to become
            raise AttributeError(name)
        return getattr(self._become(), name)

    def __enter__(self) -> Console:
        return self._become().__enter__()

    def __exit__(self, *exc: Any) -> None:
        type(self).__exit__(self, *exc)  # __enter__ made this the SafeConsole already


def styled(text: object, style: str | Style) -> Text:
    """A coloured piece of output; `text` is made safe first."""
    from rich.text import Text

    return Text(untrusted(text, multiline=True), style=style)


def line(*parts: object) -> Text:
    """One line of output from plain values and `styled` pieces; plain values are made safe."""
    from rich.text import Text

    out = Text()
    for part in parts:
        out.append(part if isinstance(part, Text) else untrusted(part, multiline=True))
    return out


def say(target: Console, *parts: object) -> None:
    """Print one line; if rendering fails, print it plainly instead, so a warning is never lost."""
    text = line(*parts)
    try:
        target.print(text, soft_wrap=True)
    except Exception:  # a last resort: never hide what the line says
        stream = sys.stderr if target.stderr else sys.stdout
        stream.write(text.plain.encode("ascii", "backslashreplace").decode("ascii") + "\n")


console: Console = cast("Console", _FirstUseConsole())
err_console: Console = cast("Console", _FirstUseConsole(stderr=True))

CaseArg = Annotated[Path, typer.Argument(
    help="The case folder (or give it with --case CASE or LEAKDESK_CASE).", metavar="CASE", show_default=False)]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="LEAKDESK_DB", help="Database URL (PostgreSQL); default: CASE/case.db."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
UserOpt = Annotated[
    str | None,
    typer.Option("--user", envvar="LEAKDESK_USER", help="The desk user recorded as the actor of every change.",
                 show_default=False),
]
PassphraseFileOpt = Annotated[
    Path | None,
    typer.Option("--passphrase-file", envvar="LEAKDESK_PASSPHRASE_FILE", show_default=False,
                 help="A file holding the passphrase of an encrypted case (never type it on the command line)."),
]
DispatchIdArg = Annotated[str, typer.Argument(help="The dispatch number (see `leakdesk dispatch list CASE`).",
                                              metavar="DISPATCH", show_default=False)]
DispatchIdsArg = Annotated[list[str] | None, typer.Argument(
    help="Dispatch numbers (default: every dispatch the command applies to).", metavar="DISPATCH",
    show_default=False)]
DispatchOpt = Annotated[str | None, typer.Option("--dispatch", metavar="DISPATCH", help="Only this dispatch.",
                                                 show_default=False)]
SeriesOpt = Annotated[str | None, typer.Option("--series", metavar="NAME", help="Only the dispatches of this series.",
                                               show_default=False)]

_user: str | None = None  # set by `leakdesk --user NAME` (or LEAKDESK_USER) for every command of this call


def set_user(user: str | None) -> None:
    """The desk user for this invocation; blank names are refused so every change has a named actor."""
    global _user
    if user is not None and not user.strip():
        fail("--user needs a name (the desk user recorded as the actor).", 2)
    _user = user.strip() if user else None


def set_passphrase_file(path: Path | None) -> None:
    """Every case this invocation opens reads an encrypted case's passphrase from `path` (the file's name is passed
    on through LEAKDESK_PASSPHRASE_FILE; the passphrase itself is read only when a case is opened)."""
    if path is not None:
        os.environ["LEAKDESK_PASSPHRASE_FILE"] = str(path)


def read_passphrase(path: Path | None, *, confirm: bool = False) -> bytes:
    """The passphrase from `path`, else asked at the terminal without echo (twice with `confirm`)."""
    from leakdesk.store.encryption import read_passphrase_file

    if path is not None:
        return read_passphrase_file(path)
    if not sys.stdin.isatty():
        fail("An encrypted case needs a passphrase; give it with --passphrase-file.", 2)
    typed = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
    return str(typed).encode("utf-8")


F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> None:
    say(err_console, styled("Error:", "bold red"), " ", message)
    raise typer.Exit(code)


def handle_errors(fn: F) -> F:
    """Turn a LeakdeskError into one clear line on stderr and its exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LeakdeskError as exc:
            fail(str(exc), exc.exit_code)
        except OSError as exc:  # a file the user named cannot be read or written: say which and why
            if exc.filename is None:
                raise
            fail(f"{exc.filename}: {(exc.strerror or str(exc)).rstrip('.')}.")
        except KeyboardInterrupt:
            fail("Interrupted; everything committed so far is kept.", 130)

    return wrapper  # type: ignore[return-value]


def open_case(path: Path, db: str | None = None, user: str | None = None) -> Case:
    """Open the case with the desk user of this call as the actor (--user, LEAKDESK_USER, LEAKDESK_ACTOR)."""
    from leakdesk.case import Case

    return Case.open(path, db, actor=user or _user)


def dispatch_number(value: str) -> int:
    """A dispatch number typed on the command line; anything else gets the one "No such dispatch" message."""
    from leakdesk.store.records.common import parse_dispatch_id

    return parse_dispatch_id(value)


def dispatch_numbers(values: list[str] | None) -> list[int] | None:
    """Several dispatch numbers typed on the command line (None when none was typed)."""
    return [dispatch_number(v) for v in values] if values else None


def optional_dispatch(value: str | None) -> int | None:
    """The number of an optional `--dispatch` or DISPATCH argument."""
    return None if value is None else dispatch_number(value)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
