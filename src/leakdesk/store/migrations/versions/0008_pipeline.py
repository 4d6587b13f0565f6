"""pipeline (stage_run provenance, series results in the store) — issue 10.

Revision ID: 0008
Revises: 0007

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("input_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_run")),
        sa.UniqueConstraint("stage", "item", name=op.f("uq_stage_run_stage")),
    )
    op.create_table(
        "series_analysis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], name=op.f("fk_series_analysis_series_id_series")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_analysis")),
    )
    op.create_index(op.f("ix_series_analysis_series_id"), "series_analysis", ["series_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_series_analysis_series_id"), table_name="series_analysis")
    op.drop_table("series_analysis")
    op.drop_table("stage_run")
