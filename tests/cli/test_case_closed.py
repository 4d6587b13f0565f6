"""Every command closes the case it opened, on success and on error: no handle on case.db (or its -wal/-shm) stays
open in the process afterwards (the claims group and its `export ftm|claimreview` relied on garbage collection, and
an error kept the case open for as long as its traceback lived)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leakdesk.case import Case
from tests.conftest import invoke


def _open_handles(root: Path) -> list[str]:
    """The files of the case folder this process holds open."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed between listing and reading
            continue
        if target.startswith(str(root)):
            held.append(target)
    return held


COMMANDS = [  # (arguments after the case, expected exit code); {out} is a path to write, {folder} a folder
    (("export", "ftm", "{case}", "{out}"), 0),
    (("export", "ftm", "{case}", "{folder}"), 1),
    (("export", "ftm", "{case}", "{out}", "--redacted", "Nope"), 1),
    (("export", "claimreview", "{case}", "{out}"), 0),
    (("export", "claimreview", "{case}", "{folder}"), 1),
    (("entity", "list", "{case}"), 0),
    (("alias", "list", "{case}"), 0),
    (("alias", "add", "{case}", "Nobody", "Noone"), 1),
    (("alias", "remove", "{case}", "Noone"), 1),
    (("claim", "list", "{case}"), 0),
    (("claim", "list", "{case}", "--series", "Nope"), 1),
    (("claim", "set", "{case}", "7", "--status", "unverified", "--reviewer", "anna"), 1),
    (("claim", "timeline", "{case}"), 0),
]


@pytest.mark.parametrize(("words", "code"), COMMANDS, ids=[" ".join(w[:2]) + f" -> {c}" for w, c in COMMANDS])
def test_the_command_leaves_no_handle_on_the_case(runner, case: Case, tmp_path: Path, words: tuple[str, ...],  # type: ignore[no-untyped-def]
                                                   code: int) -> None:
    case.close()
    (tmp_path / "folder").mkdir()
    places = {"case": case.root, "out": tmp_path / "out.json", "folder": tmp_path / "folder"}
    result = invoke(runner, *(w.format(**places) for w in words))
    assert result.exit_code == code, result.output
    assert _open_handles(case.root) == []  # `result` (and any traceback it keeps) is still alive here
