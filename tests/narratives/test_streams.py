"""Media streams: the four formats, custody, deduplication, bad rows by line, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.narratives.intake import add_stream, list_streams
from leakdesk.store import fsck
from leakdesk.store.tables import custody, media_item, original, stream_file
from tests.conftest import invoke

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Вести Востока</title>
<item><title>Учения на Курилах</title>
<description>&lt;p&gt;Японские &lt;b&gt;нацисты&lt;/b&gt; снова угрожают.&lt;/p&gt;</description>
<link>https://news.example/1</link><pubDate>Mon, 16 Aug 2021 09:00:00 +0300</pubDate></item>
<item><title>Без даты</title><description>Текст</description><link>https://news.example/2</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>East Wire</title>
<entry><title>Tokyo talks</title><summary>Japanese diplomats met in Tokyo.</summary>
<link href="https://wire.example/a"/><updated>2021-08-17T10:00:00Z</updated><id>a</id></entry>
</feed>"""

TELEGRAM = {
    "name": "Канал Z", "type": "public_channel", "id": 1,
    "messages": [
        {"id": 10, "type": "service", "date": "2021-08-01T10:00:00", "action": "create_channel", "text": ""},
        {"id": 11, "type": "message", "date": "2021-08-02T11:00:00",
         "text": ["Токио ", {"type": "bold", "text": "опять"}, " провоцирует."]},
        {"id": 12, "type": "message", "date": "2021-08-03T12:00:00", "text": ""},
        {"id": 13, "type": "message", "date": "вчера", "text": "Плохая дата"},
    ],
}

CSV = (
    "date,text,source,url\n"
    "2021-08-16,Японские милитаристы — настоящие нацисты.,Первый,https://tv.example/1\n"
    "not a date,Текст,Первый,\n"
    "2021-08-17\n"
    "2021-08-18,\"Многострочный\nтекст о Японии\",Второй,\n"
    "2021-08-16,Японские милитаристы — настоящие нацисты.,Первый,https://tv.example/1\n"
)


def write(folder: Path, name: str, content: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content, "utf-8")
    return path


def items(case: Case) -> list[sa.Row]:
    with case.connect() as conn:
        return conn.execute(sa.select(media_item).order_by(media_item.c.id)).all()


def test_csv_rows_dates_sources_and_bad_lines(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "tv.csv", CSV)
    added = add_stream(case, path, "tv")
    assert added.items == 2 and added.duplicates == 1
    assert [(p["location"], p["problem"]) for p in added.problems] == [
        ("line 3", "'not a date' is not a date (write 2021-08-16)"),
        ("line 4", "expected 2 to 4 columns (date,text[,source,url]), found 1"),
    ]
    rows = items(case)
    assert [(r.date, r.source, r.url, r.location, r.language) for r in rows] == [
        (dt.date(2021, 8, 16), "Первый", "https://tv.example/1", "line 2", "ru"),
        (dt.date(2021, 8, 18), "Второй", None, "line 6", "ru"),
    ]
    assert rows[1].content == "Многострочный\nтекст о Японии"


def test_the_file_is_an_original_with_custody_and_readding_dedups(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "tv.csv", CSV)
    first = add_stream(case, path, "tv")
    again = add_stream(case, path, "tv")
    assert again.items == 0 and again.duplicates == 3
    sha = first.files[0].sha256
    assert case.originals.read_bytes(sha) == path.read_bytes()
    with case.connect() as conn:
        events = conn.execute(sa.select(custody.c.event, custody.c.channel, custody.c.source)
                              .where(custody.c.sha256 == sha).order_by(custody.c.id)).all()
        assert conn.execute(sa.select(original.c.media_type).where(original.c.sha256 == sha)).scalar() == "text/csv"
        assert conn.execute(sa.select(sa.func.count()).select_from(stream_file)).scalar() == 2
    assert [(e.event, e.channel) for e in events] == [("received", "stream-csv"), ("re-received", "stream-csv")]
    assert events[0].source == str(path.resolve())
    with case.connect() as conn:
        report = fsck.fsck(conn, case.originals)
    assert report.ok and report.originals_checked == 1


