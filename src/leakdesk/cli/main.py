"""The `leakdesk` command: `leakdesk NOUN VERB [CASE] …` (see docs/cli.md). Each capability's commands live in
their own module and register themselves into the noun groups of `leakdesk.cli.grammar`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from leakdesk.cli.grammar import (
    ROOT,
    CommandModules,
    NounGroup,
    RootGroup,
    add_groups,
    load_commands_from,
    load_everything,
)

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
    help="Measure leakdesk's analysis quality on standard test sets.", no_args_is_help=True, rich_markup_mode=None,
    cls=NounGroup,
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


# Each module defines `register(app, eval_app)` and adds commands to the groups named here (ROOT: top-level
# commands). A module is imported only when one of its groups is used; tests/cli checks this map.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "leakdesk.cli.case": ("case", "desk"),  # case init|fsck|checkpoint, desk key
    "leakdesk.cli.run": (ROOT,),  # run (the stage pipeline)
    "leakdesk.cli.show": (ROOT, "dispatch"),  # show, dispatch show
    "leakdesk.cli.intake": ("dispatch", "series"),  # dispatch ingest|list|set|decrypt|variants, series create|…
    "leakdesk.cli.mail": ("mailbox", "key"),  # mailbox fetch, key import|list
    "leakdesk.cli.report": (ROOT, "case"),  # case report, demo
    "leakdesk.cli.language": ("translation", "glossary", "model", "eval"),  # … and eval translation
    "leakdesk.cli.authorship": ("series", "dispatch", "reference"),  # series verify|report, dispatch review|status
    "leakdesk.cli.authorship_eval": ("eval",),  # eval authorship, eval authorship-score
    "leakdesk.cli.claims": ("entity", "alias", "claim", "export", "eval"),  # … and eval checkworthy
    "leakdesk.cli.dates": ("date", "eval"),  # date extract, eval timex
    "leakdesk.cli.narratives": ("stream", "narrative", "eval"),  # … and eval persuasion
    "leakdesk.cli.dkim": ("dispatch",),  # dispatch dkim
    "leakdesk.cli.web": (ROOT, "user", "token"),  # serve, search, user …, token …
    "leakdesk.cli.publish": ("series", "dispatch", "case", "redaction", "bundle"),  # exposure, scrub, share, …
    "leakdesk.cli.ocr": ("dispatch",),  # dispatch ocr
}
load_commands_from(CommandModules(app, eval_app, COMMAND_MODULES))


def command_tree() -> TyperGroup:
    """The whole command tree with every command made (listing the CLI, its tests)."""
    import typer.main

    tree = typer.main.get_command(app)
    assert isinstance(tree, TyperGroup)
    load_everything(tree)
    return tree


def main() -> None:
    app()


if __name__ == "__main__":
    main()
