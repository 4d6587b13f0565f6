"""Read and write the PAN authorship-verification formats, and build Russian problems in the same layout.

Two formats exist:

- PAN 2013-2015 folders: one sub-folder per problem holding ``known01.txt`` ... and ``unknown.txt``; ``truth.txt``
  with lines ``ID Y|N``; optionally ``contents.json`` naming the language. Answers are ``ID score`` lines.
- PAN 2020+ JSON lines: truth ``{"id", "same", "authors"}``, answers ``{"id", "value"}``.

Every reading error names the file (and line) and says what is wrong, so a user can fix the data.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from leakdesk.errors import AuthorshipError

#: PAN's language names and folder-name hints, mapped to ISO 639-1 codes.
LANGUAGE_NAMES = {
    "english": "en", "en": "en",
    "dutch": "nl", "du": "nl", "nl": "nl",
    "greek": "el", "gr": "el", "el": "el",
    "spanish": "es", "sp": "es", "es": "es",
    "russian": "ru", "ru": "ru",
}  # fmt: skip
KNOWN_FILE = re.compile(r"^known(\d+)\.txt$", re.IGNORECASE)


@dataclass(frozen=True)
class PanProblem:
    """One verification problem as read from disk: did the author of ``known`` write ``unknown``?"""

    id: str
    known: tuple[str, ...]
    unknown: str
    language: str = "auto"
    path: Path | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PanCorpus:
    """The problems of one PAN folder, in folder-name order, and their truth (1 = same author) when present."""

    folder: Path
    problems: list[PanProblem]
    truth: dict[str, int] | None
    language: str

    def labels(self) -> list[int]:
        """Truth values in problem order; an error when the folder has no truth.txt."""
        if self.truth is None:
            raise AuthorshipError(f"The folder {self.folder} has no truth.txt, so its answers cannot be scored.")
        return [self.truth[p.id] for p in self.problems]


# ---- PAN 2013-2015 folders ------------------------------------------------------------------------------------


def read_text_file(path: Path) -> str:
    """A text file as UTF-8 (BOM removed, line ends normalised); a clear error if it is not UTF-8."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AuthorshipError(f"The file {path} is not UTF-8 text (byte {exc.start} cannot be read).") from exc
    except OSError as exc:
        raise AuthorshipError(f"The file {path} cannot be read: {exc.strerror}.") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def language_of_folder(folder: Path) -> str:
    """The language from ``contents.json`` or, failing that, from the folder's or its parents' names; else "auto"."""
    contents = folder / "contents.json"
    if contents.is_file():
        try:
            data = json.loads(read_text_file(contents))
        except json.JSONDecodeError as exc:
            raise AuthorshipError(f"The file {contents} is not valid JSON (line {exc.lineno}).") from exc
        name = str(data.get("language", "")).strip().lower() if isinstance(data, dict) else ""
        if name:
            return LANGUAGE_NAMES.get(name, name)
    for part in [folder.name, *(p.name for p in folder.parents)][:3]:
        for token in re.split(r"[^a-z]+", part.lower()):
            if token in LANGUAGE_NAMES:
                return LANGUAGE_NAMES[token]
    return "auto"


def read_truth_txt(path: Path) -> dict[str, int]:
    """``truth.txt``: one ``ID Y|N`` per line (1 = same author)."""
    truth: dict[str, int] = {}
    for number, line in enumerate(read_text_file(path).splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1].upper() not in {"Y", "N", "1", "0", "1.0", "0.0"}:
            raise AuthorshipError(
                f"Line {number} of {path} should read 'PROBLEM_ID Y' or 'PROBLEM_ID N', not {line!r}."
            )
        if parts[0] in truth:
            raise AuthorshipError(f"Line {number} of {path} repeats problem {parts[0]}.")
        truth[parts[0]] = 1 if parts[1].upper() in {"Y", "1", "1.0"} else 0
    return truth


def read_problem(folder: Path, language: str = "auto") -> PanProblem:
    """One problem folder: ``known01.txt``… (at least one) and ``unknown.txt``."""
    known_files = sorted(
        (p for p in folder.iterdir() if p.is_file() and KNOWN_FILE.match(p.name)),
        key=lambda p: int(KNOWN_FILE.match(p.name).group(1)),  # type: ignore[union-attr]
    )
    unknown = folder / "unknown.txt"
    if not unknown.is_file() or not known_files:
        missing = "unknown.txt" if not unknown.is_file() else "known01.txt"
        raise AuthorshipError(
            f"The problem folder {folder} has no {missing}; a PAN problem needs known01.txt (and more) and unknown.txt."
        )
    return PanProblem(
        id=folder.name,
        known=tuple(read_text_file(p) for p in known_files),
        unknown=read_text_file(unknown),
        language=language,
        path=folder,
    )


