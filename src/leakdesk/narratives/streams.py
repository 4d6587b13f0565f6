"""Reading media streams: RSS/Atom feeds, Telegram Desktop exports, CSV files, folders of dated articles.

Each reader turns the bytes of one file into dated items and a list of problems (a row, entry or message that could
not be used, named by its line or number). Readers never touch the store; `narratives.intake` stores what they
return, with the file as an original and a custody row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from leakdesk.errors import NarrativesError

MAX_FILE_BYTES = 256 * 1024 * 1024  # one stream file
MAX_ITEM_CHARS = 200_000  # one item's text; longer texts are cut and the cut is reported
ARTICLE_SUFFIXES = {".txt", ".md"}
FORMATS = ("rss", "telegram", "csv", "article")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")
_SPACE = re.compile(r"\s+")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass
class StreamItem:
    """One dated publication as read from a stream file."""

    location: str
    published: str  # as written
    date: dt.date
    content: str
    source: str | None = None
    url: str | None = None
    title: str | None = None

    @property
    def language(self) -> str | None:
        cyr, lat = len(_CYRILLIC.findall(self.content)), len(_LATIN.findall(self.content))
        return None if cyr + lat == 0 else ("ru" if cyr >= lat else "en")

    @property
    def dedup_key(self) -> str:
        """The same URL, or the same text on the same day, is the same item."""
        text = _SPACE.sub(" ", self.content).strip().lower()
        basis = f"url:{self.url.strip()}" if self.url else f"{self.date}|{text}"
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()


@dataclass
class Problem:
    location: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return {"location": self.location, "problem": self.problem}


@dataclass
class ReadResult:
    format: str
    items: list[StreamItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_date(value: str) -> dt.date | None:
    """A date from an ISO 8601 date or timestamp, or DD.MM.YYYY; None if it is not one."""
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s.*)?", value)
    if match:
        try:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            return None
    return None


def _bounded(text: str, location: str, problems: list[Problem]) -> str:
    if len(text) > MAX_ITEM_CHARS:
        problems.append(Problem(location, f"text longer than {MAX_ITEM_CHARS} characters; the rest was not analysed"))
        return text[:MAX_ITEM_CHARS]
    return text


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NarrativesError(f"{name} is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8.") from exc


# --------------------------------------------------------------------------- the four readers


def read_csv(data: bytes, name: str) -> ReadResult:
    """`date,text[,source,url]`, with or without that header line."""
    result = ReadResult("csv")
    reader = csv.reader(io.StringIO(_decode(data, name), newline=""))
    first = True
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(Problem(f"line {reader.line_num}", f"not valid CSV ({exc})"))
            continue
        where = f"line {reader.line_num}"
        if first and row and row[0].strip().lower() == "date":
            first = False
            continue
        first = False
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2 or len(row) > 4:
            result.problems.append(
                Problem(where, f"expected 2 to 4 columns (date,text[,source,url]), found {len(row)}"))
            continue
        date = parse_date(row[0])
        if date is None:
            result.problems.append(Problem(where, f"'{row[0][:40]}' is not a date (write 2021-08-16)"))
            continue
        if not row[1].strip():
            result.problems.append(Problem(where, "the text is empty"))
            continue
        source = row[2].strip() or None if len(row) > 2 else None
        url = row[3].strip() or None if len(row) > 3 else None
        result.items.append(StreamItem(where, row[0].strip(), date, _bounded(row[1].strip(), where, result.problems),
                                       source, url))
    return result


def _telegram_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", "")) if isinstance(part, dict) else ""
                       for part in value)
    return ""


def read_telegram(data: bytes, name: str) -> ReadResult:
    """A Telegram Desktop channel export (`result.json`): every post with its date; service messages skipped."""
    result = ReadResult("telegram")
    try:
        export = json.loads(_decode(data, name))
    except json.JSONDecodeError as exc:
        raise NarrativesError(f"{name} is not valid JSON (line {exc.lineno}: {exc.msg}).") from exc
    if not isinstance(export, dict) or not isinstance(export.get("messages"), list):
        raise NarrativesError(f"{name} is not a Telegram Desktop export: it has no list of 'messages'.")
    channel = str(export.get("name") or "") or None
    for index, message in enumerate(export["messages"], start=1):
        if not isinstance(message, dict) or message.get("type", "message") != "message":
            continue
        where = f"message {message.get('id', index)}"
        text = _telegram_text(message.get("text")).strip()
        if not text:
            continue  # photos without caption, stickers: nothing to analyse
        date = parse_date(str(message.get("date", "")))
        if date is None:
            result.problems.append(Problem(where, "has no readable date"))
            continue
        url = f"https://t.me/{export['username']}/{message['id']}" if export.get("username") and "id" in message \
            else None
        result.items.append(StreamItem(where, str(message["date"]), date, _bounded(text, where, result.problems),
                                       channel, url))
    return result


def read_feed(data: bytes, name: str) -> ReadResult:
    """An RSS or Atom feed: each entry's title and summary (HTML removed), link and date."""
    import feedparser  # type: ignore[import-untyped]
    from bs4 import BeautifulSoup

    result = ReadResult("rss")
    feed = feedparser.parse(data)
    if not feed.entries and feed.get("bozo"):
        raise NarrativesError(f"{name} is not a readable RSS or Atom feed ({feed.get('bozo_exception')}).")
    source = feed.feed.get("title") or None
    for index, entry in enumerate(feed.entries, start=1):
        where = f"entry {index}"
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        written = entry.get("published") or entry.get("updated") or ""
        if not parsed:
            result.problems.append(Problem(where, f"has no readable date ('{written[:40]}')"))
            continue
        date = dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        title = BeautifulSoup(entry.get("title", ""), "html.parser").get_text(" ").strip()
        body = BeautifulSoup(entry.get("summary", "") or "", "html.parser").get_text(" ").strip()
        text = ". ".join(p for p in (title, body) if p) if title and not title.endswith((".", "!", "?")) \
            else " ".join(p for p in (title, body) if p)
        if not text:
            result.problems.append(Problem(where, "has no text"))
            continue
        result.items.append(StreamItem(where, written, date, _bounded(text, where, result.problems), source,
                                       entry.get("link") or None, title or None))
    return result


