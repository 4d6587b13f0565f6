"""Every command a message, hint, docstring, template or document names parses with the one grammar.

Messages drift when commands are renamed ("run `leakdesk verify CASE`" long after `verify` became `series
verify`). This scans every string of src/ (Python string literals, templates, the sample's README), the README and
docs/, finds each `leakdesk …` command in it and checks it against the real command tree: a known noun and verb, no
old form, and only options the command shows in its help.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer import _click as click
from typer.core import TyperGroup, TyperOption

from leakdesk.cli import grammar

ROOT = Path(__file__).resolve().parents[2]

# Where a command is written: inside backticks, <code>…</code>, or a line that starts with it (examples, <pre>).
_QUOTED = re.compile(r"`(leakdesk\s[^`]{1,200}?)`|<code>(leakdesk\s[^<]{1,200}?)</code>|^\s*\$?\s*(leakdesk [^\n`<]+)$",
                     re.M)
# Anywhere else: `leakdesk` followed by an old command name is an old form in prose ("run leakdesk verify").
_OLD_NAMES = "|".join(re.escape(old) for old in sorted(grammar.RENAMED, key=len, reverse=True))
_BARE_OLD = re.compile(rf"\bleakdesk ({_OLD_NAMES})(?![\w-])")
# The section of docs/cli.md that lists the old forms on purpose.
_OLD_FORMS_HEADING = "## Old forms"


def _python_strings(path: Path) -> Iterator[tuple[int, str]]:
    """Each string literal of a Python file (f-strings with their values as VALUE), with its line."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            parts = [p.value if isinstance(p, ast.Constant) else "VALUE" for p in node.values]
            yield node.lineno, "".join(str(p) for p in parts)


def _texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every place a user can read a command name."""
    for path in sorted((ROOT / "src").rglob("*")):
        where = str(path.relative_to(ROOT))
        if path.suffix == ".py":
            for lineno, text in _python_strings(path):
                yield f"{where}:{lineno}", text
        elif path.suffix in (".html", ".j2", ".md", ".txt") and "sample/letters" not in where:
            yield where, path.read_text("utf-8")
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text("utf-8")
        if path.name == "cli.md":
            start = text.index(_OLD_FORMS_HEADING)
            end = text.find("\n## ", start + 1)
            text = text[:start] + (text[end:] if end >= 0 else "")
        yield str(path.relative_to(ROOT)), text


def mentions(text: str) -> Iterator[tuple[str, bool]]:
    """The `leakdesk …` commands written in `text`, each without its leading `leakdesk `, and whether it is surely
    a command (quoted) rather than a line of prose that starts with the word leakdesk."""
    for match in _QUOTED.finditer(text):
        quoted = match.group(1) or match.group(2)
        yield " ".join((quoted or match.group(3)).split()[1:]), quoted is not None
    for match in _BARE_OLD.finditer(text):
        yield match.group(1), True


def _placeholder(word: str) -> bool:
    """NOUN, VERB, CASE, VALUE (an f-string's value), [CASE]: a stand-in, not a word of the command."""
    return bool(re.fullmatch(r"[\[(]?[A-Z][A-Z_.]*[\])]?(\.\.\.|…)?", word))


def problem(tree: TyperGroup, mention: str, quoted: bool = True) -> str | None:
    """Why `leakdesk MENTION` is not a command of the new grammar, or None when it is one (or, unquoted, prose)."""
    words = mention.replace("…", " ").split()
    first = words[0].rstrip(":,;.") if words else ""
    if first in grammar.RENAMED:
        return f"`{first}` is an old form (now `{' '.join(grammar.RENAMED[first])}`)"
    if _placeholder(first):
        return None
    ctx = click.Context(tree)
    if first.startswith("-"):  # an option of `leakdesk` itself: --help, --user, --passphrase-file
        known = {o for p in tree.params for o in p.opts} | {"--help"}
        return None if first in known else f"`{first}` is not an option of `leakdesk`"
    command = tree.get_command(ctx, first)
    if command is None or command.hidden:
        return f"`{first}` is not a command" if quoted else None
    rest = words[1:]
    commands = [command]
    if isinstance(command, TyperGroup):
        if not rest or rest[0] in ("--help", "-h", "VERB", "VALUE"):  # the group itself, or any of its verbs
            return None
        commands = []
        for verb_name in re.split(r"[|/]", rest[0].rstrip(":,;.")):
            verb = command.get_command(ctx, verb_name)
            if verb is None or verb.hidden:
                if not quoted and re.fullmatch(r"[a-z]+", verb_name):
                    return None  # prose: "the leakdesk bundle of a case"
                return f"`{first} {verb_name}` is not a command"
            commands.append(verb)
        rest = rest[1:]
    for command in commands:
        shown = {opt for p in command.params if isinstance(p, TyperOption) and not p.hidden
                 for opt in (*p.opts, *p.secondary_opts)} | {"--help"}
        for token in rest:
            for option in re.split(r"/(?=--)", token.split("=", 1)[0].rstrip(".,;:)")):
                if option.startswith("--") and option not in shown:
                    name = first if command.name == first else f"{first} {command.name}"
                    return f"`{option}` is not an option of `{name}`"
    return None


@pytest.fixture(scope="module")
def tree() -> TyperGroup:
    from leakdesk.cli.main import command_tree

    return command_tree()


def test_the_scan_finds_commands_and_catches_old_forms(tree: TyperGroup) -> None:
    text = ("Run `leakdesk verify CASE --series S`, then <code>leakdesk series CASE list</code>,\n"
            "  leakdesk dispatch review CASE 3 --verdict fake\nor run leakdesk claims, "
            "not a leakdesk case folder; `leakdesk dispatch list CASE --json`")
    found = [m for m, _ in mentions(text)]
    assert found == ["verify CASE --series S", "series CASE list", "dispatch review CASE 3 --verdict fake",
                     "dispatch list CASE --json", "verify", "claims"]
    assert [problem(tree, m) for m in found] == [
        "`verify` is an old form (now `series verify`)",
        "`series CASE` is not a command",
        "`--verdict` is not an option of `dispatch review`",
        None,
        "`verify` is an old form (now `series verify`)",
        "`claims` is an old form (now `claim extract`)",
    ]


def test_every_command_named_in_messages_and_docs_parses_with_the_grammar(tree: TyperGroup) -> None:
    wrong = [f"{where}: `leakdesk {mention}`: {why}" for where, text in _texts()
             for mention, quoted in mentions(text) if (why := problem(tree, mention, quoted))]
    assert wrong == []
