"""trust (keyed audit chain, checkpoints, derived-row digests) — issue 8.

Revision ID: 0006
Revises: 0005

Reserved in the chain so that work on several issues can land in any order; an empty upgrade until its tables land.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
