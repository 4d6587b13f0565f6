"""timex table: temporal expressions of each dispatch, normalised and anchored on the letter's date.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timex",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("text_id", sa.Integer(), nullable=False),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("surface", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=60), nullable=False),
        sa.Column("mod", sa.String(length=20), nullable=True),
        sa.Column("interval_start", sa.Date(), nullable=True),
        sa.Column("interval_end", sa.Date(), nullable=True),
        sa.Column("anchor", sa.Date(), nullable=True),
        sa.Column("anchor_source", sa.String(length=20), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_timex_dispatch_id_dispatch")),
        sa.ForeignKeyConstraint(["text_id"], ["text.id"], name=op.f("fk_timex_text_id_text")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timex")),
    )
    op.create_index(op.f("ix_timex_dispatch_id"), "timex", ["dispatch_id"], unique=False)
    op.create_index(op.f("ix_timex_text_id"), "timex", ["text_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_timex_text_id"), table_name="timex")
    op.drop_index(op.f("ix_timex_dispatch_id"), table_name="timex")
    op.drop_table("timex")
