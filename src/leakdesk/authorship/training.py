"""Training problems for the shipped fusion: a reader for PAN 2013-2015 folders and reproducible Russian problems
from a stylo-style corpus (`<author>_<work>.txt`). Used by `scripts/train-authorship-fusion`; no text is shipped.
"""

from __future__ import annotations

import random
from pathlib import Path

from leakdesk.authorship.problem import Problem

PAN_LANGUAGE = {"du": "nl", "nl": "nl", "en": "en", "gr": "el", "sp": "es", "es": "es"}


def load_pan_dir(folder: Path) -> tuple[list[Problem], list[int]]:
    """Problems and 0/1 labels of one PAN-layout folder (truth.txt lines `ID Y|N`)."""
    truth = {}
    for line in (folder / "truth.txt").read_text("utf-8-sig").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            truth[parts[0]] = 1 if parts[1].upper().startswith("Y") else 0
    problems, labels = [], []
    for pid in sorted(truth):
        pdir = folder / pid
        known = [f.read_text("utf-8-sig", errors="replace") for f in sorted(pdir.glob("known*.txt"))]
        unknown = (pdir / "unknown.txt").read_text("utf-8-sig", errors="replace")
        language = PAN_LANGUAGE.get(pid[:2].lower(), "")
        problems.append(Problem(known=known, unknown=unknown, language=language, id=pid))
        labels.append(truth[pid])
    return problems, labels


def _chunks(text: str, size: int, limit: int) -> list[str]:
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    out, cur, n = [], [], 0
    for p in paragraphs:
        cur.append(p)
        n += len(p.split())
        if n >= size:
            out.append("\n".join(cur))
            cur, n = [], 0
            if len(out) >= limit:
                break
    return out


def rsd_problems(root: Path, n: int = 120, seed: int = 0, size: int = 400) -> tuple[list[Problem], list[int]]:
    """Balanced Russian problems: known chunks from one work, questioned chunk from another work (same author or
    not). Deterministic for a given seed."""
    works: dict[str, dict[str, list[str]]] = {}
    for f in sorted(root.glob("*/corpus/*.txt")):
        author, _, work = f.stem.partition("_")
        work = work.split("_b")[0]
        text = f.read_text("utf-8-sig", errors="replace")
        works.setdefault(author, {}).setdefault(work, []).extend(_chunks(text, size, 12))
    authors = sorted(a for a, ws in works.items() if len(ws) >= 2)
    everyone = sorted(works)
    rng = random.Random(seed)
    problems, labels = [], []
    for i in range(n):
        author = rng.choice(authors)
        w_known, w_other = rng.sample(sorted(works[author]), 2)
        known = rng.sample(works[author][w_known], min(2, len(works[author][w_known])))
        if i % 2 == 0:
            unknown, label = rng.choice(works[author][w_other]), 1
        else:
            other = rng.choice([a for a in everyone if a != author])
            unknown, label = rng.choice(works[other][rng.choice(sorted(works[other]))]), 0
        problems.append(Problem(known=known, unknown=unknown, language="ru", id=f"RU{i:03d}"))
        labels.append(label)
    return problems, labels
