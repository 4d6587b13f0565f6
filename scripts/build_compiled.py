"""Compile leakdesk's reader modules with mypyc into a folder outside src/, for leakdesk/compiled.py to load.

    .venv/bin/python scripts/build_compiled.py [--out DIR] [--force] [--strict]

`make venv` runs this. The modules (leakdesk.compiled.MODULES) are compiled unchanged, into DIR (default
`<venv>/leakdesk-compiled`), never next to their sources; the manifest records the sha256 of every leakdesk source
the compiled code depends on (the modules and all the leakdesk modules they import), read before the build and
checked unchanged after it. A build whose manifest still matches the sources is kept (nothing to do). Without a C
compiler, Python headers or mypyc, or if the build or its smoke test fails, it says why and exits 0: leakdesk then
runs pure Python, as it does whenever the build is missing or stale (`--strict` exits 1 instead).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib.machinery
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))
os.environ["LEAKDESK_PURE_PYTHON"] = "1"  # this process imports leakdesk.compiled only; never the old build

from leakdesk import compiled  # noqa: E402


class BuildSkipped(Exception):
    """The build cannot be made here; the message says why and what to install."""


def module_path(root: Path, name: str) -> Path | None:
    base = root.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def imported_names(name: str, path: Path) -> set[str]:
    """Every module name an import statement in the file may refer to (a `from X import y` gives X and X.y)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def dependencies(root: Path, modules: tuple[str, ...]) -> dict[str, Path]:
    """The modules and every leakdesk module they import, directly or not (any import statement, also those
    inside functions or TYPE_CHECKING blocks), with their packages: what mypy reads to type the compiled code."""
    found: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in found or not (name == "leakdesk" or name.startswith("leakdesk.")):
            continue
        path = module_path(root, name)
        if path is None:
            continue
        found[name] = path
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        todo.extend(imported_names(name, path))
    return found


def source_digests(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): compiled.digest(path)
            for path in sorted(dependencies(root, compiled.MODULES).values())}


def check_toolchain() -> None:
    try:
        import mypyc.build  # noqa: F401
        import setuptools  # noqa: F401
    except ImportError as error:
        raise BuildSkipped(f"{error.name} is not installed (pip install -e '.[dev]' brings mypy with mypyc)") from None
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")[0]  # as setuptools picks it
    if shutil.which(cc) is None:
        raise BuildSkipped(f"no C compiler ({cc}); on Debian: apt-get install gcc")
    header = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not header.is_file():
        raise BuildSkipped(f"no Python headers ({header}); on Debian: apt-get install python3.11-dev")


def compile_modules(root: Path, work: Path, log: Path) -> dict[str, str]:
    """mypyc + the C compiler, into work/lib; returns module name -> compiled file relative to work/lib."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    paths = [str(module_path(root, name)) for name in compiled.MODULES]
    cwd = Path.cwd()
    with open(log, "w", encoding="utf-8") as out, contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        os.chdir(work)  # mypy's cache and setuptools' files stay in the work folder, no project config is read
        try:
            extensions = mypycify([*paths, "--ignore-missing-imports", "--cache-dir", str(work / "mypy-cache")],
                                  target_dir=str(work / "c"), group_name="leakdesk_compiled")
            distribution = Distribution({"name": "leakdesk-compiled", "ext_modules": extensions})
            command = distribution.get_command_obj("build_ext")
            command.build_lib, command.build_temp = str(work / "lib"), str(work / "temp")  # type: ignore[attr-defined]
            command.parallel = os.cpu_count() or 1  # type: ignore[attr-defined]
            command.ensure_finalized()
            command.run()
        finally:
            os.chdir(cwd)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return {extension.name: extension.name.replace(".", "/") + suffix for extension in extensions}


def smoke_test(build: Path) -> None:
    """Import every compiled module from the new build in a fresh interpreter and check that it is the compiled one."""
    probe = ("import importlib, json, sys\n"
             "from leakdesk import compiled\n"
             "for name in compiled.MODULES: importlib.import_module(name)\n"
             "print(json.dumps(compiled.status()))\n")
    env = {key: value for key, value in os.environ.items() if key != compiled.PURE_SWITCH}
    env.update({compiled.FOLDER_SWITCH: str(build), "PYTHONPATH": str(SRC)})
    child = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    if child.returncode:
        raise RuntimeError(f"the compiled modules do not import:\n{child.stderr[-2000:]}")
    status = json.loads(child.stdout.strip().splitlines()[-1])
    if status["compiled"] != sorted(compiled.MODULES):
        raise RuntimeError(f"the new build was not used: {status['reason']}")


def build(out: Path, force: bool) -> str:
    root = SRC
    verdict = compiled.check(out, root)
    if verdict.usable and not force:
        return f"compiled reader modules up to date in {out}"
    check_toolchain()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.parent / f".{out.name}.build-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        before = source_digests(root)
        start = time.perf_counter()
        try:
            modules = compile_modules(root, work, work / "build.log")
        except (Exception, SystemExit) as error:  # setuptools reports a failed compiler run as SystemExit
            tail = (work / "build.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"the build failed ({error!r}); the end of its log:\n{tail}") from None
        seconds = time.perf_counter() - start
        if source_digests(root) != before:
            raise RuntimeError("a source changed during the build; run it again")
        lib = work / "lib"
        manifest = {"format": compiled.FORMAT, "suffix": importlib.machinery.EXTENSION_SUFFIXES[0],
                    "python": sys.version.split()[0], "mypy": _mypy_version(), "build_seconds": round(seconds, 1),
                    "modules": modules, "sources": before}
        (lib / compiled.MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        smoke_test(lib)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            out.rename(old)
        lib.rename(out)
        shutil.rmtree(old, ignore_errors=True)
        return f"compiled {len(compiled.MODULES)} reader modules into {out} in {seconds:.0f} s"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _mypy_version() -> str:
    from mypy.version import __version__

    return __version__


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=compiled.default_folder(),
                        help="where to build (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="build even if the build there is up to date")
    parser.add_argument("--strict", action="store_true", help="exit 1 if no build can be made")
    args = parser.parse_args()
    try:
        print(build(args.out.resolve(), args.force))
    except (BuildSkipped, RuntimeError, OSError) as error:
        print(f"warning: leakdesk runs pure Python: no compiled reader modules were built: {error}", file=sys.stderr)
        return 1 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
