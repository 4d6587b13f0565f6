"""The `leakdesk` command: `leakdesk NOUN VERB [CASE] …` (see docs/cli.md). Each capability's commands live in
their own module and register themselves into the noun groups of `leakdesk.cli.grammar`."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from leakdesk.cli.grammar import RootGroup, add_groups

app = typer.Typer(
    cls=RootGroup,
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
add_groups(app)
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
    "leakdesk.cli.case",  # case init|fsck|checkpoint, desk key
    "leakdesk.cli.run",  # run (the stage pipeline)
    "leakdesk.cli.show",  # show, dispatch show
    "leakdesk.cli.intake",  # dispatch ingest|list|set|decrypt|variants, series create|assign|list|show|remove
    "leakdesk.cli.mail",  # mailbox fetch, key import|list
    "leakdesk.cli.report",  # case report, demo
    "leakdesk.cli.language",  # translation …, glossary …, model …, eval translation
    "leakdesk.cli.authorship",  # series verify|report, dispatch review|status, reference …
    "leakdesk.cli.authorship_eval",  # eval authorship, eval authorship-score
    "leakdesk.cli.claims",  # entity …, alias …, claim …, export ftm|claimreview, eval checkworthy
    "leakdesk.cli.dates",  # date extract, eval timex
    "leakdesk.cli.narratives",  # stream …, narrative trend, eval persuasion
    "leakdesk.cli.dkim",  # dispatch dkim
    "leakdesk.cli.web",  # serve, search, user …, token …
    "leakdesk.cli.publish",  # series exposure, dispatch scrub, case share, redaction …, bundle …
    "leakdesk.cli.ocr",  # dispatch ocr
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app, eval_app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
