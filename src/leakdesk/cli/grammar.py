"""One grammar for the `leakdesk` command: `leakdesk NOUN VERB [CASE] …`, and the old forms kept for one release.

Three things live here, all applied while click resolves a command (before any option is parsed):
- the noun groups (`case`, `dispatch`, `series`, …) in the order `leakdesk --help` lists them;
- the old command names (`dispatches`, `series CASE create`, `review`, …): each is rewritten to its new form with a
  one-line note on stderr naming that form (`LEAKDESK_QUIET_DEPRECATIONS=1` silences the notes for scripts);
- the case: the first positional argument, or `--case CASE`, or `LEAKDESK_CASE` — a positional case always wins, so
  setting the variable never shifts the other positional arguments.

Nothing here imports the case or a heavy library: `leakdesk --help` must start fast. For the same reason a group's
commands are made only when the group is used (`CommandModules`): `leakdesk --help` imports no command module but
those of the top-level shortcuts, and `leakdesk dispatch list` only the modules that add verbs to `dispatch`.
"""

from __future__ import annotations

import importlib
import math
import os
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
from typer import _click as click  # Typer builds its commands from its own copy of click
from typer._click.exceptions import UsageError
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command_from_info, get_command_name
from typer.models import CommandInfo

CASE_METAVAR = "CASE"  # the metavar of `common.CaseArg`; a command whose first argument has it takes a case
CASE_ENV = "LEAKDESK_CASE"
QUIET_ENV = "LEAKDESK_QUIET_DEPRECATIONS"
CASE_FILE = "case.json"  # what makes a folder a leakdesk case (see `leakdesk.case.SETTINGS`)

# The noun groups, in the order `leakdesk --help` shows them, with their one-line help.
GROUPS: dict[str, str] = {
    "case": "The case folder: create it, check it is intact, anchor its log, write its reports.",
    "dispatch": "Dispatches (letters, attachments): ingest, list, show, set desk facts, decrypt, check, review.",
    "mailbox": "Fetch letters from an IMAP mailbox.",
    "key": "The case's own PGP keyring (used to decrypt and verify dispatches).",
    "series": "Series of dispatches claimed by one source: create, fill, verify authorship, check exposure.",
    "reference": "Reference texts by other writers (impostors for authorship checks).",
    "translation": "Translations of dispatches: draft, import, show, review, export.",
    "glossary": "The case glossary: agreed renderings of terms.",
    "model": "Machine translation models installed on this machine.",
    "entity": "People, places and organisations named in the letters.",
    "alias": "Names that mean the same person, place or organisation.",
    "claim": "Check-worthy claims: extract, list, record a verdict, put on a timeline.",
    "date": "Dates, periods and durations in the letters.",
    "stream": "Media streams (feeds, Telegram exports, CSV, dated articles) kept as case material.",
    "narrative": "Labelling trends in the media streams (when did a label start being applied?).",
    "redaction": "Redaction with pseudonyms (never applied to originals).",
    "bundle": "Bundles for a partner newsroom (BagIt, signed checkpoint, OpenPGP).",
    "export": "Export the case for other tools (FollowTheMoney, ClaimReview).",
    "user": "People who use the web desk, and their roles.",
    "token": "API tokens for scripts.",
    "desk": "This desk (the machine's signing key).",
}

