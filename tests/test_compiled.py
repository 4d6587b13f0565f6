"""leakdesk/compiled.py and scripts/build_compiled.py: the mypyc-built reader modules are used only when built from
the very sources on disk, can be switched off, and read every letter as the pure-Python modules do.

The tests that load a real build run where one is usable (`make venv` builds it; elsewhere they are skipped and
say so); the guard's decision and the build script's dependency walk are tested on files written here.
"""

from __future__ import annotations

import base64
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from leakdesk import compiled

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
BUILD = compiled.check(compiled.folder(), SRC)
needs_build = pytest.mark.skipif(not BUILD.usable, reason=f"no usable compiled build ({BUILD.reason}); "
                                 "`make venv` or scripts/build_compiled.py makes one")
# The tests of the reader modules, run a second time in the other mode by the last test here.
READER_TESTS = ["tests/intake/test_fast_reading.py", "tests/intake/test_simple_message.py",
                "tests/intake/test_ingest_speed.py", "tests/intake/test_charsets.py",
                "tests/intake/test_email_facts.py", "tests/intake/test_mail_classes.py",
                "tests/intake/test_readers.py", "tests/intake/test_bad_input.py"]


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_compiled", REPO / "scripts" / "build_compiled.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env(root: Path, *, pure: bool, build: Path | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != compiled.PURE_SWITCH}
    env.update({"PYTHONPATH": os.pathsep.join([str(root), str(REPO)]),
                compiled.FOLDER_SWITCH: str(build or compiled.folder())})
    if pure:
        env[compiled.PURE_SWITCH] = "1"
    return env


PROBE = """
import importlib, json
from leakdesk import compiled
files = {name: importlib.import_module(name).__file__ for name in compiled.MODULES}
print(json.dumps({"files": files, **compiled.status()}))
"""


def _probe(root: Path, *, pure: bool = False) -> dict[str, object]:
    child = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                           env=_env(root, pure=pure), timeout=120)
    return dict(json.loads(child.stdout.strip().splitlines()[-1]))


def _all_pure(found: dict[str, object]) -> bool:
    files = found["files"]
    assert isinstance(files, dict) and set(files) == set(compiled.MODULES)
    return all(str(path).endswith(".py") for path in files.values()) and found["compiled"] == []


# --- the guard's decision, on a tree and a manifest written here ---------------------------------------------

def _fake_build(tmp_path: Path) -> tuple[Path, Path]:
    """Sources under root/ and a build under build/ whose manifest matches them (the compiled files are empty:
    `check` loads nothing)."""
    root, build = tmp_path / "root", tmp_path / "build"
    (root / "leakdesk").mkdir(parents=True)
    sources = {"leakdesk/__init__.py": "", "leakdesk/eml.py": "A = 1\n", "leakdesk/reading.py": "B = 2\n"}
    for relative, text in sources.items():
        (root / relative).write_text(text)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    modules = {name: name.replace(".", "/") + suffix for name in [*compiled.MODULES, "group__mypyc"]}
    for relative in modules.values():
        (build / relative).parent.mkdir(parents=True, exist_ok=True)
        (build / relative).write_bytes(b"")
    manifest = {"format": compiled.FORMAT, "suffix": suffix, "modules": modules,
                "sources": {relative: compiled.digest(root / relative) for relative in sources}}
    (build / compiled.MANIFEST).write_text(json.dumps(manifest))
    return root, build


def test_a_build_is_used_only_while_every_source_it_was_made_from_is_unchanged(tmp_path: Path) -> None:
    root, build = _fake_build(tmp_path)
    verdict = compiled.check(build, root)
    assert verdict.usable and set(verdict.files) == {*compiled.MODULES, "group__mypyc"}

    (root / "leakdesk/reading.py").write_text("B = 3\n")  # a module the compiled code imports, not compiled itself
    verdict = compiled.check(build, root)
    assert not verdict.usable and verdict.files == {}
    assert verdict.reason == "leakdesk/reading.py differs from the source the build was made from"
    (root / "leakdesk/reading.py").write_text("B = 2\n")
    assert compiled.check(build, root).usable  # the same bytes again: the same build is good again

    (root / "leakdesk/eml.py").unlink()
    assert compiled.check(build, root).reason == f"leakdesk/eml.py is not under {root}"


def test_a_build_for_another_interpreter_or_module_list_or_with_files_missing_is_not_used(tmp_path: Path) -> None:
    root, build = _fake_build(tmp_path)
    manifest = json.loads((build / compiled.MANIFEST).read_text())

    def verdict_with(**changes: object) -> compiled.Verdict:
        (build / compiled.MANIFEST).write_text(json.dumps({**manifest, **changes}))
        return compiled.check(build, root)

    assert verdict_with().usable
    other = verdict_with(suffix=".cpython-312-x86_64-linux-gnu.so")
    assert not other.usable and other.reason.startswith("built for .cpython-312")
    fewer = dict(manifest["modules"])
    del fewer["leakdesk.intake.readers.eml"]
    assert verdict_with(modules=fewer).reason == "the build lacks leakdesk.intake.readers.eml"
    assert not verdict_with(format=compiled.FORMAT + 1).usable
    verdict_with()
    (build / manifest["modules"]["leakdesk.intake.readers.mbox"]).unlink()
    assert compiled.check(build, root).reason.startswith("compiled file missing: ")
    (build / compiled.MANIFEST).write_text("{not json")
    assert compiled.check(build, root).reason.startswith("unreadable manifest")
    assert compiled.check(tmp_path / "nowhere", root).reason == f"no compiled build in {tmp_path / 'nowhere'}"


