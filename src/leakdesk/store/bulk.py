"""Many rows of plain columns in one statement through the driver's executemany, compiled once per database kind.

SQLAlchemy's per-row parameter processing costs more than the insert itself for the rows ingest writes by the
thousand (headers, texts, audit entries and their seals, slices); columns here are integers and text only, so the
rows go to the driver as they are.
"""

from __future__ import annotations

import json
import json.encoder as json_encoder
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

_COMPILED: dict[tuple[str, str, tuple[str, ...]], tuple[str, list[int] | None]] = {}


def insert_plain_rows(conn: sa.Connection, table: sa.Table, columns: tuple[str, ...],
                       rows: list[tuple[Any, ...]]) -> None:
    """Many rows of integer and text columns (no type conversion to make) through the driver's executemany: the
    statement compiled once per database kind, the rows passed as they are (SQLAlchemy's per-row parameter
    processing costs more than the insert itself for the ten header rows of every letter)."""
    if not rows:
        return
    key = (conn.dialect.name, table.name, columns)
    statement = _COMPILED.get(key)
    if statement is None:
        statement = _COMPILED[key] = _plain_insert(conn.dialect, table, columns)
    sql, at = statement
    if at is None:  # named placeholders (psycopg's "%(name)s")
        params: list[Any] = [dict(zip(columns, row, strict=True)) for row in rows]
    else:  # positional placeholders, in the order the statement names its columns
        params = [tuple(row[i] for i in at) for row in rows] if at != list(range(len(columns))) else rows
    conn.exec_driver_sql(sql, params)


def _plain_insert(dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...]) -> tuple[str, list[int] | None]:
    """The insert statement for `columns` and, for positional placeholders, where each of its values is in a row.

    SQLAlchemy names the columns in the table's order; with "?" placeholders and nothing else in the statement
    (no default it renders itself), the same statement with the columns in the caller's order takes the rows as
    they are, without a new tuple per row."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    order = compiled.positiontup
    if order is None:
        return compiled.string, None
    if dialect.paramstyle == "qmark":
        quote = dialect.identifier_preparer.quote
        into = dialect.identifier_preparer.format_table(table)

        def plain(names: Sequence[str]) -> str:
            return f"INSERT INTO {into} ({', '.join(quote(n) for n in names)}) VALUES ({', '.join('?' * len(names))})"

        if compiled.string == plain(order):
            return plain(columns), list(range(len(columns)))
    return compiled.string, [columns.index(name) for name in order]


_PROCESSORS: dict[tuple[str, str, tuple[str, ...]], Any] = {}
# json.dumps with its default options as one C encoder built once (json.dumps builds it on every call): a JSON
# column's value is serialised by SQLAlchemy with json.dumps, and ingest writes a dict of details per dispatch.
_MAKE_ENCODER = getattr(json_encoder, "c_make_encoder", None)  # private to json: absent, SQLAlchemy's own is used
_ENCODE_ASCII = getattr(json_encoder, "c_encode_basestring_ascii", None)
_JSON_DUMPS = (_MAKE_ENCODER(None, json.JSONEncoder().default, _ENCODE_ASCII, None, ": ", ", ", False, False, True)
               if _MAKE_ENCODER is not None and _ENCODE_ASCII is not None else None)


def bind_processor(column: sa.Column[Any], dialect: sa.Dialect) -> Any:
    """The function SQLAlchemy applies to a column's values before they go to the driver (None: none). A JSON
    column of a dialect that serialises with plain json.dumps (SQLite) gets the same text from the encoder built
    once; anything but a dict or a list, and any value it cannot encode, goes to SQLAlchemy's own processor."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if (process is None or _JSON_DUMPS is None or not isinstance(column.type, sa.JSON)
            or getattr(dialect, "_json_serializer", None) is not None
            or sa.String().dialect_impl(dialect).bind_processor(dialect) is not None):
        return process
    encode = _JSON_DUMPS

    def process_json(value: Any) -> Any:
        if type(value) is dict or type(value) is list:
            try:
                return "".join(encode(value, 0))
            except (TypeError, ValueError, RecursionError):
                pass  # SQLAlchemy's processor raises its own error for it
        return process(value)

    return process_json


