"""Originals kept as slices of their container's original: mbox members without a file of their own (issue 9).

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "original_slice",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("container_sha256", sa.String(length=64), nullable=False),
        sa.Column("byte_offset", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["original.sha256"], name=op.f("fk_original_slice_sha256_original")),
        sa.ForeignKeyConstraint(["container_sha256"], ["original.sha256"],
                                name=op.f("fk_original_slice_container_sha256_original")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_original_slice")),
    )
    op.create_index(op.f("ix_original_slice_container_sha256"), "original_slice", ["container_sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_original_slice_container_sha256"), table_name="original_slice")
    op.drop_table("original_slice")
