"""The bundled sample case: the fictional "Veter" letters, their translations, a reference pool and a demo key.

Everything here was written for leakdesk; every person, address and event is fictional. `scripts/build-sample`
turns the authored texts in `letters/` into the shipped emails in `mail/` and writes `manifest.json`, which says
for each file what it is and which special case (charset, attachment, PGP, tampered variant, ...) it exercises.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLE_DIR = Path(__file__).resolve().parent
SERIES_NAME = "Veter"


def sample_dir() -> Path:
    """The folder holding the sample case's files."""
    return SAMPLE_DIR


def load_manifest(folder: Path | None = None) -> dict[str, Any]:
    """The sample's manifest (what each file is and which special case it exercises)."""
    return json.loads(((folder or SAMPLE_DIR) / "manifest.json").read_text("utf-8"))


def mail_files(folder: Path | None = None) -> list[Path]:
    """The shipped emails, in the order the manifest lists them (the order they were received)."""
    root = folder or SAMPLE_DIR
    return [root / letter["mail"] for letter in load_manifest(root)["letters"]]


def demo_key(folder: Path | None = None) -> Path:
    """The DEMO ONLY secret key the PGP letter is encrypted to (no passphrase; protects nothing)."""
    root = folder or SAMPLE_DIR
    return root / load_manifest(root)["keys"]["secret"]


def letters_with(special: str, folder: Path | None = None) -> list[dict[str, Any]]:
    """Manifest entries of the letters that exercise one special case, e.g. "pgp-encrypted"."""
    return [letter for letter in load_manifest(folder)["letters"] if special in letter["special"]]
