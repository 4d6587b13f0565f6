"""Many rows of plain columns in one statement through the driver's executemany, compiled once per database kind.

SQLAlchemy's per-row parameter processing costs more than the insert itself for the rows ingest writes by the
thousand (headers, texts, audit entries and their seals, slices); columns here are integers and text only, so the
rows go to the driver as they are.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

_COMPILED: dict[tuple[str, str, tuple[str, ...]], Any] = {}


def insert_plain_rows(conn: sa.Connection, table: sa.Table, columns: tuple[str, ...],
                       rows: list[tuple[Any, ...]]) -> None:
    """Many rows of integer and text columns (no type conversion to make) through the driver's executemany: the
    statement compiled once per database kind, the rows passed as they are (SQLAlchemy's per-row parameter
    processing costs more than the insert itself for the ten header rows of every letter)."""
    if not rows:
        return
    key = (conn.dialect.name, table.name, columns)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
    order = compiled.positiontup
    if order is not None:  # positional placeholders (SQLite's "?", psycopg's "%s")
        at = [columns.index(name) for name in order]
        params: list[Any] = [tuple(row[i] for i in at) for row in rows] if at != list(range(len(columns))) else rows
    else:
        params = [dict(zip(columns, row, strict=True)) for row in rows]
    conn.exec_driver_sql(compiled.string, params)


_PROCESSORS: dict[tuple[str, str, tuple[str, ...]], Any] = {}
_NOTHING = object()
_RETURNING: dict[str, Any] = {}


def insert_rows(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], ids: bool = False) -> list[int]:
    """Insert rows (dicts with the same keys) in one statement; with `ids`, their new ids, in the rows' order.

    On SQLite (and SQLCipher) the rows go to the driver's executemany with each column's own SQLAlchemy bind
    processor applied (date-times, JSON: the values SQLAlchemy itself would send), and the ids are the run of
    rowids ending at `last_insert_rowid()`: the transaction holds SQLite's write lock from its first write, so no
    other writer's row falls between them. Elsewhere SQLAlchemy inserts them (with RETURNING for the ids)."""
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        if not ids:
            conn.execute(table.insert(), rows)
            return []
        statement = _RETURNING.get(table.name)
        if statement is None:
            pk = list(table.primary_key.columns)[0]
            statement = _RETURNING[table.name] = table.insert().returning(pk, sort_by_parameter_order=True)
        return [r[0] for r in conn.execute(statement, rows)]
    columns = tuple(rows[0])
    key = (conn.dialect.name, table.name, columns)
    processors = _PROCESSORS.get(key)
    if processors is None:
        processors = _PROCESSORS[key] = [
            (i, p) for i, name in enumerate(columns)
            if (p := table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)) is not None]
    if processors:
        values: list[tuple[Any, ...]] = []
        # the value last processed in each column and what it gave: a batch's rows share one time stamp object
        # (ingested, first seen, custody time), converted once instead of once per row
        before: list[Any] = [_NOTHING] * len(processors)
        after: list[Any] = [None] * len(processors)
        for row in rows:
            items = list(row.values())
            for k, (i, process) in enumerate(processors):
                value = items[i]
                if value is not before[k]:
                    before[k], after[k] = value, process(value)
                items[i] = after[k]
            values.append(tuple(items))
    else:
        values = [tuple(row.values()) for row in rows]
    insert_plain_rows(conn, table, columns, values)
    if not ids:
        return []
    last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
    return list(range(last - len(rows) + 1, last + 1))
