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