def test_rss_and_atom_entries(case: Case, tmp_path: Path) -> None:
    rss = write(tmp_path / "feeds", "vesti.xml", RSS)
    write(tmp_path / "feeds", "wire.atom", ATOM)
    added = add_stream(case, rss.parent, "feeds")
    assert [f.format for f in added.files] == ["rss", "rss"]
    assert added.problems == [{"file": str(rss), "location": "entry 2",
                               "problem": "has no readable date ('')"}]
    rows = items(case)
    assert [(r.date, r.source, r.url, r.title) for r in rows] == [
        (dt.date(2021, 8, 16), "Вести Востока", "https://news.example/1", "Учения на Курилах"),
        (dt.date(2021, 8, 17), "East Wire", "https://wire.example/a", "Tokyo talks"),
    ]
    assert rows[0].content == "Учения на Курилах. Японские  нацисты  снова угрожают."
    assert rows[1].language == "en"


def test_telegram_export(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path / "export", "result.json", json.dumps(TELEGRAM, ensure_ascii=False))
    added = add_stream(case, path, "z")
    assert added.items == 1
    assert added.problems == [{"file": str(path), "location": "message 13", "problem": "has no readable date"}]
    (row,) = items(case)
    assert (row.content, row.source, row.location, row.date) == (
        "Токио опять провоцирует.", "Канал Z", "message 11", dt.date(2021, 8, 2))


def test_folder_of_dated_articles(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write(folder, "a.txt", "Date: 2021-08-20\nSource: Gazeta\nURL: https://g.example/a\n\nТекст статьи о Японии.")
    write(folder, "2021-08-21-b.md", "Вторая статья.")
    write(folder, "undated.txt", "Статья без даты.")
    added = add_stream(case, folder, "gazeta")
    assert added.items == 2
    assert added.problems == [{"file": str(folder / "undated.txt"), "location": "undated.txt",
                               "problem": "has no date (a 'Date: 2021-08-16' line or a date in the file name)"}]
    assert [(r.date, r.source, r.url) for r in items(case)] == [
        (dt.date(2021, 8, 21), None, None), (dt.date(2021, 8, 20), "Gazeta", "https://g.example/a")]
    with case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(custody)).scalar() == 3


def test_a_file_no_reader_can_read_is_kept_and_reported(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "result.json", "{not json")
    added = add_stream(case, path, "broken")
    assert added.items == 0
    assert added.problems == [{"file": str(path), "location": "result.json",
                               "problem": "result.json is not valid JSON (line 1: Expecting property name enclosed "
                                          "in double quotes)."}]
    assert case.originals.read_bytes(added.files[0].sha256) == b"{not json"


def test_cli_stream_add_and_list(case: Case, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "tv.csv", CSV)
    result = invoke(runner, "stream", "add", case.root, path, "--name", "tv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-3:] == [
        "  tv.csv, line 3: 'not a date' is not a date (write 2021-08-16)",
        "  tv.csv, line 4: expected 2 to 4 columns (date,text[,source,url]), found 1",
        "Stream tv: 2 new item(s), 1 duplicate(s), 2 problem(s).",
    ]
    listed = invoke(runner, "stream", "list", case.root, "--json")
    data = json.loads(listed.output)
    assert [(s["name"], s["items"], s["first"], s["last"], s["sources"]) for s in data] == [
        ("tv", 2, "2021-08-16", "2021-08-18", ["Второй", "Первый"])]
    plain = invoke(runner, "stream", "list", case.root)
    assert plain.output.strip() == ("tv: 2 item(s) from 2021-08-16 to 2021-08-18, 1 file(s), 2 problem(s); "
                                    "sources: Второй, Первый")
    assert list_streams(case)[0]["problems"] == 2


def test_cli_errors(case: Case, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    missing = invoke(runner, "stream", "add", case.root, tmp_path / "nope.csv", "--name", "tv")
    assert missing.exit_code == 1
    assert f"{tmp_path / 'nope.csv'} does not exist." in missing.output
    odd = write(tmp_path, "x.bin", "zzz")
    refused = invoke(runner, "stream", "add", case.root, odd, "--name", "tv")
    assert refused.exit_code == 1
    assert "x.bin: leakdesk reads RSS/Atom" in refused.output
    empty = invoke(runner, "stream", "list", case.root)
    assert empty.output.strip() == "This case has no media streams yet; add one with `leakdesk stream add CASE PATH`."
