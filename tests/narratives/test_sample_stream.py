"""The sample case's fictional media stream is reproducible from its script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_sample_stream_is_what_the_script_builds() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "narratives_sample.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "the shipped sample stream is reproducible"
