"""S/MIME signature checks against a desk-supplied CA file (issue 9).

Revision ID: 0022
Revises: 0020 (0021 is reserved for another engineer and did not exist when this one landed)
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "smime_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("checked", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("signer_subject", sa.Text(), nullable=True),
        sa.Column("signer_email", sa.String(length=320), nullable=True),
        sa.Column("signer_issuer", sa.Text(), nullable=True),
        sa.Column("signer_serial", sa.String(length=80), nullable=True),
        sa.Column("signer_not_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ca_file", sa.String(length=500), nullable=False),
        sa.Column("ca_sha256", sa.String(length=64), nullable=False),
        sa.Column("ca_subject", sa.Text(), nullable=True),
        sa.Column("engine", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_smime_check_dispatch_id_dispatch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smime_check")),
    )
    op.create_index(op.f("ix_smime_check_dispatch_id"), "smime_check", ["dispatch_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_smime_check_dispatch_id"), table_name="smime_check")
    op.drop_table("smime_check")