_NOTHING = object()
_RETURNING: dict[str, Any] = {}


def insert_rows(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], ids: bool = False) -> list[int]:
    """Insert rows (dicts with the same keys) in one statement; with `ids`, their new ids, in the rows' order
    (`insert_tuples` with the dicts' keys as the columns)."""
    if not rows:
        return []
    return insert_tuples(conn, table, tuple(rows[0]), [tuple(row.values()) for row in rows], ids)


def insert_tuples(conn: sa.Connection, table: sa.Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
                  ids: bool = False) -> list[int]:
    """Insert rows given as tuples in the order of `columns`, in one statement; with `ids`, their new ids, in the
    rows' order. Values are what SQLAlchemy's insert takes (date-times, JSON values): ingest builds its rows as
    tuples, without a dict per row.

    On SQLite (and SQLCipher) the rows go to the driver's executemany with each column's own SQLAlchemy bind
    processor applied (date-times, JSON: the values SQLAlchemy itself would send), and the ids are the run of
    rowids ending at `last_insert_rowid()`: the transaction holds SQLite's write lock from its first write, so no
    other writer's row falls between them. Elsewhere SQLAlchemy inserts them (with RETURNING for the ids)."""
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        dicts = [dict(zip(columns, row, strict=True)) for row in rows]
        if not ids:
            conn.execute(table.insert(), dicts)
            return []
        statement = _RETURNING.get(table.name)
        if statement is None:
            pk = list(table.primary_key.columns)[0]
            statement = _RETURNING[table.name] = table.insert().returning(pk, sort_by_parameter_order=True)
        return [r[0] for r in conn.execute(statement, dicts)]
    key = (conn.dialect.name, table.name, columns)
    processors = _PROCESSORS.get(key)
    if processors is None:
        processors = _PROCESSORS[key] = [
            (i, p) for i, name in enumerate(columns) if (p := bind_processor(table.c[name], conn.dialect)) is not None]
    values = rows
    if processors:
        values = []
        # the value last processed in each column and what it gave: a batch's rows share one time stamp object
        # (ingested, first seen, custody time), converted once instead of once per row
        before: list[Any] = [_NOTHING] * len(processors)
        after: list[Any] = [None] * len(processors)
        for row in rows:
            items = list(row)
            for k, (i, process) in enumerate(processors):
                value = items[i]
                if value is not before[k]:
                    before[k], after[k] = value, process(value)
                items[i] = after[k]
            values.append(tuple(items))
    insert_plain_rows(conn, table, columns, values)
    if not ids:
        return []
    last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
    return list(range(last - len(rows) + 1, last + 1))


_SELECT_IN: dict[tuple[str, Any], tuple[str, str] | None] = {}  # by dialect and statement (the object itself)


def rows_in(conn: sa.Connection, statement: sa.Select[Any], name: str, values: Sequence[Any]) -> list[Any]:
    """The rows of `statement`, whose one parameter is the expanding IN list `name`, for `values`.

    On SQLite the statement is compiled once and its list of "?" written for each call, the values going to the
    driver as they are (SQLAlchemy renders and processes the list on every execution: a batch's look-ups give it
    a thousand sha256s and Message-IDs each). The columns must need no result processing (text, integers): the
    rows are the driver's, with the same names. Elsewhere SQLAlchemy executes it."""
    key = (conn.dialect.name, statement)
    if key not in _SELECT_IN:
        _SELECT_IN[key] = None
        if conn.dialect.paramstyle == "qmark":
            compiled = statement.compile(dialect=conn.dialect)
            marker = f"__[POSTCOMPILE_{name}]"
            if compiled.positiontup == [name] and compiled.string.count(marker) == 1:
                before, after = compiled.string.split(marker)
                _SELECT_IN[key] = (before, after)
    template = _SELECT_IN[key]
    if template is None or not values:
        return list(conn.execute(statement, {name: list(values)}))
    sql = f"{template[0]}{', '.join('?' * len(values))}{template[1]}"
    return list(conn.exec_driver_sql(sql, tuple(values)))
