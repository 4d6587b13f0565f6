"""publication (exposure checks, redaction decisions with pseudonyms, derivatives) — issue 12.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exposure_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("population", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created", TS, nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], name=op.f("fk_exposure_check_series_id_series")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_check")),
    )
    op.create_index(op.f("ix_exposure_check_series_id"), "exposure_check", ["series_id"], unique=False)
    op.create_table(
        "redaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("surfaces", sa.JSON(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=True),
        sa.Column("text_id", sa.Integer(), nullable=True),
        sa.Column("start_char", sa.Integer(), nullable=True),
        sa.Column("end_char", sa.Integer(), nullable=True),
        sa.Column("pseudonym", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created", TS, nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("reviewed", TS, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], name=op.f("fk_redaction_series_id_series")),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_redaction_entity_id_entity")),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_redaction_dispatch_id_dispatch")),
        sa.ForeignKeyConstraint(["text_id"], ["text.id"], name=op.f("fk_redaction_text_id_text")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redaction")),
    )
    op.create_index(op.f("ix_redaction_series_id"), "redaction", ["series_id"], unique=False)
    op.create_table(
        "derivative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("tool", sa.String(length=80), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created", TS, nullable=False),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_derivative_dispatch_id_dispatch")),
        sa.ForeignKeyConstraint(
            ["source_sha256"], ["original.sha256"], name=op.f("fk_derivative_source_sha256_original")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derivative")),
    )
    op.create_index(op.f("ix_derivative_dispatch_id"), "derivative", ["dispatch_id"], unique=False)


def downgrade() -> None:
    op.drop_table("derivative")
    op.drop_table("redaction")
    op.drop_table("exposure_check")
