"""intake formats, OCR, DKIM (DKIM/ARC verdicts per signature) — issue 9.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dkim_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("checked", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("signatures", sa.Integer(), nullable=False),
        sa.Column("arc_result", sa.String(length=12), nullable=False),
        sa.Column("arc_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_dkim_check_dispatch_id_dispatch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dkim_check")),
    )
    op.create_index(op.f("ix_dkim_check_dispatch_id"), "dkim_check", ["dispatch_id"], unique=False)
    op.create_table(
        "dkim_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("selector", sa.String(length=255), nullable=True),
        sa.Column("algorithm", sa.String(length=40), nullable=True),
        sa.Column("result", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("key_source", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["check_id"], ["dkim_check.id"], name=op.f("fk_dkim_signature_check_id_dkim_check")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dkim_signature")),
    )
    op.create_index(op.f("ix_dkim_signature_check_id"), "dkim_signature", ["check_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dkim_signature_check_id"), table_name="dkim_signature")
    op.drop_table("dkim_signature")
    op.drop_index(op.f("ix_dkim_check_dispatch_id"), table_name="dkim_check")
    op.drop_table("dkim_check")