def read_article(data: bytes, name: str) -> ReadResult:
    """One dated article: optional `Date:`, `Source:`, `URL:`, `Title:` lines at the top, else the date in its name."""
    result = ReadResult("article")
    text = _decode(data, name)
    fields: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and re.match(r"^(date|source|url|title)\s*:", lines[0], re.IGNORECASE):
        key, _, value = lines.pop(0).partition(":")
        fields[key.strip().lower()] = value.strip()
    body = "\n".join(lines).strip()
    written = fields.get("date") or ""
    date = parse_date(written) if written else None
    if date is None and (match := _DATE_IN_NAME.search(name)):
        written = match.group(0)
        date = parse_date(written)
    if date is None:
        result.problems.append(Problem(name, "has no date (a 'Date: 2021-08-16' line or a date in the file name)"))
    elif not body:
        result.problems.append(Problem(name, "has no text"))
    else:
        result.items.append(StreamItem(name, written, date, _bounded(body, name, result.problems),
                                       fields.get("source") or None, fields.get("url") or None,
                                       fields.get("title") or None))
    return result


READERS: dict[str, Callable[[bytes, str], ReadResult]] = {
    "rss": read_feed, "telegram": read_telegram, "csv": read_csv, "article": read_article,
}


def guess_format(path: Path, head: bytes) -> str:
    """Choose a reader by extension and first bytes."""
    suffix = path.suffix.lower()
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json" or start.startswith(b"{"):
        return "telegram"
    if suffix in {".rss", ".atom", ".xml"} or start.startswith(b"<?xml") or b"<rss" in start or b"<feed" in start:
        return "rss"
    if suffix in ARTICLE_SUFFIXES:
        return "article"
    raise NarrativesError(
        f"{path.name}: leakdesk reads RSS/Atom (.xml, .rss, .atom), Telegram exports (result.json), CSV "
        "(date,text[,source,url]) and dated articles (.txt, .md); this file is none of them."
    )


def stream_files(path: Path) -> list[Path]:
    """The files a stream path stands for: the file itself, or the readable files of a folder (sorted)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                       and p.suffix.lower() in ARTICLE_SUFFIXES | {".csv", ".json", ".xml", ".rss", ".atom"})
        if not files:
            raise NarrativesError(f"{path} holds no stream files (.xml, .rss, .atom, .json, .csv, .txt, .md).")
        return files
    raise NarrativesError(f"{path} does not exist.")
