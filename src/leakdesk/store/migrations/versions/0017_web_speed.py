"""web desk speed (issue 11): the audit page's filter by person reads one person's entries newest first.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_actor_seq", "audit", ["actor", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_actor_seq", table_name="audit")