# Old command -> its new words. Arguments and options are the same, so the old call is rewritten as it stands.
RENAMED: dict[str, tuple[str, ...]] = {
    "init": ("case", "init"),
    "fsck": ("case", "fsck"),
    "checkpoint": ("case", "checkpoint"),
    "report": ("case", "report"),
    "share-report": ("case", "share"),
    "desk-key": ("desk", "key"),
    "ingest": ("dispatch", "ingest"),
    "dispatches": ("dispatch", "list"),
    "decrypt": ("dispatch", "decrypt"),
    "variants": ("dispatch", "variants"),
    "review": ("dispatch", "review"),
    "status": ("dispatch", "status"),
    "dkim": ("dispatch", "dkim"),
    "ocr": ("dispatch", "ocr"),
    "scrub": ("dispatch", "scrub"),
    "imap": ("mailbox", "fetch"),
    "translate": ("translation", "draft"),
    "segment": ("translation", "segment"),
    "verify": ("series", "verify"),
    "series-report": ("series", "report"),
    "exposure": ("series", "exposure"),
    "entities": ("entity", "extract"),
    "claims": ("claim", "extract"),
    "timeline": ("claim", "timeline"),
    "dates": ("date", "extract"),
    "narratives": ("narrative", "trend"),
    "keys": ("key",),
    "models": ("model",),
    "redact": ("redaction",),
}
# A group that used to be a command of its own: `leakdesk dispatch CASE 3 --date …` is `dispatch set CASE 3 …`.
LEGACY_VERB: dict[str, str] = {"dispatch": "set", "claim": "set", "translation": "show"}
# Groups whose old form put the case before the verb: `leakdesk series CASE create NAME`.
CASE_BEFORE_VERB = {"series", "redaction"}

_OLD_GROUP = "leakdesk.old_group"  # ctx.meta key: the old group name a call used (`redact`), for the note


def deprecation_note(old: str, new: str) -> None:
    """One line on stderr naming the new form of an old command (unless LEAKDESK_QUIET_DEPRECATIONS is set)."""
    if os.environ.get(QUIET_ENV, "").strip() not in ("", "0"):
        return
    click.echo(f"`leakdesk {old}` is now `leakdesk {new}`.", err=True)


def noun(app: typer.Typer, name: str) -> typer.Typer:
    """The noun group `name` of the CLI (made on first use, listed in the order of GROUPS)."""
    groups: dict[str, typer.Typer] = app.__dict__.setdefault("_leakdesk_groups", {})
    if name not in groups:
        groups[name] = typer.Typer(help=GROUPS.get(name), no_args_is_help=True, cls=NounGroup,
                                   rich_markup_mode=None)
        app.add_typer(groups[name], name=name)
    return groups[name]


def add_groups(app: typer.Typer) -> None:
    """Make every noun group now, so `--help` lists them in the table's order whatever module registers first."""
    for name in GROUPS:
        noun(app, name)


# --------------------------------------------------------------------------- the case argument


def _value_count(cmd: click.Command, token: str) -> int:
    """How many values follow option `token` on the command line (0 for flags and unknown options)."""
    name = token.split("=", 1)[0]
    for param in cmd.params:
        if isinstance(param, TyperOption) and (name in param.opts or name in param.secondary_opts):
            if "=" in token or param.is_flag or param.count:
                return 0
            return max(param.nargs, 1)
    return 0


def _positionals(cmd: click.Command, args: list[str]) -> list[int]:
    """Indexes of the positional arguments in `args`."""
    found: list[int] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            return found + list(range(i + 1, len(args)))
        if token.startswith("-") and len(token) > 1:
            i += 1 + _value_count(cmd, token)
            continue
        found.append(i)
        i += 1
    return found


def _take_case_option(args: list[str]) -> tuple[list[str], str | None]:
    """`args` without `--case CASE` / `--case=CASE`, and that case."""
    rest, given, i = [], None, 0
    while i < len(args):
        token = args[i]
        if token == "--":
            rest.extend(args[i:])
            break
        if token == "--case":
            if i + 1 >= len(args):
                raise UsageError("--case needs the case folder.")
            given, i = args[i + 1], i + 2
            continue
        if token.startswith("--case="):
            given, i = token.split("=", 1)[1], i + 1
            continue
        rest.append(token)
        i += 1
    return rest, given


def is_case_folder(value: str) -> bool:
    return (Path(value) / CASE_FILE).is_file()


def takes_case(cmd: click.Command) -> bool:
    arguments = [p for p in cmd.params if isinstance(p, TyperArgument)]
    return bool(arguments) and arguments[0].metavar == CASE_METAVAR


