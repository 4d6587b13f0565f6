"""`leakdesk dates` and `leakdesk eval timex`: store state, anchors, JSON shape, error messages."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from tests.conftest import invoke

from leakdesk.case import Case
from leakdesk.claims.timex.casework import extract_case_dates, stored_dates
from leakdesk.store import tables as t

RECEIVED = datetime(2022, 4, 2, 9, 30, tzinfo=UTC)


def put_letter(case: Case, content: str, date_written: str | None, *, language: str = "ru",
               parent_id: int | None = None) -> int:  # fmt: skip
    """An original, its dispatch (with or without a date), a custody record and the body text."""
    data = content.encode() + (date_written or "").encode() + str(parent_id).encode()
    d = case.originals.put_bytes(data)
    with case.transaction() as conn:
        conn.execute(sa.insert(t.original).values(sha256=d.sha256, sha1=d.sha1, md5=d.md5, size=d.size,
                                                  first_seen=RECEIVED))  # fmt: skip
        dispatch_id = conn.execute(sa.insert(t.dispatch).values(
            dedup_key=hashlib.sha256(data).hexdigest(), original_sha256=d.sha256, kind="email", channel="eml",
            parent_id=parent_id, date=date_written, language=language, status="ok", ingested=RECEIVED,
        )).inserted_primary_key[0]  # fmt: skip
        conn.execute(sa.insert(t.custody).values(time=RECEIVED, sha256=d.sha256, dispatch_id=dispatch_id,
                                                 event="received", channel="eml", source="test", actor="tester"))  # fmt: skip  # noqa: E501
        conn.execute(sa.insert(t.text).values(dispatch_id=dispatch_id, role="body", language=language,
                                              content=content, extractor="test", extractor_version="1"))  # fmt: skip
    return int(dispatch_id)


def timex_rows(case: Case) -> list[sa.Row]:
    with case.connect() as conn:
        return conn.execute(sa.select(t.timex).order_by(t.timex.c.id)).all()


def test_dates_are_anchored_on_the_letters_own_date(case: Case) -> None:
    first = put_letter(case, "В августе прошлого года вертолёты перебросили. Вчера пришёл приказ.",
                       "2022-03-17T10:00:00+03:00")  # fmt: skip
    rows = extract_case_dates(case)
    assert [(r["dispatch_id"], r["text"], r["value"], r["start"], r["end"]) for r in rows] == [
        (first, "августе прошлого года", "2021-08", "2021-08-01", "2021-08-31"),
        (first, "Вчера", "2022-03-16", "2022-03-16", "2022-03-16"),
    ]
    stored = timex_rows(case)
    assert [(r.surface, r.anchor, r.anchor_source, r.flags) for r in stored] == [
        ("августе прошлого года", date(2022, 3, 17), "letter-date", []),
        ("Вчера", date(2022, 3, 17), "letter-date", []),
    ]
    assert rows[0]["offset_start"] == 2 and rows[0]["offset_end"] == 23


def test_letter_without_date_falls_back_to_received_time_and_is_flagged(case: Case) -> None:
    put_letter(case, "Это случилось позавчера, а летом 2021 года всё началось.", None)
    rows = extract_case_dates(case)
    assert [(r["text"], r["value"], r["flags"]) for r in rows] == [
        ("позавчера", "2022-03-31", ["anchor-from-received-time"]),
        ("летом 2021 года", "2021-SU", []),
    ]
    assert {r.anchor_source for r in timex_rows(case)} == {"received-time"}


def test_attachment_without_date_uses_its_letters_date(case: Case) -> None:
    letter = put_letter(case, "Письмо.", "2022-03-17T10:00:00+03:00")
    attachment = put_letter(case, "Вчера был дождь.", None, parent_id=letter)
    rows = extract_case_dates(case, attachment)
    assert [(r["value"], r["flags"]) for r in rows] == [("2022-03-16", ["anchor-from-parent-letter"])]


def test_rerun_replaces_rows_and_audits(case: Case) -> None:
    d = put_letter(case, "31 февраля 2021 года и в 21-м году.", "2022-03-17T10:00:00+03:00")
    extract_case_dates(case)
    extract_case_dates(case, d)
    stored = timex_rows(case)
    assert [(r.surface, r.flags) for r in stored] == [
        ("31 февраля 2021 года", ["invalid-date"]),
        ("21-м году", ["two-digit-year"]),
    ]
    assert stored[0].interval_start is None and "does not exist" in stored[0].note
    with case.connect() as conn:
        actions = conn.execute(sa.select(t.audit.c.action, t.audit.c.object).where(
            t.audit.c.action == "dates.extract")).all()  # fmt: skip
    assert actions == [("dates.extract", f"dispatch:{d}")] * 2
    assert len(stored_dates(case, d)) == 2


def test_dates_cli_json_and_text(case: Case, runner) -> None:  # type: ignore[no-untyped-def]
    d = put_letter(case, "Last August the unit moved; every week since.", "2022-03-17T10:00:00+00:00", language="en")
    result = invoke(runner, "dates", case.root, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(x["dispatch_id"], x["text"], x["value"], x["start"], x["end"], x["type"]) for x in data] == [
        (d, "Last August", "2021-08", "2021-08-01", "2021-08-31", "DATE"),
        (d, "every week", "P1W", None, None, "SET"),
    ]
    text = invoke(runner, "dates", case.root, str(d))
    assert text.exit_code == 0
    assert "«Last August» → 2021-08 2021-08-01…2021-08-31" in text.stdout
    assert "2 temporal expressions stored." in text.stdout


def test_dates_cli_unknown_dispatch(case: Case, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "dates", case.root, "99")
    assert result.exit_code == 1
    assert "No such dispatch 99 in this case." in result.stderr
    assert "Traceback" not in result.output


TML = """<?xml version="1.0" ?>
<TimeML>
<DCT><TIMEX3 tid="t0" type="DATE" value="2022-03-17" functionInDocument="CREATION_TIME">March 17, 2022</TIMEX3></DCT>
<TEXT>The ministry said <TIMEX3 tid="t1" type="DATE" value="2022-03-16">yesterday</TIMEX3> that troops moved
<TIMEX3 tid="t2" type="DATE" value="2021-08">last August</TIMEX3> for <TIMEX3 tid="t3" type="DURATION"
value="P3Y">three years</TIMEX3> of drills, <TIMEX3 tid="t4" type="DATE" value="2022-W10">last week</TIMEX3>.</TEXT>
</TimeML>
"""


def test_eval_timex_scores_a_folder(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "doc.tml").write_text(TML)
    result = invoke(runner, "eval", "timex", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["gold"] == 4 and scores["system"] == 4
    assert (scores["strict_f1"], scores["relaxed_f1"], scores["value_f1"]) == (1.0, 1.0, 1.0)


def test_eval_timex_counts_misses_and_wrong_values(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    wrong = TML.replace('value="2021-08"', 'value="2020-08"').replace(
        '<TIMEX3 tid="t3" type="DURATION"\nvalue="P3Y">three years</TIMEX3>', "three bananas")
    (tmp_path / "doc.tml").write_text(wrong)
    scores = json.loads(invoke(runner, "eval", "timex", tmp_path, "--json").stdout)
    assert scores["gold"] == 3 and scores["system"] == 3
    assert scores["value_f1"] == round(2 / 3, 4)


def test_eval_timex_counts_two_spellings_of_one_value_as_equal(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    (tmp_path / "doc.tml").write_text(TML.replace('value="P3Y"', 'value="P36M"'))  # the tagger writes P3Y
    result = invoke(runner, "eval", "timex", tmp_path)
    assert result.exit_code == 0, result.output
    assert "value: F1 1.000" in result.stdout and "value: F1 0.750 comparing the strings exactly" in result.stdout


def test_eval_timex_errors(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "eval", "timex", tmp_path / "nope")
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    (tmp_path / "bad.tml").write_text("<TimeML><TEXT>unclosed")
    result = invoke(runner, "eval", "timex", tmp_path)
    assert result.exit_code == 1 and "bad.tml is not a readable TimeML file" in result.stderr
    result = invoke(runner, "eval", "timex", tmp_path, "--part", "some")
    assert result.exit_code == 2 and "--part must be all, tune or held-out" in result.stderr
