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
import random
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


# ---- Russian problems from the Russian Stylometric Dataset (RSD) ----------------------------------------------

RSD_PART = re.compile(r"(_b\d+|\d+)$")


@dataclass(frozen=True)
class RsdWork:
    """One work of one author, cut into passages of about ``chunk_words`` words (paragraphs kept whole)."""

    subset: str
    author: str
    work: str
    files: tuple[str, ...]
    passages: tuple[str, ...]


def cut_passages(text: str, chunk_words: int) -> list[str]:
    """Consecutive passages of at least ``chunk_words`` words, made of whole paragraphs (long ones are split)."""
    passages: list[str] = []
    current: list[str] = []
    count = 0
    for paragraph in (line.strip() for line in text.splitlines()):
        if not paragraph:
            continue
        words = paragraph.split()
        while len(words) > chunk_words:  # a paragraph longer than a passage: cut it at word boundaries
            if current:
                passages.append("\n".join(current))
                current, count = [], 0
            passages.append(" ".join(words[:chunk_words]))
            words = words[chunk_words:]
        current.append(" ".join(words))
        count += len(words)
        if count >= chunk_words:
            passages.append("\n".join(current))
            current, count = [], 0
    return passages


def read_rsd(rsd_dir: Path | str, chunk_words: int = 500) -> list[RsdWork]:
    """Every work in an RSD folder (``<subset>/corpus/<author>_<work>[_bN].txt``), the first passage dropped."""
    rsd_dir = Path(rsd_dir)
    files = sorted(rsd_dir.glob("*/corpus/*.txt")) or sorted(rsd_dir.glob("corpus/*.txt"))
    if not files:
        raise AuthorshipError(
            f"No RSD texts found in {rsd_dir}; expected files like <subset>/corpus/<author>_<work>.txt."
        )
    grouped: dict[tuple[str, str, str], list[Path]] = {}
    for path in files:
        author, _, rest = path.stem.partition("_")
        if not rest:
            raise AuthorshipError(f"The file name {path.name} does not follow <author>_<work>.txt.")
        key = (path.parent.parent.name, author, RSD_PART.sub("", rest))
        grouped.setdefault(key, []).append(path)
    works = []
    for (subset, author, work), paths in sorted(grouped.items()):
        text = "\n".join(read_text_file(p) for p in paths)
        passages = tuple(cut_passages(text, chunk_words)[1:])  # the first passage holds titles and front matter
        works.append(RsdWork(subset, author, work, tuple(p.name for p in paths), passages))
    return works


def split_authors(works: Sequence[RsdWork], rng: random.Random) -> tuple[set[str], set[str]]:
    """Authors split about half and half between training and test, separately within each subset (genre)."""
    train: set[str] = set()
    test: set[str] = set()
    for subset in sorted({w.subset for w in works}):
        authors = sorted({w.author for w in works if w.subset == subset})
        rng.shuffle(authors)
        half = (len(authors) + 1) // 2
        train.update(authors[:half])
        test.update(authors[half:])
    return train, test


def _draw_problems(
    works: Sequence[RsdWork], authors: set[str], count: int, known_passages: int, rng: random.Random, prefix: str
) -> tuple[list[PanProblem], dict[str, int], list[dict]]:
    """Balanced problems among ``authors``: same-author ones take known and unknown from different works."""
    mine = [w for w in works if w.author in authors]
    unused = {(w.subset, w.author, w.work): list(range(len(w.passages))) for w in mine}
    for indices in unused.values():
        rng.shuffle(indices)
    by_author: dict[str, list[RsdWork]] = {}
    for w in mine:
        by_author.setdefault(w.author, []).append(w)
    several_works = sorted(a for a, ws in by_author.items() if len(ws) >= 2)
    problems: list[PanProblem] = []
    truth: dict[str, int] = {}
    manifest: list[dict] = []
    attempts = 0
    while len(problems) < count and attempts < count * 50:
        attempts += 1
        same = len(problems) % 2 == 0
        if same:
            if not several_works:
                raise AuthorshipError("No author has two works in this split, so no same-author problem can be built.")
            known_work, unknown_work = rng.sample(by_author[rng.choice(several_works)], 2)
        else:
            known_work = rng.choice(mine)
            others = [w for w in mine if w.subset == known_work.subset and w.author != known_work.author]
            if not others:
                continue
            unknown_work = rng.choice(others)
        known_left = unused[(known_work.subset, known_work.author, known_work.work)]
        unknown_left = unused[(unknown_work.subset, unknown_work.author, unknown_work.work)]
        if len(known_left) < known_passages or not unknown_left:
            continue
        known_ids = [known_left.pop() for _ in range(known_passages)]
        unknown_id = unknown_left.pop()
        problem_id = f"{prefix}{len(problems) + 1:03d}"
        problems.append(
            PanProblem(
                id=problem_id,
                known=tuple(known_work.passages[i] for i in known_ids),
                unknown=unknown_work.passages[unknown_id],
                language="ru",
            )
        )
        truth[problem_id] = int(same)
        manifest.append(
            {
                "id": problem_id,
                "same": same,
                "genre": known_work.subset,
                "known": {"author": known_work.author, "work": known_work.work, "passages": known_ids},
                "unknown": {"author": unknown_work.author, "work": unknown_work.work, "passage": unknown_id},
            }
        )
    if len(problems) < count:
        raise AuthorshipError(f"Only {len(problems)} of {count} problems could be built; the texts ran out.")
    return problems, truth, manifest


def build_russian_problems(
    rsd_dir: Path | str,
    out_dir: Path | str,
    *,
    seed: int = 2026,
    chunk_words: int = 500,
    known_passages: int = 2,
    train_problems: int = 100,
    test_problems: int = 100,
) -> dict:
    """Write reproducible Russian problems in PAN layout to OUT/train and OUT/test, plus OUT/manifest.json.

    Authors never cross between train and test; a same-author problem takes its known passages from one work and
    its questioned passage from another work; a different-author problem pairs two authors of the same genre.
    The same inputs and seed always give the same problems.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise AuthorshipError(f"The output folder {out_dir} is not empty; give a new or empty folder.")
    works = read_rsd(rsd_dir, chunk_words)
    rng = random.Random(seed)
    train_authors, test_authors = split_authors(works, rng)
    manifest: dict = {
        "source": str(rsd_dir),
        "seed": seed,
        "chunk_words": chunk_words,
        "known_passages": known_passages,
        "train_authors": sorted(train_authors),
        "test_authors": sorted(test_authors),
    }
    for split, authors, count, prefix in [
        ("train", train_authors, train_problems, "RUTR"),
        ("test", test_authors, test_problems, "RUTE"),
    ]:
        problems, truth, records = _draw_problems(works, authors, count, known_passages, rng, prefix)
        genres = "+".join(sorted({w.subset for w in works if w.author in authors}))
        write_pan_folder(out_dir / split, problems, truth, language="ru", genre=genres)
        manifest[split] = records
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest
