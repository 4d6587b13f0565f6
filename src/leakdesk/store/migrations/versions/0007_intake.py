"""intake (folders, desk-set facts, DKIM, OCR, warnings) — issue 9.

Revision ID: 0007
Revises: 0006

desk_fact: a date or sender the desk supplies for a letter whose original has none (audited, never overwriting).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_fact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("value_utc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_desk_fact_dispatch_id_dispatch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_fact")),
    )
    op.create_index(op.f("ix_desk_fact_dispatch_id"), "desk_fact", ["dispatch_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_fact_dispatch_id"), table_name="desk_fact")
    op.drop_table("desk_fact")
