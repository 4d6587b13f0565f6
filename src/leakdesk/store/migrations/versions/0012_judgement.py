"""judgement (claim links, conflicts) — issue 14.

Revision ID: 0012
Revises: 0011

Reserved in the chain so that work on several issues can land in any order; an empty upgrade until its tables land.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
