"""What every command shares: case option, JSON output, errors printed as sentences."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from leakdesk.case import Case
from leakdesk.errors import LeakdeskError

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

CaseArg = Annotated[Path, typer.Argument(help="The case folder.", envvar="LEAKDESK_CASE", show_default=False)]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="LEAKDESK_DB", help="Database URL (PostgreSQL); default: CASE/case.db."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def handle_errors(fn: F) -> F:
    """Turn a LeakdeskError into one clear line on stderr and its exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LeakdeskError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("Interrupted; everything committed so far is kept.", 130)

    return wrapper  # type: ignore[return-value]


def open_case(path: Path, db: str | None = None) -> Case:
    return Case.open(path, db)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
