"""One grammar: every group's help, every old form mapped to its new command with its note, the one "No such
dispatch" message and exit code from every command that takes a dispatch, and the case from --case/LEAKDESK_CASE."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer import _click as click  # the click Typer builds its commands from
from typer.core import TyperArgument, TyperGroup

from leakdesk.case import Case
from leakdesk.cli import grammar
from leakdesk.intake import ingest_paths
from tests.conftest import invoke
from tests.store.test_records import _letters

ROOT = Path(__file__).resolve().parents[2]


def _tree() -> TyperGroup:
    from leakdesk.cli.main import command_tree

    return command_tree()


def _commands() -> list[tuple[str, ...]]:
    """Every visible command as its words: ("run",), ("dispatch", "list"), …"""
    root, found = _tree(), []
    for name, cmd in root.commands.items():
        if cmd.hidden:
            continue
        if isinstance(cmd, TyperGroup):
            found += [(name, verb) for verb, sub in cmd.commands.items() if not sub.hidden]
        else:
            found.append((name,))
    return found


@pytest.fixture
def loud(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deprecation notes on (the shared conftest silences them for the tests of old forms)."""
    monkeypatch.delenv(grammar.QUIET_ENV, raising=False)


@pytest.fixture
def mail_case(case: Case, tmp_path: Path) -> Case:
    ingest_paths(case, _letters(tmp_path / "mail"), series="Veter", progress=False)
    return case


@pytest.mark.parametrize("group", [*grammar.GROUPS, "eval"])
def test_every_group_has_help(runner, group: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, group, "--help")
    assert result.exit_code == 0, result.output
    assert re.search(rf"^Usage: \S+ {group} \[OPTIONS\] COMMAND", result.stdout, re.M)
    assert result.stderr == ""


def test_every_command_has_help_and_a_row_in_docs_cli_md(runner) -> None:  # type: ignore[no-untyped-def]
    documented = set(re.findall(r"^\| `leakdesk ([a-z -]+)`", (ROOT / "docs" / "cli.md").read_text("utf-8"), re.M))
    commands = {" ".join(words) for words in _commands()}
    assert commands == documented
    for words in ("run",), ("dispatch", "list"), ("series", "verify"), ("token", "remove"):
        result = invoke(runner, *words, "--help")
        assert result.exit_code == 0 and f" {' '.join(words)} [OPTIONS]" in result.stdout


def test_case_takes_the_same_place_in_every_command() -> None:
    """Every command whose first argument is a case folder calls it CASE (so --case and LEAKDESK_CASE work)."""
    root = _tree()
    for words in _commands():
        cmd: click.Command = root
        for word in words:
            assert isinstance(cmd, TyperGroup)
            cmd = cmd.commands[word]
        names = [p.name for p in cmd.params if isinstance(p, TyperArgument)]
        if names and names[0] in ("case", "case_path"):
            assert grammar.takes_case(cmd), words


@pytest.mark.parametrize(("old", "new"), sorted(grammar.RENAMED.items()))
def test_every_old_command_is_its_new_command_with_a_note(runner, loud, old: str, new: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, old, "--help")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"`leakdesk {old}` is now `leakdesk {' '.join(new)}`.\n"
    assert re.search(rf"^Usage: \S+ {' '.join(new)} \[OPTIONS\]", result.stdout, re.M)


