"""Compiled reader modules: mypyc builds of a few pure-Python modules, used only when built from these sources.

`scripts/build_compiled.py` (run by `make venv`) compiles MODULES, unchanged, with mypyc into a folder outside
src/ (`<venv>/leakdesk-compiled`) and writes there a manifest with the sha256 of every leakdesk source the compiled
code depends on: the compiled modules and every leakdesk module they import, directly or not (mypyc builds in
their types and final constants). `install()`, called by leakdesk/__init__.py, puts a finder first on
sys.meta_path. The first time a compiled module is imported it checks every digest against the source beside this
file; only if all match are the compiled modules served, otherwise all of them stay pure Python: whoever edits one
of those sources tests the source, never a stale build. LEAKDESK_PURE_PYTHON=1 turns the finder off,
LEAKDESK_COMPILED_DIR points it at another build.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import threading
from pathlib import Path
from types import ModuleType

# The reader half of ingest (session 7: -11.9% instructions for these seven, compiled unchanged).
MODULES = (
    "leakdesk.intake.anomalies",
    "leakdesk.intake.charsets",
    "leakdesk.intake.headers",
    "leakdesk.intake.readers.eml",
    "leakdesk.intake.readers.mbox",
    "leakdesk.intake.simple_parse",
    "leakdesk.language.langid",
)
MANIFEST = "manifest.json"
FORMAT = 1
PURE_SWITCH = "LEAKDESK_PURE_PYTHON"
FOLDER_SWITCH = "LEAKDESK_COMPILED_DIR"


def default_folder() -> Path:
    """Where `make venv` builds: inside the virtual environment, beside the interpreter the build is for."""
    return Path(sys.prefix) / "leakdesk-compiled"


def folder() -> Path:
    return Path(os.environ[FOLDER_SWITCH]) if os.environ.get(FOLDER_SWITCH) else default_folder()


def pure_python_asked() -> bool:
    return os.environ.get(PURE_SWITCH, "") not in ("", "0")


def source_root() -> Path:
    """The folder holding the leakdesk package being imported (src/ in a checkout)."""
    return Path(__file__).resolve().parent.parent


def digest(path: Path) -> str:
    import hashlib  # here, as json below: `import leakdesk` runs this module, and needs neither until a check

    return hashlib.sha256(path.read_bytes()).hexdigest()


class Verdict:
    """Whether the build in `folder` may be used for the sources under `root`, and why not if not.

    (A plain class: `import leakdesk` runs this module, and dataclasses would import inspect.)"""

    __slots__ = ("usable", "reason", "files")

    def __init__(self, usable: bool, reason: str, files: dict[str, Path] | None = None) -> None:
        self.usable, self.reason = usable, reason
        self.files = files or {}  # module name -> compiled file, when usable


def check(build: Path, root: Path) -> Verdict:
    """Compare the build's manifest with the sources under `root` and this interpreter; load nothing."""
    import json

    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Verdict(False, f"no compiled build in {build}")
    except (OSError, ValueError) as error:
        return Verdict(False, f"unreadable manifest in {build}: {error}")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return Verdict(False, f"manifest in {build} has another format")
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    if manifest.get("suffix") != suffix:
        return Verdict(False, f"built for {manifest.get('suffix')}, this interpreter loads {suffix}")
    modules: dict[str, str] = manifest.get("modules") or {}
    sources: dict[str, str] = manifest.get("sources") or {}
    if not sources:
        return Verdict(False, f"manifest in {build} records no source digests")
    if set(MODULES) - set(modules):
        return Verdict(False, "the build lacks " + ", ".join(sorted(set(MODULES) - set(modules))))
    for relative, expected in sorted(sources.items()):
        try:
            found = digest(root / relative)
        except OSError:
            return Verdict(False, f"{relative} is not under {root}")
        if found != expected:
            return Verdict(False, f"{relative} differs from the source the build was made from")
    files = {name: build / relative for name, relative in modules.items()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        return Verdict(False, "compiled file missing: " + ", ".join(missing))
    return Verdict(True, f"compiled build in {build}", files)


class CompiledFinder:
    """Serves the compiled modules (and their shared library) once the build has been checked."""

    def __init__(self, build: Path, root: Path) -> None:
        self.build, self.root = build, root
        self.verdict: Verdict | None = None
        self._lock = threading.Lock()

    def _decide(self) -> Verdict:
        with self._lock:
            if self.verdict is None:
                self.verdict = check(self.build, self.root)
                if self.verdict.usable:
                    self.verdict = self._load_library(self.verdict)
            return self.verdict

    @staticmethod
    def _load_library(verdict: Verdict) -> Verdict:
        """Load the shared library first, so that one that cannot load (a missing runtime) means pure Python."""
        libraries = [name for name in verdict.files if name not in MODULES]
        for name in libraries:
            loader = importlib.machinery.ExtensionFileLoader(name, str(verdict.files[name]))
            try:
                module = loader.create_module(_spec(name, verdict.files[name]))
                loader.exec_module(module)
            except ImportError as error:
                return Verdict(False, f"the compiled library does not load: {error}")
            sys.modules[name] = module
        return verdict

    def find_spec(self, fullname: str, path: object = None, target: ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MODULES:
            return None
        verdict = self._decide()
        if not verdict.usable:
            return None
        return _spec(fullname, verdict.files[fullname])


def _spec(name: str, path: Path) -> importlib.machinery.ModuleSpec:
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.machinery.ModuleSpec(name, loader, origin=str(path))
    spec.has_location = True  # so that the module's __file__ is the compiled file
    return spec


_finder: CompiledFinder | None = None


def install() -> None:
    """Put the finder first on sys.meta_path (once), unless LEAKDESK_PURE_PYTHON is set."""
    global _finder
    if _finder is not None or pure_python_asked():
        return
    _finder = CompiledFinder(folder(), source_root())
    sys.meta_path.insert(0, _finder)


def active() -> bool:
    """Whether this process loads MODULES compiled (checking the build now if no compiled module was imported yet)."""
    return _finder is not None and _finder._decide().usable


def status() -> dict[str, object]:
    """Which of MODULES run compiled in this process, and why the others do not (for benchmarks and reports)."""
    compiled = sorted(name for name in MODULES if name in sys.modules
                      and not str(getattr(sys.modules[name], "__file__", "")).endswith(".py"))
    if pure_python_asked():
        reason = f"{PURE_SWITCH} is set"
    elif _finder is None:
        reason = "the finder is not installed"
    else:
        reason = _finder._decide().reason
    return {"compiled": compiled, "reason": reason}
