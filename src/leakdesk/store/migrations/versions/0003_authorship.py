"""authorship tables: reference texts (impostor pool), authorship verdicts, expert reviews.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("original_sha256", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["original_sha256"], ["original.sha256"], name=op.f("fk_reference_text_original_sha256_original")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_text")),
        sa.UniqueConstraint("original_sha256", name=op.f("uq_reference_text_original_sha256")),
    )
    op.create_index(op.f("ix_reference_text_language"), "reference_text", ["language"], unique=False)
    op.create_table(
        "authorship_verdict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=80), nullable=False),
        sa.Column("method_version", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("ood", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispatch_id"], ["dispatch.id"], name=op.f("fk_authorship_verdict_dispatch_id_dispatch")
        ),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], name=op.f("fk_authorship_verdict_series_id_series")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorship_verdict")),
    )
    op.create_index(
        op.f("ix_authorship_verdict_dispatch_id"), "authorship_verdict", ["dispatch_id"], unique=False
    )
    op.create_index(op.f("ix_authorship_verdict_series_id"), "authorship_verdict", ["series_id"], unique=False)
    op.create_table(
        "expert_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_expert_review_dispatch_id_dispatch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_review")),
    )
    op.create_index(op.f("ix_expert_review_dispatch_id"), "expert_review", ["dispatch_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_expert_review_dispatch_id"), table_name="expert_review")
    op.drop_table("expert_review")
    op.drop_index(op.f("ix_authorship_verdict_series_id"), table_name="authorship_verdict")
    op.drop_index(op.f("ix_authorship_verdict_dispatch_id"), table_name="authorship_verdict")
    op.drop_table("authorship_verdict")
    op.drop_index(op.f("ix_reference_text_language"), table_name="reference_text")
    op.drop_table("reference_text")
