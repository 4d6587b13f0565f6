"""Read TimeML (.tml) documents: the plain text, the gold TIMEX3 spans and the document creation time (DCT).

Used for TempEval-3 and for leakdesk's own Russian gold set, which uses the same format with `<TimeML lang="ru">`.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from leakdesk.errors import ClaimsError


@dataclass
class GoldTimex:
    start: int
    end: int
    text: str
    type: str
    value: str
    mod: str | None = None


@dataclass
class TimeMLDocument:
    name: str
    text: str
    dct: dt.date | None
    language: str
    timexes: list[GoldTimex] = field(default_factory=list)


def _dct_date(value: str) -> dt.date | None:
    m = re.match(r"(\d{4})-?(\d{2})-?(\d{2})", value or "")
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def read_timeml(path: Path, default_language: str = "en") -> TimeMLDocument:
    """Parse one .tml file; a file that is not well-formed TimeML raises ClaimsError naming the file."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ClaimsError(f"{path} is not a readable TimeML file ({exc}).") from exc
    language = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or default_language
    dct = None
    for timex in root.iter("TIMEX3"):
        if timex.get("functionInDocument") == "CREATION_TIME":
            dct = _dct_date(timex.get("value", ""))
            break
    body = root.find("TEXT")
    if body is None:
        raise ClaimsError(f"{path} has no <TEXT> element, so there is nothing to score.")
    parts: list[str] = []
    gold: list[GoldTimex] = []
    length = 0

    def walk(node: ET.Element) -> None:
        nonlocal length
        start = length
        if node.text:
            parts.append(node.text)
            length += len(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
                length += len(child.tail)
        if node.tag == "TIMEX3" and node is not body:
            surface = "".join(parts)[start:length]
            gold.append(GoldTimex(start, length, surface, node.get("type", ""), node.get("value", ""), node.get("mod")))

    walk(body)
    return TimeMLDocument(path.name, "".join(parts), dct, language, gold)


def timeml_files(folder: Path) -> list[Path]:
    """All .tml files under a folder (sorted, recursive); a clear error when there are none."""
    if not folder.exists():
        raise ClaimsError(f"The folder {folder} does not exist; give the path of a folder of TimeML (.tml) files.")
    files = sorted(folder.rglob("*.tml")) if folder.is_dir() else [folder]
    if not files:
        raise ClaimsError(f"No TimeML (.tml) files found in {folder}.")
    return files
