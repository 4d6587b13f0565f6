"""narratives evidence (issue 13): stream evidence attached to a letter's claim, as a snapshot.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_stream_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("label_family", sa.String(length=80), nullable=False),
        sa.Column("onset", sa.Date(), nullable=True),
        sa.Column("onset_low", sa.Date(), nullable=True),
        sa.Column("onset_high", sa.Date(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], name=op.f("fk_claim_stream_evidence_claim_id_claim")),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"],
                                name=op.f("fk_claim_stream_evidence_dispatch_id_dispatch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_stream_evidence")),
        sa.UniqueConstraint("claim_id", "digest", name=op.f("uq_claim_stream_evidence_claim_id")),
    )
    op.create_index(op.f("ix_claim_stream_evidence_claim_id"), "claim_stream_evidence", ["claim_id"], unique=False)
    op.create_index(op.f("ix_claim_stream_evidence_dispatch_id"), "claim_stream_evidence", ["dispatch_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_stream_evidence_dispatch_id"), table_name="claim_stream_evidence")
    op.drop_index(op.f("ix_claim_stream_evidence_claim_id"), table_name="claim_stream_evidence")
    op.drop_table("claim_stream_evidence")
