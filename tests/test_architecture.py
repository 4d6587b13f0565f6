"""The architecture contracts of `.importlinter` hold: packages depend downward only, only store/ imports tables."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    result = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter"), "--no-cache"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    contracts = len(re.findall(r"^\[importlinter:contract:", (ROOT / ".importlinter").read_text(), re.M))
    assert contracts >= 4  # layers, tables, and intake's two: the registry above its readers, no circles
    assert f"Contracts: {contracts} kept, 0 broken." in result.stdout