def read_pan_folder(folder: Path | str, *, require_truth: bool = True) -> PanCorpus:
    """All problems of a PAN 2013-2015 folder, checked against its ``truth.txt``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AuthorshipError(f"The folder {folder} does not exist.")
    problem_dirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not problem_dirs:
        raise AuthorshipError(
            f"The folder {folder} is not in PAN layout: it should hold one sub-folder per problem "
            "(with known01.txt and unknown.txt) and a truth.txt."
        )
    language = language_of_folder(folder)
    problems = [read_problem(d, language) for d in problem_dirs]
    truth_path = folder / "truth.txt"
    truth: dict[str, int] | None = None
    if truth_path.is_file():
        truth = read_truth_txt(truth_path)
        ids = {p.id for p in problems}
        without_truth = sorted(ids - set(truth))
        if without_truth:
            raise AuthorshipError(
                f"{truth_path} gives no answer for problem {without_truth[0]} (and {len(without_truth) - 1} more)."
            )
        extra = sorted(set(truth) - ids)
        if extra:
            raise AuthorshipError(f"{truth_path} names problem {extra[0]}, but {folder} has no folder of that name.")
    elif require_truth:
        raise AuthorshipError(f"The folder {folder} has no truth.txt (lines 'PROBLEM_ID Y|N'), so it cannot be scored.")
    return PanCorpus(folder=folder, problems=problems, truth=truth, language=language)


def write_answers(path: Path | str, ids: Sequence[str], scores: Sequence[float]) -> Path:
    """Answers as PAN expects them: JSON lines ``{"id", "value"}`` for ``.jsonl``, else ``ID score`` lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        lines = [json.dumps({"id": i, "value": round(float(s), 6)}) for i, s in zip(ids, scores, strict=True)]
    else:
        lines = [f"{i} {float(s):.6f}" for i, s in zip(ids, scores, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_pan_folder(
    folder: Path | str, problems: Sequence[PanProblem], truth: Mapping[str, int], *, language: str, genre: str = ""
) -> Path:
    """Problems in PAN 2013-2015 layout, with ``truth.txt`` and ``contents.json`` (refuses to overwrite problems)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for problem in problems:
        target = folder / problem.id
        if target.exists():
            raise AuthorshipError(f"{target} already exists; choose an empty output folder.")
        target.mkdir()
        for number, text in enumerate(problem.known, start=1):
            (target / f"known{number:02d}.txt").write_text(text, encoding="utf-8")
        (target / "unknown.txt").write_text(problem.unknown, encoding="utf-8")
    (folder / "truth.txt").write_text(
        "".join(f"{p.id} {'Y' if truth[p.id] else 'N'}\n" for p in problems), encoding="utf-8"
    )
    name = {v: k for k, v in LANGUAGE_NAMES.items() if len(k) > 2}.get(language, language)
    contents = {"language": name, "genre": genre, "problems": [p.id for p in problems]}
    (folder / "contents.json").write_text(json.dumps(contents, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder


# ---- PAN 2020+ JSON lines ---------------------------------------------------------------------------------------


def _json_lines(path: Path) -> Iterable[tuple[int, dict]]:
    if not path.is_file():
        raise AuthorshipError(f"The file {path} does not exist.")
    for number, line in enumerate(read_text_file(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AuthorshipError(f"Line {number} of {path} is not valid JSON ({exc.msg}).") from exc
        if not isinstance(record, dict) or "id" not in record:
            raise AuthorshipError(f'Line {number} of {path} is not an object with an "id".')
        yield number, record


def read_truth_jsonl(path: Path | str) -> dict[str, int]:
    """PAN 2020+ truth: ``{"id", "same", "authors"}`` per line (1 = same author)."""
    path = Path(path)
    truth: dict[str, int] = {}
    for number, record in _json_lines(path):
        same = record.get("same")
        if not isinstance(same, bool | int) or same not in (0, 1):
            raise AuthorshipError(f'Line {number} of {path} needs "same": true or false.')
        truth[str(record["id"])] = int(same)
    if not truth:
        raise AuthorshipError(f"The truth file {path} holds no problems.")
    return truth


def read_answers_jsonl(path: Path | str) -> dict[str, float]:
    """PAN 2020+ answers: ``{"id", "value"}`` per line; a one-element list is accepted (one 2020 run wrote that)."""
    path = Path(path)
    answers: dict[str, float] = {}
    for number, record in _json_lines(path):
        value = record.get("value")
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            if not (isinstance(value, float) and math.isnan(value)):
                raise AuthorshipError(f'Line {number} of {path} needs "value" between 0 and 1, not {value!r}.')
        answers[str(record["id"])] = float(value)  # type: ignore[arg-type]
    return answers


def align_answers(
    truth: Mapping[str, int], answers: Mapping[str, float], *, answers_name: str = "the answers"
) -> tuple[list[str], list[int], list[float]]:
    """Truth and answers in id order; unanswered problems score 0.5 (a non-answer), as in PAN's evaluator."""
    unknown_ids = sorted(set(answers) - set(truth))
    if unknown_ids:
        raise AuthorshipError(
            f"{answers_name} answer problem {unknown_ids[0]}"
            + (f" and {len(unknown_ids) - 1} more" if len(unknown_ids) > 1 else "")
            + ", which the truth file does not contain; are these the right files?"
        )
    ids = sorted(truth)
    return ids, [truth[i] for i in ids], [answers.get(i, 0.5) for i in ids]
