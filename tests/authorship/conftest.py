"""A small case written for these tests: series "S" of six letters in hand A and two impostor letters in hand B,
plus reference texts by two other writers."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from tests.authorship.hands import HAND_A, HAND_B, HAND_C, HAND_D, letters


def write(folder: Path, texts: list[str], prefix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(texts):
        (folder / f"{prefix}{i:02d}.txt").write_text(text, "utf-8")
    return folder


@pytest.fixture
def series_case(case: Case, tmp_path: Path) -> Case:
    """Dispatches 1-6 hand A, 7-8 hand B (impostors), all in series S; 6 reference texts in Russian."""
    a = letters(HAND_A, 6, 21, 10)
    b = [" ".join(HAND_B[:8]), " ".join(HAND_B[8:])]  # two impostor letters sharing no sentence
    for i, text in enumerate(a + b):
        write(tmp_path / "in", [text], f"letter{i + 1:02d}-")
        ingest_paths(case, [tmp_path / "in" / f"letter{i + 1:02d}-00.txt"], series="S", progress=False)
    refs = letters(HAND_C, 3, 23, 8) + letters(HAND_D, 3, 24, 8)
    write(tmp_path / "refs", refs, "ref")
    from leakdesk.authorship.casework import add_references

    add_references(case, tmp_path / "refs", "ru")
    return case