def place_case(cmd: click.Command, args: list[str]) -> list[str]:
    """Put the case of `--case` or LEAKDESK_CASE first among the positional arguments, unless one is given there.

    The first positional argument is the case when the command is given more positional values than it takes
    without one, or when it names a case folder; otherwise the case from `--case` / the variable is put before it.
    """
    if not takes_case(cmd):
        return args
    args, given = _take_case_option(args)
    default = given or os.environ.get(CASE_ENV, "").strip() or None
    if default is None:
        return args
    at = _positionals(cmd, args)
    arguments = [p for p in cmd.params if isinstance(p, TyperArgument)]
    room = sum(math.inf if p.nargs < 0 else p.nargs for p in arguments[1:])
    if at and (len(at) > room or is_case_folder(args[at[0]])):
        return args
    index = at[0] if at else len(args)
    return [*args[:index], default, *args[index:]]


# --------------------------------------------------------------------------- start-up cost


class _CheapCoercion:
    """Typer's coercion of one parameter, without importing Pydantic when it is not needed.

    Typer (pinned in pyproject.toml) builds a Pydantic adapter for every parameter a command parses — even one left
    at None — and importing Pydantic costs more CPU than the rest of leakdesk's start-up. Absent values need no
    coercion, and text and paths are only wrapped; everything else goes to Typer's own coercion, built on first use.
    """

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self.full: Any = None

    def _plain(self) -> tuple[type, bool] | None:
        """(str or Path, is a list) when the value only needs wrapping."""
        desc = self.descriptor
        info = desc.parameter_info
        if desc.file_annotation is not None or getattr(info, "exists", False) or getattr(info, "resolve_path", False) \
                or getattr(info, "writable", False) or not getattr(info, "file_okay", True) \
                or not getattr(info, "dir_okay", True) or getattr(info, "parser", None) is not None \
                or getattr(info, "click_type", None) is not None:
            return None
        annotation, many = desc.annotation, False
        if get_origin(annotation) is list and len(get_args(annotation)) == 1:
            annotation, many = get_args(annotation)[0], True
        return (annotation, many) if annotation in (str, Path) else None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        plain = self._plain()
        if plain is not None:
            kind, many = plain
            if many and isinstance(value, (list, tuple)):
                return [kind(v) for v in value]
            if not many and not isinstance(value, (list, tuple)):
                return kind(value)
        if self.full is None:
            from typer._coercion import build_runtime_param

            self.full = build_runtime_param(self.descriptor)
        return self.full.coerce(value, param=param, ctx=ctx)


def cheap_coercion(cmd: Any, ctx: click.Context) -> None:
    """Give each parameter of `cmd`, --help included, the coercion above (a no-op if Typer's internals change)."""
    if cmd is None:
        return
    for param in cmd.get_params(ctx):
        if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
            param._runtime_param = _CheapCoercion(param.type_descriptor)


# --------------------------------------------------------------------------- commands made on first use

ROOT = ""  # the group name CommandModules gives the top-level commands (`run`, `show`, …)


class CommandModules:
    """Which module adds the commands of which group; a module is imported when one of its groups is first used.

    `modules` maps a module (that defines `register(app, eval_app)`) to the groups it adds commands to: noun names,
    "eval", or ROOT for top-level commands. tests/cli checks the map against what each module really registers.
    """

    def __init__(self, app: typer.Typer, eval_app: typer.Typer, modules: dict[str, tuple[str, ...]]) -> None:
        self.app, self.eval_app, self.modules = app, eval_app, modules
        self.imported: set[str] = set()

    def rank(self, info: CommandInfo) -> int:
        """Where a command is listed: in the order of `modules`, whichever module was imported first."""
        order = list(self.modules)
        module = getattr(info.callback, "__module__", "")
        return order.index(module) if module in order else len(order)

    def typer_of(self, group: str) -> typer.Typer:
        """The Typer of `group`, after every module that adds commands to it has registered them."""
        for module, groups in self.modules.items():
            if group in groups and module not in self.imported:
                self.imported.add(module)
                importlib.import_module(module).register(self.app, self.eval_app)
        if group == ROOT:
            return self.app
        return self.eval_app if group == "eval" else noun(self.app, group)


_command_modules: CommandModules | None = None


