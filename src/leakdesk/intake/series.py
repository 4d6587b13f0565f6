"""Series (dispatches claimed by one source) and their sources (pseudonyms)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import UsageError
from leakdesk.store.records import dispatches
from leakdesk.store.records import series as series_records
from leakdesk.store.records.common import no_such_dispatch


def series_id_for(case: Case, conn: sa.Connection, name: str, source_id: int | None = None) -> int:
    """The id of the series called `name`, created (with an audit entry) if it does not exist yet."""
    name = name.strip()
    if not name:
        raise UsageError("A series needs a name.")
    found = series_records.find_by_name(conn, name)
    if found is not None:
        return found.id
    new_id = series_records.add_series(conn, name, source_id)
    case.audit(conn, "intake.series-create", f"series {new_id}", {"name": name, "source_id": source_id})
    return new_id


def create_series(case: Case, name: str, source_pseudonym: str | None = None) -> dict[str, Any]:
    """Create a series attributed to a source (the pseudonym is created too if new)."""
    with case.transaction() as conn:
        if series_records.find_by_name(conn, name) is not None:
            raise UsageError(f"A series called '{name}' already exists.")
        source_id = None
        if source_pseudonym:
            known = {s.pseudonym: s.id for s in series_records.all_sources(conn)}
            source_id = known.get(source_pseudonym)
            if source_id is None:
                source_id = series_records.add_source(conn, source_pseudonym)
                case.audit(conn, "intake.source-create", f"source {source_id}", {"pseudonym": source_pseudonym})
        series_id = series_id_for(case, conn, name, source_id)
    return {"id": series_id, "name": name.strip(), "source": source_pseudonym}


def assign_series(case: Case, name: str, dispatch_ids: list[int]) -> dict[str, Any]:
    """Put existing dispatches into a series."""
    if not dispatch_ids:
        raise UsageError("Name at least one dispatch to assign.")
    with case.transaction() as conn:
        series_id = series_records.by_name(conn, name).id  # the one "No such series" message
        found = {d.id for d in dispatches.find(conn, dispatch_ids)}
        missing = [i for i in dispatch_ids if i not in found]
        if missing:
            raise no_such_dispatch(", ".join(map(str, missing)))
        series_records.assign(conn, series_id, dispatch_ids)
        case.audit(conn, "intake.series-assign", f"series {series_id}", {"name": name, "dispatches": dispatch_ids})
    return {"series": name, "dispatches": sorted(set(dispatch_ids))}


def list_series(case: Case) -> list[dict[str, Any]]:
    """Every series with its source and number of letters."""
    with case.connect() as conn:
        return [{"id": s.id, "name": s.name, "source": s.source, "letters": s.letters}
                for s in series_records.all_series(conn)]


def remove_series(case: Case, name: str) -> dict[str, Any]:
    """Delete a series; its letters stay in the case, outside any series. Refused once letters were verified
    against it (the verdicts would lose what they were measured against)."""
    with case.transaction() as conn:
        found = series_records.by_name(conn, name)
        moved = series_records.remove(conn, found.id)
        case.audit(conn, "intake.series-remove", f"series {found.id}", {"name": found.name, "letters": moved})
    return {"series": found.name, "letters_now_without_series": moved}


def show_series(case: Case, name: str) -> dict[str, Any]:
    """One series: its source and its letters (number in the series, date, subject, translation state)."""
    with case.connect() as conn:
        found = series_records.by_name(conn, name)
        letters = sorted(dispatches.overview(conn, found.id),
                         key=lambda s: (s.number_in_series is None, s.number_in_series or 0, s.dispatch.id))
    return {"id": found.id, "name": found.name, "source": found.source, "created": found.created.isoformat(),
            "letters": [{"id": s.dispatch.id, "number": s.number_in_series, "date": s.dispatch.date,
                         "subject": s.dispatch.subject or s.dispatch.filename, "attachments": s.attachments,
                         "translation": s.translation_status} for s in letters]}