def test_quiet_variable_silences_the_note(runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(grammar.QUIET_ENV, "1")
    assert invoke(runner, "dispatches", "--help").stderr == ""


def test_old_case_before_verb_forms(runner, loud, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    root = mail_case.root
    listed = invoke(runner, "series", root, "list")
    assert (listed.exit_code, listed.stdout) == (0, "Veter: 3 letters\n")
    assert listed.stderr == "`leakdesk series CASE list` is now `leakdesk series list CASE`.\n"
    redact = invoke(runner, "redact", root, "list")
    assert (redact.exit_code, redact.stdout) == (0, "No redactions.\n")
    assert redact.stderr == "`leakdesk redact CASE list` is now `leakdesk redaction list CASE`.\n"
    desk = invoke(runner, "dispatch", root, "5", "--date", "2021-03-10", "--note", "from the envelope")
    assert desk.stderr == "`leakdesk dispatch CASE …` is now `leakdesk dispatch set CASE …`.\n"
    assert (desk.exit_code, desk.stdout) == (0, "Dispatch 5: date 2021-03-10 set by the desk (tester).\n")


def test_review_takes_status_and_still_the_old_verdict(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    new = invoke(runner, "dispatch", "review", mail_case.root, "1", "--status", "doubtful", "--confidence", "0.6",
                 "--reviewer", "A. Expert")
    assert new.exit_code == 0, new.output
    assert new.stdout.startswith("Recorded: A. Expert judges dispatch 1 doubtful (confidence 0.6).")
    old = invoke(runner, "review", mail_case.root, "2", "--verdict", "genuine", "--confidence", "0.9",
                 "--reviewer", "B")
    assert old.exit_code == 0 and "judges dispatch 2 genuine" in old.stdout
    status = invoke(runner, "dispatch", "status", mail_case.root, "1", "--json")
    assert [r["verdict"] for r in __import__("json").loads(status.stdout)["reviews"]] == ["doubtful"]
    neither = invoke(runner, "dispatch", "review", mail_case.root, "1", "--confidence", "0.6", "--reviewer", "A")
    assert (neither.exit_code, neither.stderr) == (2, "Error: Give the verdict with --status genuine, doubtful or "
                                                      "fake.\n")


# Every command that takes a dispatch, with the dispatch as "{d}".
DISPATCH_COMMANDS = [
    ["show", "{d}"],
    ["dispatch", "show", "{d}"],
    ["dispatch", "set", "{d}", "--date", "2021-01-01"],
    ["dispatch", "decrypt", "{d}"],
    ["dispatch", "variants", "{d}"],
    ["dispatch", "review", "{d}", "--status", "genuine", "--confidence", "0.5", "--reviewer", "x"],
    ["dispatch", "status", "{d}"],
    ["dispatch", "dkim", "{d}", "--no-dns"],
    ["dispatch", "ocr", "{d}"],
    ["dispatch", "scrub", "{d}"],
    ["series", "assign", "Veter", "{d}"],
    ["series", "verify", "Veter", "--dispatch", "{d}"],
    ["translation", "draft", "{d}"],
    ["translation", "import", "{d}", "README.md"],
    ["translation", "show", "{d}"],
    ["translation", "list", "{d}"],
    ["translation", "set", "{d}", "--status", "final"],
    ["translation", "diff", "{d}", "1", "2"],
    ["translation", "export", "{d}", "out.html"],
    ["translation", "suggest", "{d}"],
    ["translation", "segment", "{d}", "1", "--comment", "x"],
    ["glossary", "check", "{d}"],
    ["claim", "extract", "--dispatch", "{d}"],
    ["claim", "list", "--dispatch", "{d}"],
    ["date", "extract", "{d}"],
    ["redaction", "span", "--dispatch", "{d}", "--start", "0", "--end", "1"],
    ["redaction", "preview", "{d}"],
]


@pytest.mark.parametrize("words", DISPATCH_COMMANDS, ids=lambda w: " ".join(w[:2]))
def test_every_dispatch_command_gives_the_one_no_such_dispatch_message(runner, mail_case: Case, words) -> None:  # type: ignore[no-untyped-def]
    for given in ("33", "abc"):
        args = [w.replace("{d}", given) for w in words]
        result = invoke(runner, args[0], *([args[1], mail_case.root, *args[2:]] if args[0] != "show"
                                           else [mail_case.root, *args[1:]]))
        assert (result.exit_code, result.stderr) == (1, f"Error: No such dispatch {given} in this case.\n"), args


# Every command that takes a series by name, with the name as "{s}" (its own NAME or --series NAME).
SERIES_COMMANDS = [
    ["series", "show", "{s}"], ["series", "remove", "{s}"], ["series", "assign", "{s}", "1"],
    ["series", "verify", "{s}"], ["series", "report", "{s}"], ["series", "exposure", "{s}"],
    ["claim", "extract", "--series", "{s}"], ["claim", "list", "--series", "{s}"],
    ["claim", "timeline", "--series", "{s}"], ["redaction", "propose", "--series", "{s}"],
    ["redaction", "list", "--series", "{s}"], ["redaction", "export", "--series", "{s}"],
    ["case", "share", "--publication", "--series", "{s}"], ["bundle", "export", "OUT", "--series", "{s}"],
    ["dispatch", "scrub", "--series", "{s}"], ["search", "word", "--series", "{s}"],
]


@pytest.mark.parametrize("words", SERIES_COMMANDS, ids=lambda w: " ".join(w[:2]))
def test_no_such_series_is_one_message(runner, mail_case: Case, tmp_path: Path, words: list[str]) -> None:  # type: ignore[no-untyped-def]
    args = [str(tmp_path / "out") if w == "OUT" else w.replace("{s}", "Shtorm") for w in words]
    at = 1 if args[0] == "search" else 2
    result = invoke(runner, *args[:at], mail_case.root, *args[at:])
    assert (result.exit_code, result.stderr) == (
        1, "Error: No such series 'Shtorm' in this case. Series in this case: Veter.\n"), args
    assert not (tmp_path / "out").exists()


def test_no_such_series_in_a_case_without_series(runner, case: Case) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "series", "show", case.root, "Veter")
    assert (result.exit_code, result.stderr) == (1, "Error: No such series 'Veter' in this case. This case has no "
                                                    "series yet.\n")


def test_case_from_variable_keeps_positional_arguments(runner, mail_case: Case, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEAKDESK_CASE", str(mail_case.root))
    short = invoke(runner, "show", "1")  # before: "1" was taken for the case and DISPATCH was missing
    assert short.exit_code == 0, short.output
    assert short.stdout.startswith("Dispatch 1 — Второе\n")
    assert invoke(runner, "show", mail_case.root, "1").stdout == short.stdout
    assert invoke(runner, "series", "show", "Veter").stdout.startswith("Series Veter: 3 letters\n")
    assert invoke(runner, "dispatch", "list", "--json").exit_code == 0
    made = invoke(runner, "case", "init", tmp_path / "second")  # a new case is named positionally
    assert made.exit_code == 0 and (tmp_path / "second" / "case.json").is_file()


def test_case_option(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    by_option = invoke(runner, "show", "--case", mail_case.root, "1")
    assert by_option.exit_code == 0 and by_option.stdout.startswith("Dispatch 1 — Второе\n")
    assert invoke(runner, "show", f"--case={mail_case.root}", "1").stdout == by_option.stdout
    missing = invoke(runner, "show", "1", "--case")
    assert (missing.exit_code, missing.stderr.splitlines()[-1]) == (2, "Error: --case needs the case folder.")


HEAVY = ('sqlalchemy', 'alembic', 'numpy', 'torch', 'spacy', 'stanza', 'sklearn', 'transformers', 'argostranslate',
         'jinja2', 'gnupg', 'pydantic', 'rich', 'fastapi', 'leakdesk.case', 'leakdesk.store')


def _loaded_after(code: str) -> list[str]:
    """The heavy modules (and leakdesk.cli modules) a fresh interpreter holds after running `code`."""
    probe = (f"import sys, io, contextlib\n{code}\n"
             f"print(' '.join(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r} "
             "or m.startswith('leakdesk.cli.')))")
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "LEAKDESK_HOME": "/nonexistent"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return sorted(out.stdout.split())


def test_importing_the_cli_loads_no_heavy_library_and_no_command() -> None:
    assert _loaded_after("import leakdesk.cli.main") == ["leakdesk.cli.grammar", "leakdesk.cli.main"]


@pytest.mark.parametrize("words", [["--help"], ["dispatch", "--help"], ["dispatch", "list", "--help"],
                                   ["show", "--help"], ["series", "verify", "--help"], ["eval", "--help"],
                                   ["dispatches", "--help"]])
def test_help_loads_no_heavy_library_and_only_the_modules_of_its_group(words: list[str]) -> None:
    from leakdesk.cli.main import COMMAND_MODULES

    group = words[0] if len(words) > 1 and words[0] in [*grammar.GROUPS, "eval"] else grammar.ROOT
    group = "dispatch" if words[0] == "dispatches" else group
    run = (f"sys.argv = ['leakdesk', *{words!r}]\nfrom leakdesk.cli.main import main\n"
           "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
           "    try:\n        main()\n    except SystemExit:\n        pass")
    expected = {"leakdesk.cli.grammar", "leakdesk.cli.main", "leakdesk.cli.common",
                *(m for m, groups in COMMAND_MODULES.items() if group in groups)}
    expected |= {"leakdesk.cli.dkim"} if group == "dispatch" else set()  # ocr.py shares dkim's progress bar
    assert set(_loaded_after(run)) == expected


def test_the_consoles_import_rich_on_first_use_and_are_then_real_consoles() -> None:
    code = ("import sys\nfrom leakdesk.cli import common\nbefore = 'rich' in sys.modules\n"
            "with common.err_console:\n    pass\n"  # Rich's progress bars enter the console first of all
            "from rich.console import Console\n"
            "print(before, type(common.err_console).__name__, isinstance(common.err_console, Console), "
            "type(common.console).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["False", "SafeConsole", "True", "_FirstUseConsole"]


def test_command_modules_name_every_group_they_add_to() -> None:
    """main.COMMAND_MODULES says which groups each module adds to: a module missing there would never load."""
    import importlib

    from leakdesk.cli.main import COMMAND_MODULES

    for module, groups in COMMAND_MODULES.items():
        app, eval_app = typer.Typer(), typer.Typer()
        importlib.import_module(module).register(app, eval_app)
        filled = {name for name, sub in app.__dict__.get("_leakdesk_groups", {}).items() if sub.registered_commands}
        filled |= {grammar.ROOT} if app.registered_commands else set()
        filled |= {"eval"} if eval_app.registered_commands else set()
        assert filled == set(groups), module


def test_translation_verbs(runner, mail_case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    english = tmp_path / "en.txt"
    english.write_text("Yesterday a staff meeting number 1 took place in Kyiv.\n", "utf-8")
    root = mail_case.root
    made = invoke(runner, "translation", "import", root, "1", english, "--translator", "Boris", "--force")
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith("Imported translation 1 of dispatch 1 (Boris): 1 segments")
    listed = json.loads(invoke(runner, "translation", "list", root, "1", "--json").stdout)
    assert [(t["translation"], t["by"], t["status"]) for t in listed["translations"]] == [(1, "Boris", "draft")]
    done = invoke(runner, "translation", "set", root, "1", "--status", "final")
    assert (done.exit_code, done.stdout) == (0, "Translation 1 of dispatch 1 is now final.\n")
    shown = json.loads(invoke(runner, "translation", "show", root, "1", "--json").stdout)
    assert shown["status"] == "final"
    old = invoke(runner, "translation", root, "1", "--all", "--json")  # the old form still answers
    assert json.loads(old.stdout)["translations"][0]["status"] == "final"


def test_hidden_old_options_stay_out_of_help(runner) -> None:  # type: ignore[no-untyped-def]
    review = invoke(runner, "dispatch", "review", "--help").stdout
    assert "\n  --status " in review and "--verdict" not in review
    show = invoke(runner, "translation", "show", "--help").stdout
    assert "\n  --version " in show and "\n  --all " not in show and "\n  --suggest " not in show
    listed = re.findall(r"^  ([a-z-]+)  ", invoke(runner, "--help").stdout.split("Commands:")[1], re.M)
    assert listed == ["run", "show", "demo", "serve", "search", *grammar.GROUPS, "eval"]