def load_commands_from(modules: CommandModules) -> None:
    """Make every group of the CLI take its commands from `modules` (main.py calls this once)."""
    global _command_modules
    _command_modules = modules


class LazyGroup(TyperGroup):
    """A group whose commands are made the first time one is looked up or listed."""

    _loaded = False

    @property
    def group_key(self) -> str:
        return self.name or ""

    def load(self) -> None:
        """Add the commands that the modules of this group registered (importing those modules now)."""
        if self._loaded or _command_modules is None:
            return
        self._loaded = True
        source = _command_modules.typer_of(self.group_key)
        made: dict[str, click.Command] = {}
        for info in sorted(source.registered_commands, key=_command_modules.rank):
            assert info.callback is not None
            name = info.name or get_command_name(info.callback.__name__)
            made[name] = self.commands.get(name) or get_command_from_info(
                info, pretty_exceptions_short=source.pretty_exceptions_short,
                rich_markup_mode=source.rich_markup_mode)
        # Commands first, in the order of the modules' map whichever module was imported first; then the groups.
        self.commands = {**made, **{n: c for n, c in self.commands.items() if n not in made}}

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            self.load()
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load()
        return list(self.commands)


def load_everything(group: TyperGroup, ctx: click.Context | None = None) -> None:
    """Make every command of `group` and of its subgroups now (for tests and for listing the whole CLI)."""
    ctx = ctx or click.Context(group)
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if isinstance(sub, TyperGroup):
            load_everything(sub, ctx)


# --------------------------------------------------------------------------- groups that rewrite old forms


class NounGroup(LazyGroup):
    """A noun group: accepts the old `NOUN CASE VERB` and `NOUN CASE …` forms, and places the case."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        self.load()
        args = self._new_form(ctx, list(args))
        name, cmd, rest = super().resolve_command(ctx, args)
        cheap_coercion(cmd, ctx)
        if cmd is not None and not isinstance(cmd, TyperGroup):
            rest = place_case(cmd, rest)
        return name, cmd, rest

    def _new_form(self, ctx: click.Context, args: list[str]) -> list[str]:
        group = self.name or ""
        old = ctx.meta.pop(_OLD_GROUP, None)
        said = old or group
        first = args[0] if args else ""
        if not args or first in self.commands or first.startswith("-"):
            if old:
                deprecation_note(old, group)
            return args
        if group in CASE_BEFORE_VERB:
            verb = next((i for i, a in enumerate(args) if a in self.commands), None)
            if verb is not None:
                deprecation_note(f"{said} CASE {args[verb]}", f"{group} {args[verb]} CASE")
                return [args[verb], *args[:verb], *args[verb + 1:]]
        if group in LEGACY_VERB and (is_case_folder(first) or "--case" in args or os.environ.get(CASE_ENV)):
            verb_name = LEGACY_VERB[group]
            deprecation_note(f"{said} CASE …", f"{group} {verb_name} CASE …")
            return [verb_name, *args]
        if old:
            deprecation_note(old, group)
        return args


class RootGroup(LazyGroup):
    """The `leakdesk` command: old command names are rewritten to their new form; shortcuts place the case."""

    @property
    def group_key(self) -> str:
        return ROOT

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        args = list(args)
        if args and args[0] in RENAMED:
            old, new = args[0], RENAMED[args[0]]
            later = len(args) > 1 and not args[1].startswith("-")  # the group then sees the rest of the old form
            if len(new) == 1 and new[0] in CASE_BEFORE_VERB | set(LEGACY_VERB) and later:
                ctx.meta[_OLD_GROUP] = old  # the group writes one note naming the whole new form
            else:
                deprecation_note(old, " ".join(new))
            args = [*new, *args[1:]]
        name, cmd, rest = super().resolve_command(ctx, args)
        cheap_coercion(cmd, ctx)
        if cmd is not None and not isinstance(cmd, TyperGroup):
            rest = place_case(cmd, rest)
        return name, cmd, rest

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        cheap_coercion(self, ctx)  # --user
        return super().parse_args(ctx, args)
