"""The registry lists its readers by name and loads them on first use; readers never import the registry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from leakdesk.intake.reading import Reader
from leakdesk.intake.registry import FALLBACK, READERS, default_registry

SRC = Path(__file__).resolve().parents[2] / "src"
READERS_DIR = SRC / "leakdesk" / "intake" / "readers"


def test_every_reader_module_is_listed_once_and_loads() -> None:
    modules = {p.stem for p in READERS_DIR.glob("*.py") if p.stem != "__init__"}
    listed = {m for m, _ in READERS} | {FALLBACK[0]}
    assert listed == modules
    names = [r.name for r in default_registry().readers]
    assert len(names) == len(READERS) == len(set(names))
    assert all(isinstance(r, Reader) for r in default_registry().readers)
    assert default_registry().fallback.name == "unknown"


def test_importing_the_registry_loads_no_reader() -> None:
    code = ("import sys; import leakdesk.intake.registry; "
            "print(sorted(m for m in sys.modules if m.startswith('leakdesk.intake.readers.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(SRC)), check=True).stdout
    assert out.strip() == "[]"


def test_no_reader_imports_the_registry() -> None:
    offenders = [p.name for p in READERS_DIR.glob("*.py")
                 if "leakdesk.intake.registry" in p.read_text().replace("`intake.registry.READERS`", "")]
    assert offenders == []
