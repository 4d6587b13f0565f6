"""The `leakdesk` command. Each command group lives in its own module and registers itself here."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="leakdesk",
    help="A workbench for desks that receive leaked dispatches.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: Rich's help renderer (and Markdown) would double the start-up time
)
eval_app = typer.Typer(
    help="Measure leakdesk's analysis quality on standard test sets.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(eval_app, name="eval")


@app.callback()
def _desk_user(
    user: Annotated[
        str | None,
        typer.Option("--user", envvar="LEAKDESK_USER", show_default=False,
                     help="The desk user recorded as the actor of every change "
                     "(else LEAKDESK_ACTOR, else your login)."),
    ] = None,
    passphrase_file: Annotated[
        Path | None,
        typer.Option("--passphrase-file", envvar="LEAKDESK_PASSPHRASE_FILE", show_default=False,
                     help="A file holding the passphrase of an encrypted case, for every command."),
    ] = None,
) -> None:
    """A workbench for desks that receive leaked dispatches."""
    from leakdesk.cli.common import set_passphrase_file, set_user

    set_user(user)
    set_passphrase_file(passphrase_file)


# Each module defines `register(app, eval_app)`.
COMMAND_MODULES = [
    "leakdesk.cli.case",
    "leakdesk.cli.run",  # run (the stage pipeline)
    "leakdesk.cli.show",  # show (one letter)
    "leakdesk.cli.intake",  # ingest, dispatches, series
    "leakdesk.cli.mail",  # imap, keys
    "leakdesk.cli.report",  # report, demo
    "leakdesk.cli.language",  # translate, translation, glossary, models
    "leakdesk.cli.authorship",  # verify, series-report, review, reference
    "leakdesk.cli.authorship_eval",  # eval authorship, eval authorship-score
    "leakdesk.cli.claims",  # entities, alias, claims, claim, timeline, export
    "leakdesk.cli.dates",  # dates, eval timex
    "leakdesk.cli.narratives",  # stream add/list, narratives, eval persuasion
    "leakdesk.cli.dkim",  # dkim
    "leakdesk.cli.web",  # serve, search, user, token
    "leakdesk.cli.publish",  # exposure
    "leakdesk.cli.ocr",  # ocr
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app, eval_app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
