"""Series (dispatches claimed by one source) and sources (pseudonyms), found by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord, StoreError
from leakdesk.store.records.common import new_id, now, utc
from leakdesk.store.tables import dispatch, series, source


@dataclass(frozen=True)
class Source:
    id: int
    pseudonym: str
    note: str | None
    created: datetime


@dataclass(frozen=True)
class Series:
    id: int
    name: str
    source_id: int | None
    source: str | None  # the pseudonym
    letters: int  # top-level dispatches in the series
    created: datetime


_SERIES = (
    sa.select(series, source.c.pseudonym,
              sa.select(sa.func.count()).where(dispatch.c.series_id == series.c.id, dispatch.c.parent_id.is_(None))
              .scalar_subquery().label("letters"))
    .select_from(series.outerjoin(source, source.c.id == series.c.source_id))
)


def _series(r: sa.Row) -> Series:
    return Series(r.id, r.name, r.source_id, r.pseudonym, int(r.letters or 0), utc(r.created) or r.created)


def all_series(conn: sa.Connection) -> list[Series]:
    return [_series(r) for r in conn.execute(_SERIES.order_by(series.c.name))]


def no_such_series(conn: sa.Connection, name: str) -> NoSuchRecord:
    """The one error for a series name the case does not hold, naming the series it does hold (the CLI's exit
    code 1, the web desk's 404)."""
    names = [s.name for s in all_series(conn)]
    hint = f" Series in this case: {', '.join(names)}." if names else " This case has no series yet."
    return NoSuchRecord(f"No such series '{name}' in this case.{hint}")


def by_name(conn: sa.Connection, name: str) -> Series:
    """The series called `name`; `no_such_series` when there is none."""
    row = conn.execute(_SERIES.where(series.c.name == name.strip())).first()
    if row is None:
        raise no_such_series(conn, name)
    return _series(row)


def find_by_name(conn: sa.Connection, name: str) -> Series | None:
    row = conn.execute(_SERIES.where(series.c.name == name.strip())).first()
    return _series(row) if row is not None else None


def by_id(conn: sa.Connection, series_id: int) -> Series:
    row = conn.execute(_SERIES.where(series.c.id == series_id)).first()
    if row is None:
        raise NoSuchRecord(f"No such series {series_id} in this case.")
    return _series(row)


def all_sources(conn: sa.Connection) -> list[Source]:
    rows = conn.execute(sa.select(source).order_by(source.c.pseudonym))
    return [Source(r.id, r.pseudonym, r.note, utc(r.created) or r.created) for r in rows]


def source_by_name(conn: sa.Connection, pseudonym: str) -> Source:
    row = conn.execute(sa.select(source).where(source.c.pseudonym == pseudonym.strip())).first()
    if row is None:
        raise NoSuchRecord(f"No such source '{pseudonym}' in this case.")
    return Source(row.id, row.pseudonym, row.note, utc(row.created) or row.created)


def add_source(conn: sa.Connection, pseudonym: str, note: str | None = None) -> int:
    """A new source; the caller audits it."""
    return new_id(conn.execute(source.insert().values(pseudonym=pseudonym.strip(), note=note, created=now())))


def add_series(conn: sa.Connection, name: str, source_id: int | None = None) -> int:
    """A new series; the caller audits it."""
    return new_id(conn.execute(series.insert().values(name=name.strip(), source_id=source_id, created=now())))


def assign(conn: sa.Connection, series_id: int | None, dispatch_ids: list[int]) -> None:
    """Put dispatches into a series (None: take them out of any); the caller audits it."""
    conn.execute(dispatch.update().where(dispatch.c.id.in_(dispatch_ids)).values(series_id=series_id))


def remove(conn: sa.Connection, series_id: int) -> int:
    """Delete a series, taking its dispatches out of it (they stay in the case); returns how many were in it.

    Refused when verdicts were given against it (they would lose what they were measured against)."""
    from leakdesk.store.tables import authorship_verdict

    if conn.execute(sa.select(authorship_verdict.c.id).where(authorship_verdict.c.series_id == series_id)).first():
        name = by_id(conn, series_id).name
        raise StoreError(f"The series '{name}' has authorship verdicts and cannot be removed; its letters were "
                         "judged against it.")
    moved = conn.execute(dispatch.update().where(dispatch.c.series_id == series_id).values(series_id=None)).rowcount
    conn.execute(series.delete().where(series.c.id == series_id))
    return int(moved or 0)


@dataclass(frozen=True)
class SeriesAnalysis:
    """The whole-series authorship analysis as stored: hands, outliers, the pairwise matrix."""

    id: int
    series_id: int
    version: str
    result: dict
    created: datetime


def save_analysis(conn: sa.Connection, series_id: int, version: str, result: dict) -> int:
    """Store a series analysis, replacing the earlier one of the same version; the caller audits it."""
    from leakdesk.store.tables import series_analysis

    conn.execute(series_analysis.delete().where(series_analysis.c.series_id == series_id,
                                                series_analysis.c.version == version))
    return new_id(conn.execute(series_analysis.insert().values(series_id=series_id, version=version, result=result,
                                                               created=now())))


def analyses(conn: sa.Connection) -> list[SeriesAnalysis]:
    """The newest stored analysis of every series, in series-name order."""
    from leakdesk.store.tables import series_analysis

    rows = conn.execute(sa.select(series_analysis, series.c.name)
                        .join(series, series.c.id == series_analysis.c.series_id)
                        .order_by(series.c.name, series_analysis.c.id)).all()
    newest: dict[int, SeriesAnalysis] = {}
    for r in rows:
        newest[r.series_id] = SeriesAnalysis(r.id, r.series_id, r.version, r.result or {}, utc(r.created) or r.created)
    return list(newest.values())