def test_the_build_records_every_leakdesk_module_the_compiled_ones_import(tmp_path: Path) -> None:
    """Imports inside functions, under TYPE_CHECKING, relative ones and `from package import submodule` all
    count (mypyc builds their types and final constants into the compiled code); other packages do not."""
    files = {
        "leakdesk/__init__.py": "",
        "leakdesk/top.py": "import json\ndef f():\n    from leakdesk.inner import deep\n",
        "leakdesk/inner/__init__.py": "",
        "leakdesk/inner/deep.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import typed\n"
                                  "from .. import sibling\n",
        "leakdesk/inner/typed.py": "",
        "leakdesk/sibling.py": "from leakdesk.inner import typed as t\n",
        "leakdesk/unrelated.py": "",
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    found = _build_script().dependencies(tmp_path, ("leakdesk.top",))
    assert sorted(found) == ["leakdesk", "leakdesk.inner", "leakdesk.inner.deep", "leakdesk.inner.typed",
                             "leakdesk.sibling", "leakdesk.top"]
    real = _build_script().dependencies(SRC, compiled.MODULES)
    assert {"leakdesk.intake.reading", "leakdesk.store.originals", "leakdesk.intake.readers.html"} <= set(real)


def test_without_a_compiler_the_build_warns_and_leakdesk_stays_pure(tmp_path: Path) -> None:
    out = tmp_path / "compiled"
    env = dict(os.environ, CC=str(tmp_path / "no-such-cc"))
    script = str(REPO / "scripts" / "build_compiled.py")
    quiet = subprocess.run([sys.executable, script, "--out", str(out)], capture_output=True, text=True, env=env,
                           timeout=120)
    assert quiet.returncode == 0
    assert "leakdesk runs pure Python" in quiet.stderr and "no C compiler" in quiet.stderr
    assert not out.exists()
    strict = subprocess.run([sys.executable, script, "--out", str(out), "--strict"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert strict.returncode == 1


# --- a real build ---------------------------------------------------------------------------------------------

@needs_build
def test_the_compiled_modules_are_loaded_from_the_build_for_these_sources() -> None:
    found = _probe(SRC)
    assert found["compiled"] == sorted(compiled.MODULES)
    build = compiled.folder().resolve()
    assert all(Path(str(path)).resolve().is_relative_to(build) for path in dict(found["files"]).values())  # type: ignore[call-overload]


@needs_build
def test_the_switch_turns_every_compiled_module_off() -> None:
    found = _probe(SRC, pure=True)
    assert _all_pure(found) and found["reason"] == f"{compiled.PURE_SWITCH} is set"


@needs_build
def test_an_edited_source_means_pure_python_for_every_compiled_module(tmp_path: Path) -> None:
    """A copy of the sources uses the build while it is the same bytes; one edit anywhere the build depends on,
    in a compiled module or in one it imports, and all of them load from the .py files."""
    copy = tmp_path / "src"
    shutil.copytree(SRC / "leakdesk", copy / "leakdesk", ignore=shutil.ignore_patterns("__pycache__"))
    assert _probe(copy)["compiled"] == sorted(compiled.MODULES)

    eml = copy / "leakdesk/intake/readers/eml.py"
    original = eml.read_bytes()
    eml.write_bytes(original + b"\nEDITED = True\n")
    found = _probe(copy)
    assert _all_pure(found)
    assert found["reason"] == "leakdesk/intake/readers/eml.py differs from the source the build was made from"
    assert dict(found["files"])["leakdesk.intake.readers.eml"] == str(eml)  # type: ignore[call-overload]

    eml.write_bytes(original)
    reading = copy / "leakdesk/intake/reading.py"
    reading.write_bytes(reading.read_bytes() + b"\n")
    assert _all_pure(_probe(copy))


READ_ALL = """
import hashlib, json, sys
from pathlib import Path
from leakdesk import compiled
from leakdesk.intake.registry import default_registry
from leakdesk.intake.reading import Limits, ReadContext, Source
from leakdesk.language.langid import detect_languages
from tests.intake.conftest import MemoryStore

path, scratch = Path(sys.argv[1]), Path(sys.argv[2])
store = MemoryStore()
ctx = ReadContext(Limits(), store, lambda sha: scratch / sha, scratch, gnupg_home=scratch)
registry = default_registry()
box = registry.by_name("mbox").read(Source(filename=path.name, path=path), ctx)
box.children = members = list(box.children)
lines = [repr(box)]
texts = []
for member in members:
    ex = registry.by_name("eml").read(Source(data=member.data, media_type="message/rfc822"), ctx)
    ex.children = list(ex.children)
    lines.append(repr(ex))
    texts += [part.content for part in ex.texts]
lines.append(repr(detect_languages(texts, ["ru", "en"])))
lines.append(repr(sorted(store.stored.items())))
print(json.dumps({"lines": lines, **compiled.status()}))
"""


def _letters() -> bytes:
    """An mbox of varied letters: charsets, encoded words, folded and raw 8-bit headers, attachments, HTML,
    quoted-printable, broken base64, a missing boundary, a "From " line in a body."""
    from tests.intake.conftest import EN_TEXT, RU_TEXT, raw_message, with_attachment

    letters = []
    for i in range(240):
        charset = ["utf-8", "koi8-r", "windows-1251", "cp866", "iso-8859-5"][i % 5]
        text = (RU_TEXT if i % 3 else EN_TEXT) + f" ({i})\n"
        headers = {"Subject": ["Report", "=?utf-8?b?0J7RgtGH0ZHRgg==?=", "Folded\n subject", "Сырой 8-bit"][i % 4],
                   "Date": [f"Tue, 03 Aug 2021 {i % 24:02d}:05:00 +0300", "3 Aug 2021 14:05 GMT", "not a date"][i % 3],
                   "Received": f"from mx{i % 7}.example.org by desk; Tue, 03 Aug 2021 14:0{i % 10}:00 +0300"}
        if i % 11 == 5:
            letter = with_attachment(bytes(range(256)) * 8, f"scan{i}.bin", message_id=f"<a{i}@x>", text=text)
        elif i % 13 == 6:
            letter = raw_message(f"<html><body><p>{text}</p></body></html>".encode(charset, "replace"),
                                 content_type=f"text/html; charset={charset}", headers=headers)
        elif i % 17 == 7:
            letter = raw_message(b"SGVsbG8gd29ybGQ*&^%$#@!!!!=\n", cte="base64", headers=headers)
        elif i % 19 == 8:
            letter = raw_message(b"no boundary at all\n", content_type='multipart/mixed; boundary="NOPE"')
        elif i % 7 == 2:
            letter = raw_message(base64.encodebytes(text.encode("utf-8")) if i % 2 else
                                 text.replace("е", "=D0=B5").encode("utf-8", "replace"),
                                 cte="base64" if i % 2 else "quoted-printable", headers=headers)
        else:
            letter = raw_message((text + "\nFrom the desk, with thanks.\n").encode(charset, "replace"),
                                 content_type=f"text/plain; charset={charset}", headers=headers,
                                 message_id=f"<m{i}@example.org>")
        letters.append(f"From s{i}@example.org Tue Aug  3 14:05:00 2021\n".encode() + letter.rstrip(b"\n") + b"\n\n")
    return b"".join(letters)


@needs_build
def test_compiled_and_pure_python_read_a_generated_mbox_alike(tmp_path: Path) -> None:
    mbox = tmp_path / "letters.mbox"
    mbox.write_bytes(_letters())
    runs = {}
    for pure in (False, True):
        scratch = tmp_path / f"scratch-{pure}"
        scratch.mkdir()
        child = subprocess.run([sys.executable, "-c", READ_ALL, str(mbox), str(scratch)], capture_output=True,
                               text=True, check=True, env=_env(SRC, pure=pure), timeout=300)
        runs[pure] = json.loads(child.stdout.strip().splitlines()[-1])
    assert runs[False]["compiled"] == sorted(compiled.MODULES) and runs[True]["compiled"] == []
    compiled_lines, pure_lines = runs[False]["lines"], runs[True]["lines"]
    assert len(pure_lines) == 1 + 240 + 2
    assert sum("errors=[]" not in line for line in pure_lines[1:-2]) >= 10  # the broken letters were read as broken
    assert sum("kind='attachment'" in line for line in pure_lines[1:-2]) >= 10
    for compiled_line, pure_line in zip(compiled_lines, pure_lines, strict=True):
        assert compiled_line == pure_line


@pytest.mark.timeout(1800)  # a whole child pytest of the reader test files (90 s at load 9.5)
def test_the_reader_tests_pass_in_the_other_mode_too() -> None:
    """This run's reader tests ran compiled (or pure Python); here they run again the other way, the tests that
    patch a compiled module's internals (marked pure_python, skipped in a compiled run) among them."""
    if not BUILD.usable:
        pytest.skip(f"only pure Python can run here: {BUILD.reason}")
    this_run_compiled = compiled.active()
    env = _env(SRC, pure=this_run_compiled)
    child = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *READER_TESTS],
                           capture_output=True, text=True, env=env, cwd=REPO, timeout=1800)
    assert child.returncode == 0, child.stdout[-4000:]
    assert " passed" in child.stdout.strip().splitlines()[-1]
