"""A dispatch's headers in one row, the canonical JSON of its old rows ([[dispatch id, position, name, raw,
decoded], ...]), instead of a row per header: ingest wrote nine header rows for every letter (issue 9). Existing
rows move over unchanged, in the order the digests read them (position, then row id), so every recorded digest
still compares.

Revision ID: 0024
Revises: 0023
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_BATCH = 1000  # dispatches per insert while moving rows


def _canonical(value: Any) -> str:
    """`leakdesk.store.audit.canonical` (kept here so this migration stays what it was when it ran)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _old_rows(conn: sa.Connection, low: int, high: int) -> list[dict[str, Any]]:
    """The new rows of the dispatches low < id <= high that have header rows."""
    rows = conn.execute(sa.text("SELECT dispatch_id, position, name, raw, decoded FROM header "
                                "WHERE dispatch_id > :low AND dispatch_id <= :high "
                                "ORDER BY dispatch_id, position, id"), {"low": low, "high": high}).all()
    by_dispatch: dict[int, list[list[Any]]] = {}
    for dispatch_id, position, name, raw, decoded in rows:
        by_dispatch.setdefault(dispatch_id, []).append([dispatch_id, position, name, raw, decoded])
    return [{"dispatch_id": d, "headers": _canonical(items)} for d, items in by_dispatch.items()]


def upgrade() -> None:
    table = op.create_table(
        "dispatch_headers",
        sa.Column("dispatch_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"],
                                name=op.f("fk_dispatch_headers_dispatch_id_dispatch")),
        sa.PrimaryKeyConstraint("dispatch_id", name=op.f("pk_dispatch_headers")),
    )
    conn = op.get_bind()
    last = conn.execute(sa.text("SELECT max(dispatch_id) FROM header")).scalar() or 0
    for low in range(0, last, _BATCH):  # a window of dispatches at a time: memory stays bounded
        rows = _old_rows(conn, low, low + _BATCH)
        if rows:
            conn.execute(table.insert(), rows)
    op.drop_index(op.f("ix_header_dispatch_id"), table_name="header")
    op.drop_table("header")


def downgrade() -> None:
    header = op.create_table(
        "header",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("decoded", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_header_dispatch_id_dispatch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_header")),
    )
    op.create_index(op.f("ix_header_dispatch_id"), "header", ["dispatch_id"], unique=False)
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT dispatch_id, headers FROM dispatch_headers ORDER BY dispatch_id"))
    batch: list[dict[str, Any]] = []
    for dispatch_id, stored in rows.all():
        for _dispatch_id, position, name, raw, decoded in json.loads(stored):
            batch.append({"dispatch_id": dispatch_id, "position": position, "name": name, "raw": raw,
                          "decoded": decoded})
        if len(batch) >= _BATCH * 10:
            conn.execute(header.insert(), batch)
            batch = []
    if batch:
        conn.execute(header.insert(), batch)
    op.drop_table("dispatch_headers")
