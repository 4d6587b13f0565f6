"""intake (folders, desk-set facts, DKIM, OCR, warnings) — issue 9.

Revision ID: 0007
Revises: 0006

Reserved in the chain so that work on several issues can land in any order; an empty upgrade until its tables land.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
