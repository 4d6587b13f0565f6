"""Check a case: every original re-hashed, every database reference resolved, the audit chain intact."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from leakdesk.store import audit as audit_log
from leakdesk.store import tables as t
from leakdesk.store.originals import Originals, hash_file


@dataclass
class FsckReport:
    originals_checked: int = 0
    audit_rows: int = 0
    damaged_originals: list[dict[str, str]] = field(default_factory=list)
    missing_originals: list[dict[str, str]] = field(default_factory=list)
    broken_audit_rows: list[dict[str, Any]] = field(default_factory=list)
    dangling_references: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.damaged_originals
            or self.missing_originals
            or self.broken_audit_rows
            or self.dangling_references
        )

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, **asdict(self)}


def _referenced_shas(conn: sa.Connection) -> dict[str, list[str]]:
    """sha256 -> the places that refer to it (tables with an `original_sha256` or `sha256` FK column)."""
    refs: dict[str, list[str]] = {}
    for table in t.metadata.sorted_tables:
        for col in table.columns:
            if any(fk.column.table is t.original for fk in col.foreign_keys):
                pk = list(table.primary_key.columns)[0]
                for row in conn.execute(sa.select(pk, col).where(col.is_not(None))):
                    refs.setdefault(row[1], []).append(f"{table.name} {row[0]}")
    return refs


def fsck(conn: sa.Connection, originals: Originals) -> FsckReport:
    report = FsckReport()
    recorded = {r.sha256: r for r in conn.execute(sa.select(t.original))}
    for sha, row in recorded.items():
        report.originals_checked += 1
        path = originals.path(sha)
        if not path.exists():
            report.missing_originals.append({"sha256": sha, "problem": "missing from the originals folder"})
            continue
        d = hash_file(path)
        if d.sha256 != sha or d.size != row.size:
            report.damaged_originals.append({"sha256": sha, "problem": f"bytes now hash to {d.sha256}"})
    for sha, places in _referenced_shas(conn).items():
        if sha not in recorded:
            report.dangling_references.append({"sha256": sha, "referenced_by": places})
    report.audit_rows = conn.execute(sa.select(sa.func.count()).select_from(t.audit)).scalar_one()
    report.broken_audit_rows = [{"seq": b.seq, "problem": b.problem} for b in audit_log.verify(conn)]
    return report
