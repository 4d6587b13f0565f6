"""`bulk.insert_rows` stores what SQLAlchemy's own insert stores (column processors applied, a value shared by many
rows converted once), and returns the new ids in the rows' order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.bulk import bind_processor, insert_plain_rows, insert_rows


def _rows(prefix: str) -> list[dict[str, object]]:
    shared = datetime(2026, 12, 3, 10, 0, 0, 123456, tzinfo=UTC)  # one object in every row, like a batch's stamp
    zone = timezone(timedelta(hours=3))
    out: list[dict[str, object]] = []
    for i in range(7):
        details = {"n": i, "word": "ёж"} if i % 2 else None
        date_utc = None if i == 3 else datetime(2021, 8, 3, i, 5, tzinfo=UTC if i % 2 else zone)
        out.append(dict(dedup_key=f"{prefix}{i}", parent_id=None, original_sha256="a" * 64, series_id=None,
                        kind="email", channel="mbox", filename=None, media_type=None, reader="eml",
                        message_id=f"<{i}@x>", subject=f"Письмо {i}", sender=None, recipients=None, date=None,
                        date_utc=shared if i == 5 else date_utc, language="ru", status="ok", error=None,
                        variant_of=None, pgp_status=None, pgp_details={"k": [i]} if i == 4 else None,
                        details=details, ingested=shared))
    return out


def test_insert_rows_stores_what_sqlalchemy_stores(case: Case) -> None:
    with case.transaction() as conn:
        conn.execute(t.original.insert().values(sha256="a" * 64, sha1="b" * 40, md5="c" * 32, size=1,
                                                first_seen=datetime(2026, 1, 1, tzinfo=UTC)))
        conn.execute(t.dispatch.insert(), _rows("orm-"))
        ids = insert_rows(conn, t.dispatch, _rows("bulk-"), ids=True)
    with case.connect() as conn:
        stored = {r.dedup_key: r for r in conn.execute(sa.text("SELECT * FROM dispatch"))}
    assert ids == [stored[f"bulk-{i}"].id for i in range(7)]
    for i in range(7):
        mine, theirs = stored[f"bulk-{i}"]._asdict(), stored[f"orm-{i}"]._asdict()
        for key in ("id", "dedup_key"):
            mine.pop(key), theirs.pop(key)
        assert mine == theirs, i


JSON_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
                | st.text())
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_a_json_column_gets_the_text_sqlalchemy_sends(value: object) -> None:
    """`bind_processor` serialises a JSON column's dicts and lists with an encoder built once: the same text as
    SQLAlchemy's own processor (json.dumps), or the same error."""
    dialect = sqlite.dialect()
    for column in (t.dispatch.c.details, t.dispatch.c.pgp_details):
        theirs = column.type.dialect_impl(dialect).bind_processor(dialect)
        mine = bind_processor(column, dialect)
        assert mine is not theirs  # the encoder built once is in use here
        for v in (value, {"k": value}, [value, "ёж"]):
            assert mine(v) == theirs(v)


def test_a_json_column_refuses_what_sqlalchemy_refuses() -> None:
    dialect = sqlite.dialect()
    mine = bind_processor(t.dispatch.c.details, dialect)
    looped: dict[str, object] = {}
    looped["self"] = looped
    with pytest.raises(ValueError, match="Circular reference"):
        mine(looped)
    with pytest.raises(TypeError, match="not JSON serializable"):
        mine({"when": datetime(2026, 1, 1)})


def test_plain_rows_in_any_column_order_store_what_sqlalchemy_stores(case: Case) -> None:
    columns = ("extractor_version", "content", "role", "dispatch_id", "extractor", "language")
    with case.transaction() as conn:
        conn.execute(t.original.insert().values(sha256="a" * 64, sha1="b" * 40, md5="c" * 32, size=1,
                                                first_seen=datetime(2026, 1, 1, tzinfo=UTC)))
        [did] = insert_rows(conn, t.dispatch, _rows("p-")[:1], ids=True)
        rows = [("1.0", f"текст {i}", "body" if i else "attachment", did, "eml", None if i == 2 else "ru")
                for i in range(4)]
        insert_plain_rows(conn, t.text, columns, rows)
        conn.execute(t.text.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
    with case.connect() as conn:
        stored = [r._asdict() for r in conn.execute(sa.select(t.text).order_by(t.text.c.id))]
    for row in stored:
        row.pop("id")
    assert stored[:4] == stored[4:]
    assert [r["content"] for r in stored[:4]] == [f"текст {i}" for i in range(4)]


def test_a_default_sqlalchemy_renders_keeps_its_statement() -> None:
    meta = sa.MetaData()
    table = sa.Table("stamped", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.Text),
                     sa.Column("seen", sa.DateTime, default=sa.func.current_timestamp()))
    engine = sa.create_engine("sqlite://")
    meta.create_all(engine)
    with engine.begin() as conn:
        insert_plain_rows(conn, table, ("name",), [("one",), ("two",)])
        got = conn.execute(sa.select(table.c.name, table.c.seen).order_by(table.c.id)).all()
    assert [r.name for r in got] == ["one", "two"]
    assert all(r.seen is not None for r in got)  # the default SQLAlchemy renders into the statement still applies


def test_rows_in_are_the_rows_sqlalchemy_returns(case: Case) -> None:
    from leakdesk.store.bulk import rows_in
    from leakdesk.store.records.intake import _KEYS_IN, _MIDS_IN, _ORIGINALS_IN

    with case.transaction() as conn:
        conn.execute(t.original.insert().values(sha256="a" * 64, sha1="b" * 40, md5="c" * 32, size=1,
                                                first_seen=datetime(2026, 1, 1, tzinfo=UTC)))
        rows = _rows("in-")
        rows[2]["message_id"] = "<'кавычка\" ?@x>"  # quotes and a question mark inside a value
        rows[4]["parent_id"] = 1  # a part: not a letter of its own
        insert_rows(conn, t.dispatch, rows)
    with case.connect() as conn:
        for statement, name, values in (
            (_KEYS_IN, "keys", ["in-1", "in-3", "nothing", "in-6"]),
            (_MIDS_IN, "mids", ["<0@x>", "<'кавычка\" ?@x>", "<4@x>", "<5@x>", "<none@x>"]),
            (_ORIGINALS_IN, "shas", ["a" * 64, "f" * 64]),
            (_KEYS_IN, "keys", []),
        ):
            mine = [tuple(r) for r in rows_in(conn, statement, name, values)]
            theirs = [tuple(r) for r in conn.execute(statement, {name: values})]
            assert sorted(mine) == sorted(theirs), statement
            assert [r._fields for r in rows_in(conn, statement, name, values)][:1] == \
                [r._fields for r in conn.execute(statement, {name: values})][:1]
        assert len(rows_in(conn, _MIDS_IN, "mids", ["<0@x>", "<'кавычка\" ?@x>", "<4@x>"])) == 2
